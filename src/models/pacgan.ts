/**
 * PacGAN's networks for 2-D mixtures (Lin et al. 2018; the authors' `pacgan_task.py`, a Blocks
 * model). G: z → 4 hidden layers of 400 units, each a linear map without bias, batch norm, then
 * ReLU → a linear output with bias. D: `pack` samples side by side → 3 maxout layers of 200 units
 * with 5 pieces each → a linear output. Weights ~ N(0, 0.02), biases 0, batch norm's scale 1 and
 * shift 0 (Blocks' defaults).
 *
 * G's batch norm trains with each batch's statistics (mean, and stdev = √(var + 1e-4), Blocks'
 * epsilon) and keeps running averages of them with momentum 0.05: the trainer folds the mean of a
 * step's batch statistics (over its `pack` generator passes) into them once per step, as
 * PacGAN's `bn_updates` do. **Sampling uses the running averages**, as PacGAN's `GraphLogger`
 * samples outside Blocks' training mode. Before each evaluation they are refreshed as PacGAN's
 * code refreshes them: its training-set monitor runs after every epoch with the same updates, 50
 * batches of 100 (5,000 examples), before the logger samples; `refreshBatches` and
 * `refreshBatchSize` say how many here (0 samples with the averages training left).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import {
  type BatchNormActivation,
  batchNormInference,
  batchNormTraining,
  type BatchNormWeights,
} from "@ganbench/wasm-kernels";
import type { Rng } from "../engine/rng.ts";
import { dense, type DenseWeights, ownedVariable } from "./layers.ts";
import { maxout, pack } from "./maxout.ts";
import type { BuildContext, Discriminator, GanPair, Generator } from "./network.ts";

/** Hidden layer widths (bounds against typos such as 1e9). */
const Widths = z.array(z.int().positive().max(16_384)).min(1).max(32);

/** Options of the `pacgan` architecture, as written in a suite. */
export const PacganOptions = z.strictObject({
  generator: z.strictObject({
    hidden: Widths.default([400, 400, 400, 400]),
    batchNorm: z.strictObject({
      /** Weight of a step's batch statistics in the running averages. */
      momentum: z.number().gt(0).lte(1).default(0.05),
      /** Added to the batch variance under the square root. */
      epsilon: z.number().positive().default(1e-4),
      /** Batches run through G to refresh the running averages before each evaluation. */
      refreshBatches: z.int().min(0).max(10_000).default(50),
      /** Latent codes per refresh batch (per generator pass). */
      refreshBatchSize: z.int().positive().max(65_536).default(100),
    }).prefault({}),
  }).prefault({}),
  discriminator: z.strictObject({
    hidden: Widths.default([200, 200, 200]),
    /** Linear pieces per maxout unit. */
    pieces: z.int().min(1).max(64).default(5),
    /** Samples D scores together (PacGAN-m; 1 is the plain GAN). */
    pack: z.int().min(1).max(64).default(1),
  }).prefault({}),
  /** Standard deviation of every weight's initial value (biases start at 0). */
  initStd: z.number().positive().default(0.02),
});
/** Parsed options of the `pacgan` architecture. */
export type PacganOptions = z.infer<typeof PacganOptions>;

/** A weight matrix ~ N(0, std²). */
function gaussian(rng: Rng, rows: number, cols: number, std: number): tf.Variable {
  return ownedVariable(tf.tensor2d(rng.normals(rows * cols, std), [rows, cols]));
}

/** A dense layer with weights ~ N(0, std²) and a zero bias. */
function gaussianDense(rng: Rng, fanIn: number, fanOut: number, std: number): DenseWeights {
  return { kernel: gaussian(rng, fanIn, fanOut, std), bias: ownedVariable(tf.zeros([fanOut])) };
}

/**
 * Batch norm over the batch axis that keeps running averages of its batch statistics: each
 * training-mode call adds its statistics to a pending sum, and {@linkcode RunningBatchNorm.fold}
 * moves the averages towards the mean of the pending ones.
 */
export class RunningBatchNorm {
  /** Learned scale (γ) and shift (β). */
  readonly scale: tf.Variable;
  readonly shift: tf.Variable;
  /** Running averages of the batch mean and stdev (Blocks' population statistics). */
  readonly mean: tf.Variable;
  readonly stdev: tf.Variable;
  #pendingMean: tf.Variable;
  #pendingStdev: tf.Variable;
  #pending = 0;
  #momentum: number;
  #epsilon: number;

  /** @param units features per sample; the averages start at mean 0, stdev 1 (Blocks'). */
  constructor(units: number, options: { momentum: number; epsilon: number }) {
    this.scale = ownedVariable(tf.ones([units]));
    this.shift = ownedVariable(tf.zeros([units]));
    this.mean = ownedVariable(tf.zeros([units]), false);
    this.stdev = ownedVariable(tf.ones([units]), false);
    this.#pendingMean = ownedVariable(tf.zeros([units]), false);
    this.#pendingStdev = ownedVariable(tf.zeros([units]), false);
    this.#momentum = options.momentum;
    this.#epsilon = options.epsilon;
  }

  /**
   * Normalises `x` (`[n, units]`) with its own statistics, which it adds to the pending sums, then
   * applies `activation`: one kernel on the wasm backend (`batchNormTraining`), the same bits as
   * tfjs' ops.
   */
  train(x: tf.Tensor2D, activation: BatchNormActivation = "linear"): tf.Tensor2D {
    const { y, sums } = batchNormTraining(x, this.#weights(), {
      mean: this.#pendingMean as tf.Tensor1D,
      stdev: this.#pendingStdev as tf.Tensor1D,
    }, { epsilon: this.#epsilon, activation });
    this.#pendingMean.assign(sums.mean);
    this.#pendingStdev.assign(sums.stdev);
    this.#pending++;
    return y;
  }

  /** Normalises `x` with the running averages, then applies `activation`. */
  infer(x: tf.Tensor2D, activation: BatchNormActivation = "linear"): tf.Tensor2D {
    return batchNormInference(x, this.#weights(), {
      mean: this.mean as tf.Tensor1D,
      stdev: this.stdev as tf.Tensor1D,
    }, activation);
  }

  /** average ← (1 − momentum)·average + momentum·(mean of the pending statistics); no-op without any. */
  fold(): void {
    if (!this.#pending) return;
    const count = this.#pending, momentum = this.#momentum;
    tf.tidy(() => {
      for (
        const [average, pending] of [[this.mean, this.#pendingMean], [
          this.stdev,
          this.#pendingStdev,
        ]] as const
      ) {
        average.assign(
          tf.add(tf.mul(average, 1 - momentum), tf.mul(pending, momentum / count)),
        );
        pending.assign(tf.zerosLike(pending));
      }
    });
    this.#pending = 0;
  }

  /** Every variable it holds, trainable or not. */
  allVariables(): tf.Variable[] {
    return [this.scale, this.shift, this.mean, this.stdev, this.#pendingMean, this.#pendingStdev];
  }

  #weights(): BatchNormWeights {
    return { scale: this.scale as tf.Tensor1D, shift: this.shift as tf.Tensor1D };
  }
}

/** PacGAN's generator: its batch norm's running averages are what {@linkcode Generator.sample} uses. */
export interface PacganGenerator extends Generator {
  /** G's batch-norm layers, in order. */
  readonly batchNorms: RunningBatchNorm[];
  sample(z: tf.Tensor2D): tf.Tensor;
  prepareSampling(): void;
  updateRunningStatistics(): void;
  /** The running averages and their pending sums (not trained). */
  readonly state: tf.Variable[];
}

/** A discriminator that scores `pack` samples at a time. */
export interface PackedDiscriminator extends Discriminator {
  readonly pack: number;
}

/** Builds PacGAN's pair for 1-D samples (2-D points). */
export function buildPacgan(options: PacganOptions, context: BuildContext): GanPair {
  const unsupported = pacganUnsupportedReason(context.sampleShape, context.outputs ?? 1);
  if (unsupported) throw new TypeError(`the pacgan architecture cannot build: ${unsupported}`);
  const { rng, latentDim } = context;
  const dim = context.sampleShape.reduce((a, b) => a * b, 1);
  const std = options.initStd;
  const g = options.generator, d = options.discriminator;
  const widths = [latentDim, ...g.hidden];
  const hidden = g.hidden.map((units, i) => gaussian(rng, widths[i], units, std));
  const norms = g.hidden.map((units) => new RunningBatchNorm(units, g.batchNorm));
  const output = gaussianDense(rng, g.hidden[g.hidden.length - 1], dim, std);
  const refreshRng = rng.stream("batch-norm-refresh");

  const run = (latent: tf.Tensor2D, training: boolean): tf.Tensor => {
    let h = latent;
    hidden.forEach((kernel, i) => {
      const linear = tf.matMul(h, kernel as tf.Tensor2D) as tf.Tensor2D;
      h = training ? norms[i].train(linear, "relu") : norms[i].infer(linear, "relu");
    });
    return tf.reshape(dense(h, output), [-1, ...context.sampleShape]);
  };
  const generator: PacganGenerator = {
    variables: [
      ...hidden.flatMap((kernel, i) => [kernel, norms[i].scale, norms[i].shift]),
      output.kernel,
      output.bias,
    ],
    latentDim,
    state: norms.flatMap((norm) => norm.allVariables().filter((v) => !v.trainable)),
    batchNorms: norms,
    generate: (latent) => run(latent, true),
    sample: (latent) => run(latent, false),
    updateRunningStatistics() {
      for (const norm of norms) norm.fold();
    },
    prepareSampling() {
      const size = g.batchNorm.refreshBatchSize;
      for (let b = 0; b < g.batchNorm.refreshBatches; b++) {
        for (let pass = 0; pass < d.pack; pass++) {
          tf.tidy(() => {
            run(tf.tensor2d(refreshRng.normals(size * latentDim), [size, latentDim]), true);
          });
        }
        this.updateRunningStatistics();
      }
    },
  };

  const dWidths = [dim * d.pack, ...d.hidden];
  const layers = d.hidden.map((units, i) => gaussianDense(rng, dWidths[i], units * d.pieces, std));
  const last = gaussianDense(rng, d.hidden[d.hidden.length - 1], context.outputs ?? 1, std);
  const discriminator: PackedDiscriminator = {
    variables: [...layers.flatMap((l) => [l.kernel, l.bias]), last.kernel, last.bias],
    pack: d.pack,
    discriminate(x) {
      let h = pack(x, d.pack);
      for (const layer of layers) h = maxout(h, layer, d.pieces);
      return { logits: dense(h, last), features: h };
    },
  };
  return {
    generator,
    discriminator,
    lockstep: {
      architecture: "pacgan",
      generatorOutput: "linear",
      discriminatorHidden: "relu",
      normalisation: "none",
      pacgan: {
        pack: d.pack,
        pieces: d.pieces,
        momentum: g.batchNorm.momentum,
        epsilon: g.batchNorm.epsilon,
      },
    },
  };
}

/** Why the `pacgan` architecture cannot take samples of `shape` with `outputs` D units. */
export function pacganUnsupportedReason(shape: number[], outputs: number): string | undefined {
  if (shape.length !== 1) return `it needs 1-D samples (points), got shape [${shape.join(", ")}]`;
  if (outputs !== 1) return `its discriminator has 1 output, the trainer needs ${outputs}`;
  return undefined;
}
