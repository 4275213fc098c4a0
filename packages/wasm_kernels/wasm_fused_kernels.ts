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
  BATCH_NORM,
  BATCH_NORM_GRAD,
  BATCH_NORM_INFERENCE,
  BATCHED_DENSE,
  type BatchNormActivation,
  type BatchNormAttrs,
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
import { attrsOf, heapOf, type WasmBackend, wasmBackendOf } from "./_tfjs_wasm_internals.ts";

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

/**
 * The maxout and its gradient as one pass of the kernel module's `maxout` over a layer's values,
 * where the composed op takes `pieces` slices, `pieces − 1` maximums, and for the gradient two
 * comparisons, two casts, two products per maximum and a pad per slice (about 35 kernels a layer,
 * most of PacGAN's step outside its products).
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
      const at = (t: TensorInfo) => offsetOf(wasm, t);
      kernelsOf(wasm).maxout(at(x), at(out), { rows: n, units, pieces }, dy && at(dy));
      return out;
    },
  };
}

/** x's `[n, units]`, checked against the per-feature vectors of a batch-norm kernel. */
function batchNormShape(
  kernelName: string,
  x: TensorInfo,
  ...vectors: TensorInfo[]
): { n: number; units: number } {
  checkFloat32(kernelName, x, ...vectors);
  const [n, units] = x.shape;
  if (x.shape.length !== 2 || vectors.some((v) => v.shape.join() !== `${units}`)) {
    throw new RangeError(
      `${kernelName} shapes do not fit: x [${x.shape}], vectors ${
        vectors.map((v) => `[${v.shape}]`).join(", ")
      }`,
    );
  }
  return { n, units };
}

/** A batch norm's activation on its output `y`, in place (relu: max(v, 0), as `tf.relu`). */
function applyActivation(wasm: WasmBackend, y: TensorInfo, activation: BatchNormActivation): void {
  if (activation === "linear") return;
  const [rows, cols] = y.shape;
  kernelsOf(wasm).biasActivation(offsetOf(wasm, y), undefined, { rows, cols }, {
    kind: activation,
  });
}

/** A float32 view of `units` floats at `offset` in the backend's heap. */
function floatsAt(wasm: WasmBackend, offset: number, units: number): Float32Array {
  return new Float32Array(heapOf(wasm).memory.buffer, offset, units);
}

/**
 * x's batch statistics into `mean` and `stdev` (heap offsets of `units` floats), as `tf.moments`
 * and `tf.sqrt(tf.add(variance, ε))` compute them on this backend: the rows summed in order, then
 * divided by n (the `Mean` kernel's way), likewise the squared deviations from the mean, then ε
 * added and the square root taken, each rounded to float32.
 */
function batchStatistics(
  wasm: WasmBackend,
  x: number,
  { mean, stdev }: { mean: number; stdev: number },
  { n, units, epsilon }: { n: number; units: number; epsilon: number },
): void {
  const kernels = kernelsOf(wasm);
  kernels.sumRows(x, mean, n, units);
  const means = floatsAt(wasm, mean, units);
  for (let j = 0; j < units; j++) means[j] /= n;
  kernels.batchNorm("square_deviations", [x, mean, stdev], n, units);
  const stdevs = floatsAt(wasm, stdev, units), eps = Math.fround(epsilon);
  for (let j = 0; j < units; j++) {
    stdevs[j] = Math.sqrt(Math.fround(Math.fround(stdevs[j] / n) + eps));
  }
}

/** Scratch space of `count` vectors of `units` floats in the heap: their offsets, and its release. */
function scratch(
  wasm: WasmBackend,
  count: number,
  units: number,
): { at: number[]; release: () => void } {
  const space = wasm.makeOutput([count, units], "float32");
  const first = offsetOf(wasm, space);
  return {
    at: Array.from({ length: count }, (_, i) => first + 4 * i * units),
    release: () => void wasm.disposeData(space.dataId),
  };
}

/**
 * Batch norm forward: with the batch's statistics, which it adds to the running sums
 * ({@linkcode BATCH_NORM}), or with given ones ({@linkcode BATCH_NORM_INFERENCE}); then the
 * affine map and the activation, one pass each.
 */
function batchNormConfig(
  kernelName: typeof BATCH_NORM | typeof BATCH_NORM_INFERENCE,
): KernelConfig {
  const training = kernelName === BATCH_NORM;
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const named = inputs as Inputs;
      const { x, scale, shift } = named;
      const vectors = training ? [named.sumMean, named.sumStdev] : [named.mean, named.stdev];
      const { n, units } = batchNormShape(kernelName, x, scale, shift, ...vectors);
      const { epsilon, activation } = attrsOf<BatchNormAttrs>(attrs);
      const wasm = wasmBackendOf(backend);
      const at = (t: TensorInfo) => offsetOf(wasm, t);
      const y = wasm.makeOutput(x.shape, "float32");
      const sums = training ? vectors.map((t) => wasm.makeOutput(t.shape, "float32")) : [];
      const space = training ? scratch(wasm, 2, units) : undefined;
      const [mean, stdev] = space?.at ?? vectors.map(at);
      if (training) batchStatistics(wasm, at(x), { mean, stdev }, { n, units, epsilon });
      kernelsOf(wasm).batchNorm(
        "affine",
        [at(x), at(y), mean, stdev, at(scale), at(shift)],
        n,
        units,
      );
      applyActivation(wasm, y, activation);
      sums.forEach((sum, i) => {
        const out = floatsAt(wasm, at(sum), units);
        const before = floatsAt(wasm, at(vectors[i]), units);
        const added = floatsAt(wasm, [mean, stdev][i], units);
        for (let j = 0; j < units; j++) out[j] = before[j] + added[j];
      });
      space?.release();
      return training ? [y, ...sums] : y;
    },
  };
}

/**
 * The gradient of the composed batch norm as tfjs' tape forms it (its ops' gradient formulas, and
 * x's three gradients, from the affine map, the squared deviations and the mean, added in the
 * tape's order): the statistics again, then three passes over the batch with per-feature steps
 * between them.
 */
const batchNormGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy: dOut, x, scale, y } = inputs as Inputs;
    const { n, units } = batchNormShape(BATCH_NORM_GRAD, x, scale);
    checkFloat32(BATCH_NORM_GRAD, dOut, y);
    if (dOut.shape.join() !== x.shape.join() || y.shape.join() !== x.shape.join()) {
      throw new RangeError(
        `${BATCH_NORM_GRAD}: dy [${dOut.shape}], y [${y.shape}], x [${x.shape}]`,
      );
    }
    const { epsilon, activation } = attrsOf<BatchNormAttrs>(attrs);
    const wasm = wasmBackendOf(backend);
    const at = (t: TensorInfo) => offsetOf(wasm, t);
    const dx = wasm.makeOutput(x.shape, "float32");
    const [dscale, dshift] = [0, 1].map(() => wasm.makeOutput([units], "float32"));
    // The activation's derivative first (relu: dy·step(y), the product tfjs' relu gradient forms).
    const dActivated = activation === "relu" ? wasm.makeOutput(x.shape, "float32") : undefined;
    const space = scratch(wasm, 6, units);
    const [mean, stdev, sumDbA, sumDa, dv, dm] = space.at;
    const kernels = kernelsOf(wasm);
    if (dActivated) {
      kernels.activationGrad(at(dOut), at(y), at(dActivated), n * units, { kind: "relu" });
    }
    const dy = dActivated ?? dOut;
    batchStatistics(wasm, at(x), { mean, stdev }, { n, units, epsilon });
    kernels.batchNorm(
      "grad_sums",
      [at(dy), at(x), mean, stdev, at(scale), at(dshift), at(dscale), sumDbA, sumDa],
      n,
      units,
    );
    const f = Math.fround;
    const [s, dbA, dvs] = [stdev, sumDbA, dv].map((o) => floatsAt(wasm, o, units));
    for (let j = 0; j < units; j++) {
      // stdev's gradient (Div's: −Σ db·a / stdev²), the variance's (Sqrt's: / (2·√(var + ε))),
      // then Mean's: / n, for each squared deviation.
      const dStdev = -f(dbA[j] / f(s[j] * s[j]));
      dvs[j] = f(dStdev / f(s[j] * 2)) / n;
    }
    // The squared deviations' gradient through the mean, summed into dm's place.
    kernels.batchNorm("grad_deviations", [at(x), mean, dv, dm], n, units);
    const [da, dms] = [sumDa, dm].map((o) => floatsAt(wasm, o, units));
    if (n === 1) {
      // tf.moments subtracts the mean kept as [1, units], which a batch of 1 does not broadcast:
      // its gradient is the deviation's own, not a sum from 0 (the two differ for −0).
      const [xs, means] = [at(x), mean].map((o) => floatsAt(wasm, o, units));
      for (let j = 0; j < units; j++) dms[j] = f(dvs[j] * f(f(xs[j] - means[j]) * 2));
    }
    // The mean's gradient: −Σ da (from the affine map) + −Σ dDeviation, then Mean's / n.
    for (let j = 0; j < units; j++) dms[j] = f(-da[j] + -dms[j]) / n;
    kernels.batchNorm(
      "grad_input",
      [at(dy), at(x), at(dx), mean, stdev, at(scale), dv, dm],
      n,
      units,
    );
    space.release();
    if (dActivated) wasm.disposeData(dActivated.dataId);
    return [dx, dscale, dshift];
  },
};

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
      batchNormConfig(BATCH_NORM),
      batchNormGradConfig,
      batchNormConfig(BATCH_NORM_INFERENCE),
    ]
  ) {
    registerKernel(config);
  }
}
