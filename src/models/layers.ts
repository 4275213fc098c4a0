/**
 * Small building blocks shared by the architectures.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type DenseActivation, denseLayer } from "@ganbench/wasm-kernels";
import type { Rng } from "../engine/rng.ts";

/**
 * A trainable variable holding `initial`, which it takes over: `tf.variable` keeps its own
 * reference to the data, so the initial tensor is disposed here instead of leaking.
 */
export function ownedVariable(initial: tf.Tensor, trainable = true): tf.Variable {
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

/** A dense layer's weights. */
export interface DenseWeights {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/**
 * A dense layer initialised as PyTorch's `nn.Linear` does (kernel and bias uniform in
 * ±1/sqrt(fanIn)), drawn from `rng` so that a seed fixes it on every backend.
 */
export function denseWeights(fanIn: number, fanOut: number, rng: Rng): DenseWeights {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernel: ownedVariable(
      tf.tensor2d(rng.uniforms(fanIn * fanOut, -bound, bound), [fanIn, fanOut]),
    ),
    bias: ownedVariable(tf.tensor1d(rng.uniforms(fanOut, -bound, bound))),
  };
}

/** The activations the architectures use. */
export type Activation = "relu" | "leaky-relu" | "tanh" | "linear";

/**
 * LeakyReLU (one kernel; its gradient, registered in `engine/gradients.ts`, can be differentiated
 * again, as gradient penalties need).
 */
export function leakyRelu(x: tf.Tensor, alpha = 0.2): tf.Tensor {
  return tf.leakyRelu(x, alpha);
}

/** The fused op's name of each activation. */
const FUSED_ACTIVATIONS: Record<Activation, DenseActivation> = {
  relu: "relu",
  "leaky-relu": "leakyrelu",
  tanh: "tanh",
  linear: "linear",
};

/**
 * `activation(x · kernel + bias)` (LeakyReLU's slope 0.2), as one fused op where the backend has
 * it (`@ganbench/wasm-kernels`' fused ops: one kernel forward, its gradient in four) and composed from tfjs'
 * ops elsewhere, with the same results. Not `tf.fused.matMul`: that fuses nothing while gradients
 * are recorded, and for a linear layer its gradient runs through tfjs' custom-gradient path,
 * which clones and reshapes every saved tensor.
 */
export function dense(
  x: tf.Tensor2D,
  weights: { kernel: tf.Tensor; bias: tf.Tensor },
  activation: Activation = "linear",
): tf.Tensor2D {
  const { kernel, bias } = weights;
  return denseLayer(x, kernel as tf.Tensor2D, bias as tf.Tensor1D, FUSED_ACTIVATIONS[activation]);
}
