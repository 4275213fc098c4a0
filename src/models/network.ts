/**
 * The interfaces every generator and discriminator implements.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";

/** Maps latent codes to samples. */
export interface Generator {
  /** Trainable weights. */
  readonly variables: tf.Variable[];
  /** Width of the latent code. */
  readonly latentDim: number;
  /**
   * Samples for latent codes `z` (`[n, latentDim]`), shaped `[n, ...sampleShape]`; a
   * class-conditional generator also takes the requested class of each sample (`[n]`, int32).
   */
  generate(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor;
  /**
   * Evaluation samples (default: {@linkcode Generator.generate}): a generator whose batch norm
   * keeps running averages normalises with them here rather than with the batch's statistics.
   */
  sample?(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor;
  /** Runs once before each evaluation's sampling (PacGAN's G refreshes its running averages). */
  prepareSampling?(): void;
  /**
   * Folds the batch statistics of the training-mode `generate` calls since the last fold into
   * the running averages; the trainers of such generators call it once per step.
   */
  updateRunningStatistics?(): void;
  /** State besides `variables` that is not trained (batch norm's running averages), freed with it. */
  readonly state?: tf.Variable[];
}

/** What a discriminator (critic) returns for a batch. */
export interface DiscriminatorOutput {
  /** Raw scores, `[n, 1]` (logits for probabilistic losses, critic values for WGAN). */
  logits: tf.Tensor2D;
  /** The penultimate layer's activations, `[n, f]` (used by feature matching). */
  features: tf.Tensor2D;
}

/** Scores samples. */
export interface Discriminator {
  /** Trainable weights. */
  readonly variables: tf.Variable[];
  /** Scores for samples `x` shaped `[n, ...sampleShape]` (of classes `labels` when conditional). */
  discriminate(x: tf.Tensor, labels?: tf.Tensor1D): DiscriminatorOutput;
  /**
   * Samples scored together as one input (PacGAN's packing; default 1): `discriminate` takes
   * `pack · n` samples, pass-major, and returns `n` scores.
   */
  readonly pack?: number;
  /**
   * Runs once after every optimiser step of the discriminator, after any weight constraint
   * (spectral normalisation's power iteration, see normalisation.ts); absent when it has nothing
   * to update. The `gan` and `vae` trainers call it.
   */
  afterStep?(): void;
  /** State besides `variables` that is not trained (spectral normalisation's u, v), freed with it. */
  readonly state?: tf.Variable[];
}

/** A generator/discriminator pair built for one cell. */
export interface GanPair {
  generator: Generator;
  discriminator: Discriminator;
  /** Set for a class-conditional pair: the number of classes its labels range over. */
  classes?: number;
  /**
   * Set by architectures whose pairs can train in lockstep with other seeds' (src/train/lockstep.ts):
   * what it needs besides the variables to rebuild the forward pass with a leading seed axis.
   */
  lockstep?: LockstepLayout;
}

/**
 * An MLP pair's layout for lockstep training: each network's variables are its dense layers'
 * kernel and bias, layer by layer; a spectrally normalised discriminator's state is each layer's
 * power-iteration vectors (u, v), layer by layer. G's hidden layers are ReLU; both outputs have
 * no activation but G's `generatorOutput`; D's features are its last hidden layer's output.
 */
export interface LockstepLayout {
  /**
   * `dirac`: G's one variable is θ, D's is ψ (dirac.ts); `pacgan`: pacgan.ts' pair, described by
   * `pacgan`. The other fields then are unused.
   */
  architecture: "mlp" | "relu-mlp" | "dirac" | "pacgan";
  /** The generator's output activation. */
  generatorOutput: "linear" | "tanh";
  /** The discriminator's hidden activation (LeakyReLU's slope 0.2). */
  discriminatorHidden: "leaky-relu" | "relu";
  /** The discriminator's normalisation (`none` or `spectral`; others train alone). */
  normalisation: "none" | "spectral" | "batch" | "layer";
  /** A PacGAN pair's packing, maxout pieces and G's batch-norm constants. */
  pacgan?: { pack: number; pieces: number; momentum: number; epsilon: number };
}

/** What every architecture's builder receives besides its own options. */
export interface BuildContext {
  /** Shape of one data sample. */
  sampleShape: number[];
  /** Width of the latent code. */
  latentDim: number;
  /** Seeded stream for weight initialisation. */
  rng: Rng;
  /** Output units of the discriminator (default 1; an encoder of a VAE needs 2 · latent). */
  outputs?: number;
}

/** Disposes every variable of a pair. */
export function disposePair(pair: GanPair): void {
  for (const v of [...pair.generator.variables, ...pair.discriminator.variables]) v.dispose();
  for (const v of [...pair.discriminator.state ?? [], ...pair.generator.state ?? []]) v.dispose();
}
