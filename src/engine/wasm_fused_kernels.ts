/**
 * The wasm backend's kernels for the fused training ops of `fused_ops.ts`: a dense layer as
 * ganbench's product with the bias/activation epilogue, the activation derivative, and a
 * player's whole Adam step, each one pass over the heap in ganbench's kernel module.
 *
 * @module
 */
import { getKernel, type KernelConfig, registerKernel, util } from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import {
  ACTIVATION_GRAD,
  ADAM,
  type AdamAttrs,
  DENSE,
  type DenseActivation,
  type DenseAttrs,
} from "./fused_ops.ts";
import {
  batchMatMul,
  checkFloat32,
  type Inputs,
  kernelsOf,
  offsetOf,
  type WasmBackend,
} from "./wasm_kernels.ts";

/** What the epilogue applies for each activation, and the stock unary kernel run after it. */
const EPILOGUES: Record<
  DenseActivation,
  { kind: "linear" | "relu" | "leakyrelu"; then?: string }
> = {
  linear: { kind: "linear" },
  relu: { kind: "relu" },
  leakyrelu: { kind: "leakyrelu" },
  tanh: { kind: "linear", then: "Tanh" },
};

const denseConfig: KernelConfig = {
  kernelName: DENSE,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, w, b } = inputs as Inputs;
    checkFloat32(DENSE, x, w, b);
    const { activation, alpha } = attrs as unknown as DenseAttrs;
    const wasm = backend as unknown as WasmBackend;
    const units = w.shape[1];
    if (x.shape.length !== 2 || w.shape.length !== 2 || util.sizeFromShape(b.shape) !== units) {
      throw new RangeError(
        `dense layer shapes do not fit: [${x.shape}] · [${w.shape}] + [${b.shape}]`,
      );
    }
    const out = batchMatMul(wasm, x, w, { transposeA: false, transposeB: false });
    const epilogue = EPILOGUES[activation];
    kernelsOf(wasm).biasActivation(offsetOf(wasm, out), offsetOf(wasm, b), {
      rows: x.shape[0],
      cols: units,
    }, { kind: epilogue.kind, alpha });
    if (!epilogue.then) return out;
    const unary = getKernel(epilogue.then, "wasm")!.kernelFunc;
    const activated = unary({ inputs: { x: out }, backend, attrs: {} }) as TensorInfo;
    wasm.disposeData(out.dataId);
    return activated;
  },
};

const activationGradConfig: KernelConfig = {
  kernelName: ACTIVATION_GRAD,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, y } = inputs as Inputs;
    checkFloat32(ACTIVATION_GRAD, dy, y);
    const { activation, alpha } = attrs as unknown as DenseAttrs;
    if (activation === "linear") throw new TypeError("a linear layer has no activation derivative");
    const wasm = backend as unknown as WasmBackend;
    const size = util.sizeFromShape(dy.shape);
    if (size !== util.sizeFromShape(y.shape)) {
      throw new RangeError(`activation gradient shapes differ: [${dy.shape}] vs [${y.shape}]`);
    }
    const out = wasm.makeOutput(dy.shape, "float32");
    kernelsOf(wasm).activationGrad(
      offsetOf(wasm, dy),
      offsetOf(wasm, y),
      offsetOf(wasm, out),
      size,
      {
        kind: activation,
        alpha,
      },
    );
    return out;
  },
};

const adamConfig: KernelConfig = {
  kernelName: ADAM,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const named = inputs as Inputs;
    const rule = attrs as unknown as AdamAttrs;
    const wasm = backend as unknown as WasmBackend;
    const { m, v } = named;
    const grads = Array.from({ length: rule.count }, (_, i) => named[`g${i}`]);
    const weights = Array.from({ length: rule.count }, (_, i) => named[`w${i}`]);
    checkFloat32(ADAM, m, v, ...grads, ...weights);
    const sizes = weights.map((w, i) => {
      const size = util.sizeFromShape(w.shape);
      if (util.sizeFromShape(grads[i].shape) !== size) {
        throw new RangeError(
          `gradient ${i} has shape [${grads[i].shape}], its weight [${w.shape}]`,
        );
      }
      return size;
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (util.sizeFromShape(m.shape) !== total || util.sizeFromShape(v.shape) !== total) {
      throw new RangeError(`Adam moments hold ${util.sizeFromShape(m.shape)}, weights ${total}`);
    }
    const [mOut, vOut] = [wasm.makeOutput(m.shape, "float32"), wasm.makeOutput(v.shape, "float32")];
    const updated = weights.map((w) => wasm.makeOutput(w.shape, "float32"));
    const kernels = kernelsOf(wasm);
    const at = (t: TensorInfo) => offsetOf(wasm, t);
    let first = 0;
    weights.forEach((w, i) => {
      const moment = 4 * first;
      kernels.adam(
        { g: at(grads[i]), m: at(m) + moment, v: at(v) + moment, w: at(w) },
        { m: at(mOut) + moment, v: at(vOut) + moment, w: at(updated[i]) },
        sizes[i],
        rule,
      );
      first += sizes[i];
    });
    return [mOut, vOut, ...updated];
  },
};

let registered = false;

/** Registers the fused ops' wasm kernels (idempotent). */
export function registerWasmFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of [denseConfig, activationGradConfig, adamConfig]) registerKernel(config);
}
