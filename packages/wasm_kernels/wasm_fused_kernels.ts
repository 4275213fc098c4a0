/**
 * The wasm backend's kernels for the fused training ops of `fused_ops.ts`: a dense layer as
 * ganbench's product with the bias/activation epilogue, the activation derivative, and a
 * player's whole Adam or RMSprop step, each one pass over the heap in ganbench's kernel module.
 *
 * @module
 */
import { type KernelConfig, registerKernel, util } from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import {
  ACTIVATION_GRAD,
  ADAM,
  type AdamAttrs,
  BATCHED_DENSE,
  DENSE,
  type DenseActivation,
  type DenseAttrs,
  MAXOUT,
  MAXOUT_GRAD,
  type MaxoutAttrs,
  RMSPROP,
  type RmspropAttrs,
} from "./fused_ops.ts";
import type { HeapKernels } from "./heap_kernels.ts";
import {
  applyEpilogue,
  batchMatMul,
  checkFloat32,
  type Epilogue,
  type Inputs,
  kernelsOf,
  offsetOf,
} from "./wasm_kernels.ts";
import { attrsOf, heapOf, wasmBackendOf } from "./_tfjs_wasm_internals.ts";

/** What the epilogue applies for each activation (tanh: the backend's own kernel after it). */
const EPILOGUES: Record<DenseActivation, Pick<Epilogue, "kind" | "then">> = {
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
    const { activation, alpha } = attrsOf<DenseAttrs>(attrs);
    const wasm = wasmBackendOf(backend);
    const units = w.shape[1];
    if (x.shape.length !== 2 || w.shape.length !== 2 || util.sizeFromShape(b.shape) !== units) {
      throw new RangeError(
        `dense layer shapes do not fit: [${x.shape}] · [${w.shape}] + [${b.shape}]`,
      );
    }
    const out = batchMatMul(wasm, x, w, { transposeA: false, transposeB: false });
    return applyEpilogue(wasm, out, units, { ...EPILOGUES[activation], bias: b, alpha });
  },
};

/** S dense layers: the batched product (slice by slice), then each slice's bias and activation. */
const batchedDenseConfig: KernelConfig = {
  kernelName: BATCHED_DENSE,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, w, b } = inputs as Inputs;
    checkFloat32(BATCHED_DENSE, x, w, b);
    const { activation, alpha } = attrsOf<DenseAttrs>(attrs);
    const wasm = wasmBackendOf(backend);
    const [seeds, rows, units] = [w.shape[0], x.shape[1], w.shape[2]];
    if (
      x.shape.length !== 3 || w.shape.length !== 3 || x.shape[0] !== seeds ||
      b.shape.length !== 2 || b.shape[0] !== seeds || b.shape[1] !== units
    ) {
      throw new RangeError(
        `batched dense layer shapes do not fit: [${x.shape}] · [${w.shape}] + [${b.shape}]`,
      );
    }
    const out = batchMatMul(wasm, x, w, { transposeA: false, transposeB: false });
    const { kind, then } = EPILOGUES[activation];
    const kernels = kernelsOf(wasm);
    const [pOut, pBias] = [offsetOf(wasm, out), offsetOf(wasm, b)];
    for (let s = 0; s < seeds; s++) {
      kernels.biasActivation(pOut + 4 * s * rows * units, pBias + 4 * s * units, {
        rows,
        cols: units,
      }, { kind, alpha });
    }
    return then ? applyEpilogue(wasm, out, units, { kind: "linear", alpha, then }) : out;
  },
};

const activationGradConfig: KernelConfig = {
  kernelName: ACTIVATION_GRAD,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, y } = inputs as Inputs;
    checkFloat32(ACTIVATION_GRAD, dy, y);
    const { activation, alpha } = attrsOf<DenseAttrs>(attrs);
    if (activation === "linear") throw new TypeError("a linear layer has no activation derivative");
    const wasm = wasmBackendOf(backend);
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

/** Offsets of one weight tensor's segment: its slices of the state tensors, and its weights. */
interface Segment {
  state: number[];
  w: number;
}

/**
 * A player's optimiser step over inputs s0.. (`stateCount` flat state tensors), g0.. and w0..
 * (`count` gradients and weights): outputs [s0', ..., w0', ...], `step` run once per weight tensor
 * on its segment of every tensor.
 */
function flatUpdateConfig<Attrs extends { count: number }>(
  kernelName: string,
  stateCount: number,
  step: (
    kernels: HeapKernels,
    g: number,
    at: Segment,
    out: Segment,
    size: number,
    attrs: Attrs,
  ) => void,
): KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const named = inputs as Inputs;
      const rule = attrsOf<Attrs>(attrs);
      const wasm = wasmBackendOf(backend);
      const each = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, i) => named[`${prefix}${i}`]);
      const [state, grads, weights] = [
        each("s", stateCount),
        each("g", rule.count),
        each("w", rule.count),
      ];
      checkFloat32(kernelName, ...state, ...grads, ...weights);
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
      for (const s of state) {
        if (util.sizeFromShape(s.shape) !== total) {
          throw new RangeError(
            `${kernelName}: state holds ${util.sizeFromShape(s.shape)}, weights ${total}`,
          );
        }
      }
      const stateOut = state.map((s) => wasm.makeOutput(s.shape, "float32"));
      const updated = weights.map((w) => wasm.makeOutput(w.shape, "float32"));
      const kernels = kernelsOf(wasm);
      const at = (t: TensorInfo) => offsetOf(wasm, t);
      let first = 0;
      weights.forEach((w, i) => {
        const slice = (t: TensorInfo) => at(t) + 4 * first;
        step(
          kernels,
          at(grads[i]),
          { state: state.map(slice), w: at(w) },
          { state: stateOut.map(slice), w: at(updated[i]) },
          sizes[i],
          rule,
        );
        first += sizes[i];
      });
      return [...stateOut, ...updated];
    },
  };
}

const adamConfig = flatUpdateConfig<AdamAttrs>(
  ADAM,
  2,
  (kernels, g, at, out, size, rule) =>
    kernels.adam(
      { g, m: at.state[0], v: at.state[1], w: at.w },
      { m: out.state[0], v: out.state[1], w: out.w },
      size,
      rule,
    ),
);

const rmspropConfig = flatUpdateConfig<RmspropAttrs>(
  RMSPROP,
  1,
  (kernels, g, at, out, size, rule) =>
    kernels.rmsprop(
      { g, v: at.state[0], w: at.w },
      { v: out.state[0], w: out.w },
      size,
      rule,
    ),
);

/** out[i][u] = the largest of row i's pieces of unit u. */
function maxoutRows(
  x: Float32Array,
  out: Float32Array,
  { n, units, pieces }: { n: number; units: number; pieces: number },
): void {
  const width = units * pieces;
  for (let i = 0; i < n; i++) {
    const row = i * width, to = i * units;
    for (let u = 0; u < units; u++) {
      let best = x[row + u];
      for (let p = 1; p < pieces; p++) {
        const value = x[row + p * units + u];
        if (best < value) best = value;
      }
      out[to + u] = best;
    }
  }
}

/**
 * dx[i][p·units + u] = dy[i][u] at the first largest piece p of unit u, as tf.maximum(tf.maximum(
 * p0, p1), p2)... routes it, 0 elsewhere.
 */
function maxoutGradRows(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  { n, units, pieces }: { n: number; units: number; pieces: number },
): void {
  const width = units * pieces;
  dx.fill(0);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let u = 0; u < units; u++) {
      let best = x[row + u], winner = 0;
      for (let p = 1; p < pieces; p++) {
        const value = x[row + p * units + u];
        if (best < value) {
          best = value;
          winner = p;
        }
      }
      // + 0 turns −0 into 0, as adding the other pieces' zero gradients does in tfjs.
      dx[row + winner * units + u] = dy[i * units + u] + 0;
    }
  }
}

/**
 * The maxout and its gradient as loops over the heap in TypeScript: one pass over a layer's
 * values (about 0.1 ms for PacGAN's 100 x 1,000), where the composed op takes `pieces` slices,
 * `pieces − 1` maximums, and for the gradient two comparisons, two casts, two products per
 * maximum and a pad per slice (about 35 kernels a layer, most of PacGAN's step outside its
 * products). Plain loops rather than a kernel of the module: they move memory and compare, with
 * nothing for SIMD products to speed up.
 */
function maxoutConfig(kernelName: typeof MAXOUT | typeof MAXOUT_GRAD): KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as Inputs;
      checkFloat32(kernelName, x, ...(dy ? [dy] : []));
      const { pieces } = attrsOf<MaxoutAttrs>(attrs);
      const [n, width] = x.shape;
      const units = width / pieces;
      if (
        x.shape.length !== 2 || !Number.isInteger(units) ||
        (dy && dy.shape.join() !== `${n},${units}`)
      ) {
        throw new RangeError(`maxout shapes do not fit: [${x.shape}], ${pieces} pieces`);
      }
      const wasm = wasmBackendOf(backend);
      const out = wasm.makeOutput(dy ? x.shape : [n, units], "float32");
      const { buffer } = heapOf(wasm).memory;
      const view = (t: TensorInfo) =>
        new Float32Array(buffer, offsetOf(wasm, t), util.sizeFromShape(t.shape));
      const shape = { n, units, pieces };
      if (dy) maxoutGradRows(view(x), view(dy), view(out), shape);
      else maxoutRows(view(x), view(out), shape);
      return out;
    },
  };
}

let registered = false;

/** Registers the fused ops' wasm kernels (idempotent). */
export function registerWasmFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (
    const config of [
      denseConfig,
      batchedDenseConfig,
      activationGradConfig,
      adamConfig,
      rmspropConfig,
      maxoutConfig(MAXOUT),
      maxoutConfig(MAXOUT_GRAD),
    ]
  ) {
    registerKernel(config);
  }
}
