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
import type { Dataset } from "../data/dataset.ts";
import { classifierFeatures, EXTRACTORS } from "../metrics/extractors.ts";
import { buildConditional } from "../models/conditional.ts";
import { ARCHITECTURES, disposePair, type GanPair, type Generator } from "../models/mod.ts";
import { TRAINERS } from "../train/mod.ts";
import type { Progress } from "../train/train.ts";
import {
  type ArithmeticExample,
  disposePictureInputs,
  interpolationStrip,
  pictureInputs,
  sampleGrid,
  vectorArithmetic,
} from "./sample_images.ts";
import type { Cell, CellConfig } from "./cells.ts";
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

/** Samples for fixed latent codes (and labels), in chunks, as one flat array (read asynchronously). */
export async function generateSamples(
  generator: Generator,
  latent: tf.Tensor2D,
  labels?: tf.Tensor1D,
): Promise<Float32Array> {
  const n = latent.shape[0];
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, n - start);
    const part = tf.tidy(() =>
      generator.generate(
        tf.slice(latent, [start, 0], [size, -1]),
        labels && tf.slice(labels, [start], [size]),
      )
    );
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

/** Balanced labels 0, 1, …, classes − 1, 0, 1, … for `n` conditional samples. */
function balancedLabels(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % classes);
}

/** Raised when a cell cannot be built (e.g. a conditional variant on unlabelled data); one line. */
export class CellSetupError extends Error {
  override name = "CellSetupError";
}

/** Builds the cell's networks: the architecture's pair, conditional when the variant is. */
function buildPair(config: CellConfig, dataset: Dataset, rng: Rng): GanPair {
  const architecture = ARCHITECTURES.get(config.architecture);
  const context = {
    sampleShape: dataset.sampleShape,
    latentDim: config.latentDim,
    rng: rng.stream("init"),
    outputs: TRAINERS.get(config.trainer ?? "gan").discriminatorOutputs?.(config.latentDim),
  };
  if (!config.conditional) return architecture.build(config.model, context);
  if (!dataset.classes) {
    throw new CellSetupError(
      `variant '${config.variant}' is class-conditional, but dataset '${dataset.name}' has no labels`,
    );
  }
  return buildConditional(architecture.build, config.model, context, dataset.classes);
}

/** A tensor of `n` latent codes from `rng`, with balanced labels when `classes` is set. */
function evaluationBatch(n: number, latentDim: number, classes: number | undefined, rng: Rng) {
  const labels = classes ? balancedLabels(n, classes) : undefined;
  return {
    latent: tf.tensor2d(rng.normals(n * latentDim), [n, latentDim]),
    labels,
    labelTensor: labels && tf.tensor1d(labels, "int32"),
  };
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
  const pair = buildPair(config, dataset, rng);
  const metrics = config.metrics.map((name) => METRICS.get(name));
  const evaluation = evaluationBatch(
    config.evalSamples,
    config.latentDim,
    pair.classes,
    rng.stream("eval"),
  );
  const isImage = dataset.sampleShape.length === 3;
  const pictures = isImage
    ? pictureInputs(config.latentDim, pair.classes, rng.stream("pictures"))
    : undefined;
  const images: Record<string, Uint8Array> = {};
  const score = async (generator: Generator, batch: typeof evaluation) => {
    const samples = await generateSamples(generator, batch.latent, batch.labelTensor);
    const context = {
      dataset,
      discriminator: pair.discriminator,
      features: config.features,
      labels: batch.labels,
    };
    const figures = await Promise.all(metrics.map((m) => m.evaluate(samples, context)));
    return { samples, figures: Object.assign({}, ...figures) as Record<string, number> };
  };
  let lastSamples: Float32Array | undefined;
  try {
    const outcome = await TRAINERS.get(config.trainer ?? "gan").train({
      dataset,
      pair,
      // Trainers without an adversarial loss (vae) name none the loss registry knows.
      loss: LOSSES.has(config.loss) ? LOSSES.get(config.loss) : undefined,
      regularisers: Object.entries(config.regularisers).map(([name, weight]) => ({
        name,
        regulariser: REGULARISERS.get(name),
        weight,
      })),
      hyper: config.hyper,
      budget: config.budget,
      rng,
      async evaluate(generator, at) {
        const { samples, figures } = await score(generator, evaluation);
        lastSamples = samples;
        if (pictures) {
          images[`grid-step${String(at).padStart(6, "0")}`] = await sampleGrid(
            generator,
            pictures,
            dataset.sampleShape,
          );
        }
        return figures;
      },
      onProgress,
    });
    const lastEval = outcome.evals.at(-1);
    const diverged = outcome.status === "diverged";
    let finalFigures = lastEval?.metrics;
    if (!diverged && config.finalSamples) {
      // The final figures come from a larger sample than the curve's evaluations.
      const batch = evaluationBatch(
        config.finalSamples,
        config.latentDim,
        pair.classes,
        rng.stream("final"),
      );
      try {
        finalFigures = (await score(pair.generator, batch)).figures;
      } finally {
        tf.dispose([batch.latent, ...(batch.labelTensor ? [batch.labelTensor] : [])]);
      }
    }
    let arithmetic: ArithmeticExample | undefined;
    if (pictures && !diverged) {
      images.interpolation = await interpolationStrip(
        pair.generator,
        pictures,
        dataset.sampleShape,
      );
      arithmetic = await arithmeticRow(pair.generator, config, dataset, rng.stream("arithmetic"));
      if (arithmetic) images.arithmetic = arithmetic.png;
    }
    const final = diverged ? {} : {
      ...finalFigures,
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
      ...(Object.keys(images).length ? { pictures: images } : {}),
      ...(arithmetic
        ? {
          arithmetic: {
            a: arithmetic.a,
            b: arithmetic.b,
            c: arithmetic.c,
            result: arithmetic.result,
          },
        }
        : {}),
      environment,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    tf.dispose([evaluation.latent, ...(evaluation.labelTensor ? [evaluation.labelTensor] : [])]);
    if (pictures) disposePictureInputs(pictures);
    disposePair(pair);
  }
}

/**
 * The vector-arithmetic row of an unconditional generator of grey 28x28 images, judged by the
 * suite's classifier network; undefined when there is none.
 */
function arithmeticRow(
  generator: Generator,
  config: CellConfig,
  dataset: Dataset,
  rng: Rng,
): Promise<ArithmeticExample | undefined> {
  const [height, width, channels] = dataset.sampleShape;
  const network = config.features;
  if (config.conditional || !network || channels !== 1 || height !== 28 || width !== 28) {
    return Promise.resolve(undefined);
  }
  if (!EXTRACTORS.has(network) || network === "raw") return Promise.resolve(undefined);
  return vectorArithmetic(generator, dataset.sampleShape, rng, async (samples, n) => {
    const { probabilities } = await classifierFeatures(network, samples, n);
    return probabilities;
  });
}
