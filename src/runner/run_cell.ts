/**
 * Runs one cell: builds its networks from its seed, trains under its budget, scores it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { DATASETS } from "../data/mod.ts";
import { Rng } from "../engine/rng.ts";
import { LOSSES, REGULARISERS } from "../losses/mod.ts";
import { dynamicsFigures, METRICS } from "../metrics/mod.ts";
import { ARCHITECTURES, disposePair, type Generator } from "../models/mod.ts";
import { type Progress, train } from "../train/train.ts";
import type { Cell } from "./cells.ts";
import type { CellResult, Environment } from "./store.ts";

/** Generation batch size when scoring, to bound memory. */
const EVAL_CHUNK = 1024;
/** Generated points stored with a result of a 2-D dataset, for scatter plots. */
const STORED_POINTS = 500;

/** The first `STORED_POINTS` 2-D samples, rounded to 1e-4, or undefined for other shapes. */
function pointsToStore(
  samples: Float32Array | undefined,
  sampleShape: number[],
): number[][] | undefined {
  if (!samples || sampleShape.length !== 1 || sampleShape[0] !== 2) return undefined;
  const count = Math.min(STORED_POINTS, samples.length / 2);
  const points: number[][] = [];
  for (let i = 0; i < count; i++) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      points.push([Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]);
    }
  }
  return points;
}

/** Samples for fixed latent codes, in chunks, as one flat array (read asynchronously). */
export async function generateSamples(
  generator: Generator,
  latent: tf.Tensor2D,
): Promise<Float32Array> {
  const n = latent.shape[0];
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, n - start);
    const part = tf.tidy(() => generator.generate(tf.slice(latent, [start, 0], [size, -1])));
    parts.push((await part.data()) as Float32Array);
    part.dispose();
  }
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Trains and scores `cell`. */
export async function runCell(
  cell: Cell,
  environment: Environment,
  onProgress?: (progress: Progress) => void,
): Promise<CellResult> {
  const { config } = cell;
  const started = performance.now();
  const dataset = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const pair = ARCHITECTURES.get(config.architecture).build(config.model, {
    sampleShape: dataset.sampleShape,
    latentDim: config.latentDim,
    rng: rng.stream("init"),
  });
  const metrics = config.metrics.map((name) => METRICS.get(name));
  const evalRng = rng.stream("eval");
  const evalLatent = tf.tensor2d(evalRng.normals(config.evalSamples * config.latentDim), [
    config.evalSamples,
    config.latentDim,
  ]);
  let lastSamples: Float32Array | undefined;
  try {
    const outcome = await train({
      dataset,
      pair,
      loss: LOSSES.get(config.loss),
      regularisers: Object.entries(config.regularisers).map(([name, weight]) => ({
        name,
        regulariser: REGULARISERS.get(name),
        weight,
      })),
      hyper: config.hyper,
      budget: config.budget,
      rng,
      async evaluate(generator) {
        const samples = await generateSamples(generator, evalLatent);
        lastSamples = samples;
        const figures = await Promise.all(
          metrics.map((m) => m.evaluate(samples, { dataset, discriminator: pair.discriminator })),
        );
        return Object.assign({}, ...figures);
      },
      onProgress,
    });
    const lastEval = outcome.evals.at(-1);
    const final = outcome.status === "diverged" ? {} : {
      ...lastEval?.metrics,
      ...Object.assign({}, ...metrics.map((m) => m.summarise?.(outcome.evals) ?? {})),
      ...dynamicsFigures(outcome.curves),
    };
    const wallSeconds = (performance.now() - started) / 1000;
    const points = pointsToStore(lastSamples, dataset.sampleShape);
    return {
      hash: cell.hash,
      config,
      status: outcome.status,
      ...(outcome.divergence ? { divergence: outcome.divergence } : {}),
      steps: outcome.steps,
      final,
      curves: outcome.curves,
      evals: outcome.evals,
      timing: {
        wallSeconds,
        trainSeconds: outcome.trainSeconds,
        evalSeconds: outcome.evalSeconds,
        stepsPerSecond: outcome.trainSeconds > 0 ? outcome.steps / outcome.trainSeconds : 0,
      },
      ...(points ? { samples: points } : {}),
      environment,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    evalLatent.dispose();
    disposePair(pair);
  }
}
