/**
 * Training ops that run as one kernel where tfjs composes several, for the backends that register
 * them (wasm: `wasm_fused_kernels.ts`); elsewhere, or with fusion turned off, the same ops
 * composed from tfjs' own, whose results they reproduce bit for bit (tested in `fused_ops_test.ts`).
 *
 * - {@linkcode denseLayer}: act(x·W + b), its gradient from one activation-derivative kernel and
 *   the two products and a row sum (a dense layer composed takes 3 kernels forward and 4-6
 *   backward; `tf.fused.matMul` does not fuse while gradients are recorded).
 * - {@linkcode adamUpdate}, {@linkcode rmspropUpdate}: a whole player's optimiser step (its state
 *   and every weight) as one kernel, where the composed rule takes about 30.
 * - {@linkcode maxoutPieces}: a maxout layer's largest pieces, and their gradient, one kernel each.
 * - {@linkcode batchNormTraining}, {@linkcode batchNormInference}: batch norm over the batch axis
 *   (the statistics, the running sums, the affine map) as one kernel, and its gradient as one,
 *   where the composed op takes 14 kernels forward and about 30 backward.
 *
 * At the mixture MLP's scale each kernel costs 5-20 µs of dispatch on the wasm backend, about
 * what its arithmetic costs. The gradients can be differentiated again (gradient penalties).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { getKernel, type GradConfig, registerGradient } from "@tensorflow/tfjs-core";
import { attrsOf } from "./_tfjs_wasm_internals.ts";

/**
 * act(x·W + b) in one kernel. Inputs x [n, in], w [in, out], b [out]; attributes
 * {@linkcode DenseAttrs}.
 */
export const DENSE = "GanbenchDense";
/**
 * act(x·W + b) of S independent dense layers in one kernel (seeds trained in lockstep). Inputs
 * x [S, n, in], w [S, in, out], b [S, out]; attributes {@linkcode DenseAttrs}. Slice s is computed
 * as {@linkcode DENSE} computes it alone, with the same bits.
 */
export const BATCHED_DENSE = "GanbenchBatchedDense";
/** dy·act'(y) from the activation's output y. Inputs dy, y; attributes {@linkcode DenseAttrs}. */
export const ACTIVATION_GRAD = "GanbenchActivationGrad";
/**
 * One Adam step of `count` weight tensors: inputs s0, s1 (the flat moments m, v), g0..
 * (gradients), w0.. (weights); outputs [m', v', w0', ...]; attributes {@linkcode AdamAttrs}.
 */
export const ADAM = "GanbenchAdam";
/**
 * One RMSprop step of `count` weight tensors: inputs s0 (the flat mean square), g0.., w0..;
 * outputs [v', w0', ...]; attributes {@linkcode RmspropAttrs}.
 */
export const RMSPROP = "GanbenchRmsprop";

/**
 * A maxout: each unit's largest piece, from rows of `pieces · units` values grouped piece by piece
 * (unit u's pieces at columns u, units + u, ...). Input x; attributes {@linkcode MaxoutAttrs}.
 */
export const MAXOUT = "GanbenchMaxout";
/** The maxout's gradient: dy routed to each unit's first largest piece. Inputs dy, x. */
export const MAXOUT_GRAD = "GanbenchMaxoutGrad";

/**
 * Batch norm of x `[n, units]` with the batch's own statistics, ((x − mean) / stdev)·scale + shift
 * with stdev = √(variance + ε), which also adds mean and stdev to running sums. Inputs x, scale,
 * shift, sumMean, sumStdev; outputs [y, sumMean + mean, sumStdev + stdev]; attributes
 * {@linkcode BatchNormAttrs}.
 */
export const BATCH_NORM = "GanbenchBatchNorm";
/**
 * {@linkcode BATCH_NORM}'s gradient through y (the running sums are statistics, not trained: no
 * gradient flows back from them). Inputs dy, x, scale, and y (the forward output: the
 * activation's derivative reads it); outputs [dx, dscale, dshift]; attributes
 * {@linkcode BatchNormAttrs}. It has no gradient of its own.
 */
export const BATCH_NORM_GRAD = "GanbenchBatchNormGrad";
/**
 * Batch norm of x `[n, units]` with given statistics: ((x − mean) / stdev)·scale + shift. Inputs x,
 * scale, shift, mean, stdev; attributes {@linkcode BatchNormAttrs}.
 */
export const BATCH_NORM_INFERENCE = "GanbenchBatchNormInference";

/** The activations a fused batch norm applies after its affine map. */
export type BatchNormActivation = "linear" | "relu";

/**
 * Attributes of {@linkcode BATCH_NORM}, {@linkcode BATCH_NORM_GRAD} and
 * {@linkcode BATCH_NORM_INFERENCE} (which ignores `epsilon`).
 */
export interface BatchNormAttrs {
  /** Added to the variance under the square root. */
  epsilon: number;
  /** Applied to the normalised values (relu: as `tf.relu`, and its gradient as tfjs forms it). */
  activation: BatchNormActivation;
}

/** Attributes of {@linkcode MAXOUT} and {@linkcode MAXOUT_GRAD}. */
export interface MaxoutAttrs {
  pieces: number;
}

/** The activations a fused dense layer applies. */
export type DenseActivation = "linear" | "relu" | "leakyrelu" | "tanh";

/** Attributes of {@linkcode DENSE} and {@linkcode ACTIVATION_GRAD}. */
export interface DenseAttrs {
  activation: DenseActivation;
  /** The leaky relu's slope for negative inputs. */
  alpha: number;
}

/** Attributes of {@linkcode ADAM}: the rule's constants at this step. */
export interface AdamAttrs {
  count: number;
  beta1: number;
  beta2: number;
  /** learning rate / (1 − β1^t) */
  stepSize: number;
  /** 1 − β2^t */
  biasCorrection2: number;
  epsilon: number;
}

/** Attributes of {@linkcode RMSPROP} (torch.optim.RMSprop's rule, no momentum, not centred). */
export interface RmspropAttrs {
  count: number;
  alpha: number;
  learningRate: number;
  epsilon: number;
}

const fusion = { enabled: true };

/** Turns the fused ops on or off (off: always composed; the tests compare the two). */
export function setFusedOps(enabled: boolean): void {
  fusion.enabled = enabled;
}

/** Whether `kernelName` runs fused on the active backend. */
export function fusedKernelAvailable(kernelName: string): boolean {
  return fusion.enabled && getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** Each activation composed from tfjs ops, as the unfused layer applies it. */
const COMPOSED_ACTIVATIONS: Record<DenseActivation, (z: tf.Tensor, alpha: number) => tf.Tensor> = {
  linear: (z) => z,
  relu: (z) => tf.relu(z),
  leakyrelu: (z, alpha) => tf.leakyRelu(z, alpha),
  tanh: (z) => tf.tanh(z),
};

/**
 * Each activation's derivative composed from tfjs ops (what their own gradients compute), given
 * the activation's output y: relu dy·step(y), leaky relu dy·(step(y)·(1−α) + α), tanh dy·(1−y²).
 */
const COMPOSED_DERIVATIVES: Record<
  Exclude<DenseActivation, "linear">,
  (dy: tf.Tensor, y: tf.Tensor, alpha: number) => tf.Tensor
> = {
  relu: (dy, y) => tf.mul(dy, tf.step(y)),
  leakyrelu: (dy, y, alpha) => tf.mul(dy, tf.add(tf.mul(tf.step(y), 1 - alpha), alpha)),
  tanh: (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y))),
};

/** act(x·w + b): one kernel where the backend has it, tfjs' ops otherwise. */
export function denseLayer(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: DenseActivation,
  alpha = 0.2,
): tf.Tensor2D {
  if (!fusedKernelAvailable(DENSE) || x.dtype !== "float32") {
    return COMPOSED_ACTIVATIONS[activation](tf.add(tf.matMul(x, w), b), alpha) as tf.Tensor2D;
  }
  const attrs: DenseAttrs = { activation, alpha };
  return tf.engine().runKernel(DENSE, { x, w, b }, { ...attrs }) as tf.Tensor2D;
}

/**
 * act(x[s]·w[s] + b[s]) for every s: S independent dense layers (seeds trained in lockstep) as one
 * kernel where the backend has it, tfjs' ops otherwise. On wasm each slice, and each slice of its
 * gradients, has the bits {@linkcode denseLayer} gives that slice alone (products and row sums
 * slice by slice, in the same order); the composed form makes no such promise.
 *
 * @param x `[S, n, in]`
 * @param w `[S, in, out]`
 * @param b `[S, out]`
 * @returns `[S, n, out]`
 */
export function batchedDenseLayer(
  x: tf.Tensor3D,
  w: tf.Tensor3D,
  b: tf.Tensor2D,
  activation: DenseActivation,
  alpha = 0.2,
): tf.Tensor3D {
  if (!fusedKernelAvailable(BATCHED_DENSE) || x.dtype !== "float32") {
    const z = tf.add(tf.matMul(x, w), tf.expandDims(b, 1));
    return COMPOSED_ACTIVATIONS[activation](z, alpha) as tf.Tensor3D;
  }
  const attrs: DenseAttrs = { activation, alpha };
  return tf.engine().runKernel(BATCHED_DENSE, { x, w, b }, { ...attrs }) as tf.Tensor3D;
}

/** `x`'s pieces, `[n, units]` each, in order. */
function piecesOf(x: tf.Tensor2D, pieces: number): tf.Tensor2D[] {
  const [n, width] = x.shape;
  const units = width / pieces;
  return Array.from({ length: pieces }, (_, p) => tf.slice(x, [0, p * units], [n, units]));
}

/**
 * Masks of each unit's winning piece: 1 at the first piece that holds the unit's largest value
 * (the piece `tf.maximum`'s gradient, chained over the pieces, routes the gradient to), else 0.
 */
function winnerMasks(x: tf.Tensor2D, pieces: number): tf.Tensor[] {
  const parts = piecesOf(x, pieces);
  const best = parts.reduce((a, b) => tf.maximum(a, b));
  let taken: tf.Tensor = tf.zerosLike(best);
  return parts.map((part) => {
    const mask = tf.mul(tf.cast(tf.equal(part, best), "float32"), tf.sub(1, taken));
    taken = tf.add(taken, mask);
    return mask;
  });
}

/**
 * A maxout over `x`'s columns, grouped piece by piece (unit u's pieces at columns u, units + u,
 * ...): one kernel where the backend has it, `pieces − 1` elementwise `tf.maximum`s of column
 * blocks otherwise. Both give the same values, and the same gradients: each unit's gradient goes
 * to its first largest piece, as the chained maximums' gradient routes it (NaNs aside).
 *
 * @param x `[n, pieces · units]`
 * @returns `[n, units]`
 */
export function maxoutPieces(x: tf.Tensor2D, pieces: number): tf.Tensor2D {
  if (!fusedKernelAvailable(MAXOUT) || x.dtype !== "float32") {
    return piecesOf(x, pieces).reduce((a, b) => tf.maximum(a, b));
  }
  const attrs: MaxoutAttrs = { pieces };
  return tf.engine().runKernel(MAXOUT, { x }, { ...attrs }) as tf.Tensor2D;
}

/** The maxout's gradient: `dy` (`[n, units]`) at each unit's winning piece of `x`, 0 elsewhere. */
function maxoutGrad(dy: tf.Tensor2D, x: tf.Tensor2D, pieces: number): tf.Tensor2D {
  if (!fusedKernelAvailable(MAXOUT_GRAD)) {
    return tf.concat(winnerMasks(x, pieces).map((mask) => tf.mul(dy, mask)), 1);
  }
  const attrs: MaxoutAttrs = { pieces };
  return tf.engine().runKernel(MAXOUT_GRAD, { dy, x }, { ...attrs }) as tf.Tensor2D;
}

/** A batch norm's learnt scale and shift, `[units]` each. */
export interface BatchNormWeights {
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
}

/** act(((x − mean) / stdev)·scale + shift), composed. */
function affine(
  x: tf.Tensor2D,
  mean: tf.Tensor,
  stdev: tf.Tensor,
  { scale, shift }: BatchNormWeights,
  activation: BatchNormActivation,
): tf.Tensor2D {
  const y = tf.add(tf.mul(tf.div(tf.sub(x, mean), stdev), scale), shift) as tf.Tensor2D;
  return activation === "relu" ? tf.relu(y) : y;
}

/**
 * Batch norm of `x` (`[n, units]`) with its own statistics: y = act(((x − mean) / stdev)·scale +
 * shift), mean and variance over the batch axis (`tf.moments`), stdev = √(variance + ε); also the
 * running `sums` plus this batch's mean and stdev. One kernel where the backend has it (its
 * gradient one more), tfjs' ops otherwise; both give the same bits, gradients included. The sums
 * carry no gradient.
 */
export function batchNormTraining(
  x: tf.Tensor2D,
  weights: BatchNormWeights,
  sums: { mean: tf.Tensor1D; stdev: tf.Tensor1D },
  options: { epsilon: number; activation?: BatchNormActivation },
): { y: tf.Tensor2D; sums: { mean: tf.Tensor1D; stdev: tf.Tensor1D } } {
  const { epsilon, activation = "linear" } = options;
  if (!fusedKernelAvailable(BATCH_NORM) || x.dtype !== "float32") {
    const { mean, variance } = tf.moments(x, 0);
    const stdev = tf.sqrt(tf.add(variance, epsilon));
    return {
      sums: {
        mean: tf.add(sums.mean, mean) as tf.Tensor1D,
        stdev: tf.add(sums.stdev, stdev) as tf.Tensor1D,
      },
      y: affine(x, mean, stdev, weights, activation),
    };
  }
  const attrs: BatchNormAttrs = { epsilon, activation };
  const [y, mean, stdev] = tf.engine().runKernel(
    BATCH_NORM,
    { x, ...weights, sumMean: sums.mean, sumStdev: sums.stdev },
    { ...attrs },
  ) as tf.Tensor[];
  return { y: y as tf.Tensor2D, sums: { mean: mean as tf.Tensor1D, stdev: stdev as tf.Tensor1D } };
}

/**
 * Batch norm of `x` (`[n, units]`) with given statistics: act(((x − mean) / stdev)·scale + shift),
 * one kernel where the backend has it, tfjs' ops otherwise (the same bits).
 */
export function batchNormInference(
  x: tf.Tensor2D,
  weights: BatchNormWeights,
  statistics: { mean: tf.Tensor1D; stdev: tf.Tensor1D },
  activation: BatchNormActivation = "linear",
): tf.Tensor2D {
  if (!fusedKernelAvailable(BATCH_NORM_INFERENCE) || x.dtype !== "float32") {
    return affine(x, statistics.mean, statistics.stdev, weights, activation);
  }
  const attrs: BatchNormAttrs = { epsilon: 0, activation };
  return tf.engine().runKernel(
    BATCH_NORM_INFERENCE,
    { x, ...weights, ...statistics },
    { ...attrs },
  ) as tf.Tensor2D;
}

/** dy·act'(y), given the activation's output y. */
export function activationGrad(
  dy: tf.Tensor,
  y: tf.Tensor,
  activation: DenseActivation,
  alpha: number,
): tf.Tensor {
  if (activation === "linear") return dy;
  if (!fusedKernelAvailable(ACTIVATION_GRAD)) {
    return COMPOSED_DERIVATIVES[activation](dy, y, alpha);
  }
  const attrs: DenseAttrs = { activation, alpha };
  return tf.engine().runKernel(ACTIVATION_GRAD, { dy, y }, { ...attrs }) as tf.Tensor;
}

/**
 * A player's whole optimiser step in one kernel `kernelName` over its state tensors (flat, all
 * weights end to end), the gradients and the weights: the new state and weights (the caller
 * assigns them), or undefined where the backend has no such kernel.
 */
function flatUpdate(
  kernelName: string,
  state: tf.Tensor[],
  grads: tf.Tensor[],
  weights: tf.Tensor[],
  attrs: Record<string, number>,
): { state: tf.Tensor[]; weights: tf.Tensor[] } | undefined {
  if (!fusedKernelAvailable(kernelName)) return undefined;
  const inputs: tf.NamedTensorMap = {};
  state.forEach((s, i) => inputs[`s${i}`] = s);
  grads.forEach((g, i) => inputs[`g${i}`] = g);
  weights.forEach((w, i) => inputs[`w${i}`] = w);
  const outputs = tf.engine().runKernel(kernelName, inputs, {
    ...attrs,
    count: weights.length,
  }) as tf.Tensor[];
  return { state: outputs.slice(0, state.length), weights: outputs.slice(state.length) };
}

/** The constants of Adam (torch.optim.Adam's rule). */
export interface AdamRule {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * One Adam step (iteration `t`, 1-based) over a player's weights in one kernel: the new flat
 * moments and weights, or undefined where the backend has no such kernel.
 */
export function adamUpdate(
  moments: { m: tf.Tensor1D; v: tf.Tensor1D },
  grads: tf.Tensor[],
  weights: tf.Tensor[],
  rule: AdamRule,
  t: number,
): { m: tf.Tensor1D; v: tf.Tensor1D; weights: tf.Tensor[] } | undefined {
  const attrs: Omit<AdamAttrs, "count"> = {
    beta1: rule.beta1,
    beta2: rule.beta2,
    stepSize: rule.learningRate / (1 - rule.beta1 ** t),
    biasCorrection2: 1 - rule.beta2 ** t,
    epsilon: rule.epsilon,
  };
  const updated = flatUpdate(ADAM, [moments.m, moments.v], grads, weights, { ...attrs });
  if (!updated) return undefined;
  const [m, v] = updated.state as tf.Tensor1D[];
  return { m, v, weights: updated.weights };
}

/**
 * One RMSprop step over a player's weights in one kernel: the new flat mean square and weights,
 * or undefined where the backend has no such kernel.
 */
export function rmspropUpdate(
  meanSquare: tf.Tensor1D,
  grads: tf.Tensor[],
  weights: tf.Tensor[],
  rule: Omit<RmspropAttrs, "count">,
): { v: tf.Tensor1D; weights: tf.Tensor[] } | undefined {
  const updated = flatUpdate(RMSPROP, [meanSquare], grads, weights, { ...rule });
  return updated && { v: updated.state[0] as tf.Tensor1D, weights: updated.weights };
}

/**
 * The gradient of a dense layer (DENSE, or BATCHED_DENSE slice by slice) from its saved x, w and
 * output, the bias gradient summed from dz by `biasGradient`.
 */
function denseGradient(
  biasGradient: (dz: tf.Tensor) => tf.Tensor,
): NonNullable<GradConfig["gradFunc"]> {
  return (dy, saved, attrs) => {
    const [x, w, y] = saved;
    const { activation, alpha } = attrsOf<DenseAttrs>(attrs);
    // The three input gradients share dz, so it is formed once, before their closures.
    const dz = activationGrad(dy as tf.Tensor, y, activation, alpha);
    return {
      x: () => tf.matMul(dz, w, false, true),
      w: () => tf.matMul(x, dz, true, false),
      b: () => biasGradient(dz),
    };
  };
}

let registered = false;

/** Registers the gradients of the fused ops (idempotent; every backend). */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  registerGradient({
    kernelName: DENSE,
    inputsToSave: ["x", "w"],
    outputsToSave: [true],
    gradFunc: denseGradient((dz) => tf.sum(dz, 0)),
  });
  registerGradient({
    kernelName: BATCHED_DENSE,
    inputsToSave: ["x", "w"],
    outputsToSave: [true],
    // Each slice's rows summed in row order, as DENSE's bias gradient sums them: the seed axis
    // moved inside, then one sum over the (now leading) rows.
    gradFunc: denseGradient((dz) => tf.sum(tf.transpose(dz, [1, 0, 2]), 0)),
  });
  registerGradient({
    kernelName: MAXOUT,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor2D[];
      const { pieces } = attrsOf<MaxoutAttrs>(attrs);
      return { x: () => maxoutGrad(dy as tf.Tensor2D, x, pieces) };
    },
  });
  registerGradient({
    kernelName: MAXOUT_GRAD,
    inputsToSave: ["dy", "x"],
    gradFunc: (g, saved, attrs) => {
      const [, x] = saved as tf.Tensor2D[];
      const { pieces } = attrsOf<MaxoutAttrs>(attrs);
      // Linear in dy: its gradient picks g at the winners; piecewise constant in x.
      return {
        dy: () =>
          winnerMasks(x, pieces).map((mask, p) =>
            tf.mul(piecesOf(g as tf.Tensor2D, pieces)[p], mask)
          ).reduce((a, b) => tf.add(a, b)),
        x: () => tf.zerosLike(x),
      };
    },
  });
  registerGradient({
    kernelName: BATCH_NORM,
    inputsToSave: ["x", "scale"],
    outputsToSave: [true, false, false],
    gradFunc: (dys, saved, attrs) => {
      const [x, scale, y] = saved;
      const dy = (dys as tf.Tensor[])[0];
      // The three gradients come from one kernel, run once, before their closures.
      const [dx, dscale, dshift] = tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, scale, y }, {
        ...attrsOf<BatchNormAttrs>(attrs),
      }) as tf.Tensor[];
      return { x: () => dx, scale: () => dscale, shift: () => dshift };
    },
  });
  registerGradient({
    kernelName: BATCH_NORM_INFERENCE,
    inputsToSave: ["x", "scale", "mean", "stdev"],
    outputsToSave: [true],
    gradFunc: (dOut, saved, attrs) => {
      const [x, scale, mean, stdev, y] = saved;
      const { activation } = attrsOf<BatchNormAttrs>(attrs);
      // The composed map's gradients, as tfjs' own ops form them.
      const dy = activation === "relu" ? activationGrad(dOut as tf.Tensor, y, "relu", 0) : dOut;
      const a = () => tf.sub(x, mean);
      const db = () => tf.mul(dy as tf.Tensor, scale);
      const da = () => tf.div(db(), stdev);
      return {
        x: da,
        scale: () => tf.sum(tf.mul(dy as tf.Tensor, tf.div(a(), stdev)), 0),
        shift: () => tf.sum(dy as tf.Tensor, 0),
        mean: () => tf.neg(tf.sum(da(), 0)),
        stdev: () => tf.neg(tf.div(tf.sum(tf.mul(db(), a()), 0), tf.square(stdev))),
      };
    },
  });
  registerGradient({
    kernelName: ACTIVATION_GRAD,
    inputsToSave: ["dy", "y"],
    gradFunc: (g, saved, attrs) => {
      const [dy, y] = saved;
      const { activation, alpha } = attrsOf<DenseAttrs>(attrs);
      return {
        dy: () => activationGrad(g as tf.Tensor, y, activation, alpha),
        // d(dy·(1 − y²))/dy = −2·y·dy for tanh; the piecewise-constant derivatives have none.
        y: () =>
          activation === "tanh"
            ? tf.mul(tf.mul(g as tf.Tensor, dy), tf.mul(y, -2))
            : tf.zerosLike(y),
      };
    },
  });
}
