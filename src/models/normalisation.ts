/**
 * The normalisations a discriminator can use, as compare_gan ablates them (Kurach et al. 2019):
 * `none`; `batch` norm (the batch's own statistics); `layer` norm (Ba et al. 2016: each sample over
 * all its features, then a learnt per-channel scale and offset); and `spectral` normalisation
 * (Miyato et al. 2018: every weight matrix W divided by its largest singular value σ(W), estimated
 * by one power iteration per discriminator step with a persisted vector u). Batch and layer norm
 * go where DCGAN puts batch norm (after every hidden layer but the first, before the activation);
 * spectral normalisation applies to every weight of D, the output layer's included. TensorFlow.js
 * has neither layer norm for these hand-built networks' tensors nor spectral normalisation, hence
 * their few lines here.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import { ownedVariable } from "./layers.ts";
import type { Discriminator } from "./network.ts";

/** A discriminator's normalisation, as a suite names it. */
export const Normalisation = z.enum(["none", "batch", "layer", "spectral"]);
/** A discriminator's normalisation. */
export type Normalisation = z.infer<typeof Normalisation>;

/** Floor of a vector's norm in the power iteration (PyTorch's `F.normalize` eps). */
const NORM_EPSILON = 1e-12;
/** Added to the variance in layer and batch norm. */
export const NORM_VARIANCE_EPSILON = 1e-5;

/** `v / max(‖v‖, 1e-12)`. */
function l2Normalise(v: tf.Tensor1D): tf.Tensor1D {
  return tf.div(v, tf.maximum(tf.norm(v), NORM_EPSILON));
}

/**
 * Spectral normalisation of one weight (Miyato et al. 2018, as `torch.nn.utils.spectral_norm`):
 * the weight read as a matrix M of shape [fan-in, out] (a convolution kernel [kh, kw, in, out] as
 * [kh · kw · in, out]); u (of length out) is persisted. One power iteration, v = M u / ‖M u‖ then
 * u = Mᵀ v / ‖Mᵀ v‖, runs at construction and after every discriminator step (on the updated
 * weight), so that each forward pass of a step sees the same (u, v); the forward pass uses
 * M / σ with σ = vᵀ M u, whose gradient reaches M only (u and v are constants to it, as in the
 * paper).
 */
export class SpectralNorm {
  readonly weight: tf.Variable;
  #u: tf.Variable;
  #v: tf.Variable;
  #rows: number;
  #cols: number;

  /** @param rng draws the initial u (standard normal, normalised). */
  constructor(weight: tf.Variable, rng: Rng) {
    this.weight = weight;
    this.#cols = weight.shape.at(-1)!;
    this.#rows = weight.size / this.#cols;
    this.#u = ownedVariable(
      tf.tidy(() => l2Normalise(tf.tensor1d(rng.normals(this.#cols)))),
      false,
    );
    this.#v = ownedVariable(tf.zeros([this.#rows]), false);
    this.update();
  }

  #matrix(): tf.Tensor2D {
    return tf.reshape(this.weight, [this.#rows, this.#cols]);
  }

  /** One power iteration on the current weight; persists u and v. */
  update(): void {
    tf.tidy(() => {
      const m = this.#matrix();
      const v = l2Normalise(tf.reshape(tf.matMul(m, tf.reshape(this.#u, [-1, 1])), [-1]));
      const u = l2Normalise(tf.reshape(tf.matMul(tf.reshape(v, [1, -1]), m), [-1]));
      this.#v.assign(v);
      this.#u.assign(u);
    });
  }

  /** The estimate σ = vᵀ M u of the weight's largest singular value. */
  sigma(): tf.Scalar {
    return tf.tidy(() =>
      tf.sum(
        tf.mul(tf.reshape(tf.matMul(this.#matrix(), tf.reshape(this.#u, [-1, 1])), [-1]), this.#v),
      )
    );
  }

  /** The weight divided by σ, in its own shape: what the layer computes with. */
  normalised(): tf.Tensor {
    return tf.div(this.weight, this.sigma());
  }

  /** The persisted vectors (not trainable). */
  get state(): tf.Variable[] {
    return [this.#u, this.#v];
  }
}

/** The learnt per-channel scale and offset of a batch or layer norm. */
export interface NormWeights {
  scale: tf.Variable;
  offset: tf.Variable;
}

/**
 * Layer norm: each sample normalised over all its features (every axis but the first), then
 * scaled and shifted per channel (the last axis), as compare_gan's `layer_norm`.
 */
export function layerNorm(x: tf.Tensor, weights: NormWeights): tf.Tensor {
  const axes = x.shape.slice(1).map((_, i) => i + 1);
  const { mean, variance } = tf.moments(x, axes, true);
  const gain = tf.mul(tf.rsqrt(tf.add(variance, NORM_VARIANCE_EPSILON)), weights.scale);
  return tf.add(tf.mul(tf.sub(x, mean), gain), weights.offset);
}

/**
 * Batch norm over every axis but the last, with the batch's own statistics. Written with
 * broadcasting ops rather than `tf.batchNorm`, whose gradient tiles every per-channel vector to the
 * input's full size (the wasm backend's `Tile` runs in JavaScript).
 */
export function batchNorm(x: tf.Tensor, weights: NormWeights): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const gain = tf.mul(tf.rsqrt(tf.add(variance, NORM_VARIANCE_EPSILON)), weights.scale);
  return tf.add(tf.mul(tf.sub(x, mean), gain), weights.offset);
}

/** A hidden layer's normalisation: applied to its pre-activations. */
export interface HiddenNorm {
  variables: tf.Variable[];
  apply(x: tf.Tensor): tf.Tensor;
}

/** A discriminator's normalisation, as its layers use it. */
export interface DiscriminatorNormaliser {
  readonly kind: Normalisation;
  /**
   * The weight a layer computes with, read at each forward pass: W / σ(W) under spectral
   * normalisation (which then keeps W's power-iteration state), W itself otherwise.
   */
  weight(weight: tf.Variable): () => tf.Tensor;
  /**
   * The normalisation of a hidden layer of `channels` channels (batch or layer norm, with a scale
   * from `init` and a zero offset), or undefined when the kind has none (`none`, `spectral`).
   */
  hidden(channels: number, init: (channels: number) => tf.Variable): HiddenNorm | undefined;
  /** One power iteration per spectrally normalised weight (the discriminator's `afterStep`). */
  afterStep(): void;
  /** The power iterations' persisted vectors. */
  readonly state: tf.Variable[];
  /** What the discriminator exposes of it: `afterStep` and `state` under spectral only. */
  hooks(): Pick<Discriminator, "afterStep" | "state">;
}

/**
 * The normaliser of one discriminator. `rng` draws spectral normalisation's initial vectors only,
 * so that `none`, `batch` and `layer` draw nothing from it.
 */
export function discriminatorNormaliser(kind: Normalisation, rng: Rng): DiscriminatorNormaliser {
  const spectral: SpectralNorm[] = [];
  return {
    kind,
    weight(weight) {
      if (kind !== "spectral") return () => weight;
      const norm = new SpectralNorm(weight, rng);
      spectral.push(norm);
      return () => norm.normalised();
    },
    hidden(channels, init) {
      if (kind !== "batch" && kind !== "layer") return undefined;
      const weights = { scale: init(channels), offset: ownedVariable(tf.zeros([channels])) };
      const normalise = kind === "batch" ? batchNorm : layerNorm;
      return { variables: [weights.scale, weights.offset], apply: (x) => normalise(x, weights) };
    },
    afterStep() {
      for (const norm of spectral) norm.update();
    },
    get state() {
      return spectral.flatMap((norm) => norm.state);
    },
    hooks() {
      if (kind !== "spectral") return {};
      return { afterStep: () => this.afterStep(), state: this.state };
    },
  };
}
