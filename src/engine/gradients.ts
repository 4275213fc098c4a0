/**
 * Gradients that replace tfjs' own where those cannot be differentiated again: a gradient
 * penalty (WGAN-GP, R1) differentiates D's gradient, so every op in D needs a gradient whose ops
 * have gradients too.
 *
 * - `LeakyRelu`: tfjs builds its gradient from `greater`, which has no gradient; here it is
 *   dy · (α + (1 − α)·step(x)), built from ops that do (step's is zero), so that D can use the
 *   one-kernel `tf.leakyRelu` instead of an expression of four. It is the fused ops'
 *   activation derivative (`packages/wasm_kernels/fused_ops.ts`): one kernel where the backend
 *   has it, those ops elsewhere.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  LeakyRelu,
  type LeakyReluAttrs,
  registerGradient,
  unregisterGradient,
} from "@tensorflow/tfjs-core";
import { activationGrad } from "@ganbench/wasm-kernels";

let registered = false;

/** Registers the replacement gradients (idempotent; every backend). */
export function registerDifferentiableGradients(): void {
  if (registered) return;
  registered = true;
  unregisterGradient(LeakyRelu);
  registerGradient({
    kernelName: LeakyRelu,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { alpha } = attrs as unknown as LeakyReluAttrs;
      // x > 0 exactly where the output is, so the fused derivative (from the output) applies.
      return { x: () => activationGrad(dy as tf.Tensor, x, "leakyrelu", alpha) };
    },
  });
}
