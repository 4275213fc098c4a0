/**
 * Kernels the tfjs wasm backend lacks, or runs slowly, for training, registered in its place.
 *
 * - `BatchMatMul`, `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` (the last missing
 *   from tfjs-backend-wasm 4.22; the input gradient naive loops there) run on ganbench's own
 *   register-tiled float32 product in the backend's heap (`heap_kernels.ts`): transposed operands
 *   are read in place, and convolutions are lowered to products through im2col / col2im. About
 *   1.5x the speed of the backend's XNNPACK products on the training shapes, and no slow path for
 *   a transposed operand (XNNPACK took 8-10x longer there).
 * - `FusedConv2D` and `_FusedMatMul` (inference: the feature networks) as the same products with a
 *   bias/activation epilogue (the stock fused product with transposed operands and a prelu or elu
 *   activation disagrees with the cpu backend).
 * - `LeakyRelu` in vectors (the stock kernel is a scalar loop).
 * - `Sum` and `Mean` over leading axes (bias gradients, batch-norm statistics): the rows of the
 *   input summed in place, where tfjs-backend-wasm first transposes the reduced axes inwards.
 * - `SplitV` and `Concat` of 4-byte data: strided block copies within the heap (the stock kernels
 *   copy slice by slice in JavaScript: 35 ms to split the 766k weights of the DCGAN's flat
 *   optimiser step, 7 ms to append a conditional D's label channels to a batch of 64 images).
 * - `Identity` and `Cast` to the same dtype (copies in tfjs-backend-wasm; tfjs clones every tensor
 *   a gradient saves, and relu's gradient casts a float mask to float): share the input's data by
 *   reference count, as the cpu backend does; tensors are immutable.
 *
 * Parity with the cpu backend is tested in `wasm_kernels_test.ts`.
 *
 * @module
 */
import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Cast,
  type CastAttrs,
  Concat,
  type ConcatAttrs,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  FusedConv2D,
  type FusedConv2DAttrs,
  getKernel,
  Identity,
  type KernelConfig,
  LeakyRelu,
  type LeakyReluAttrs,
  Mean,
  type MeanAttrs,
  registerKernel,
  SplitV,
  type SplitVAttrs,
  Sum,
  type SumAttrs,
  type TensorInfo,
  unregisterKernel,
  util,
} from "@tensorflow/tfjs-core";
import { HeapKernels, type HeapProduct, type ProductMeter } from "./heap_kernels.ts";
import { attrsOf, heapOf, type WasmBackend, wasmBackendOf } from "./_tfjs_wasm_internals.ts";

/** A kernel's inputs by name. */
export type Inputs = Record<string, TensorInfo>;

/** The product and convolution kernels in `backend`'s heap. */
export function kernelsOf(backend: WasmBackend): HeapKernels {
  return HeapKernels.for(heapOf(backend));
}

/** Where `tensor`'s data starts in the heap. */
export function offsetOf(backend: WasmBackend, tensor: TensorInfo): number {
  return backend.getMemoryOffset(tensor.dataId);
}

/** Throws unless every tensor is float32. */
export function checkFloat32(kernel: string, ...tensors: TensorInfo[]): void {
  const other = tensors.find((t) => t.dtype !== "float32");
  if (other) throw new TypeError(`wasm ${kernel} supports float32 only, got ${other.dtype}`);
}

/**
 * A float32 kernel of two inputs (named `names`) registered in place of the stock one, computed by
 * `compute` from the backend, both inputs and the attributes.
 */
function float32Kernel<Attrs>(
  kernelName: string,
  names: [string, string],
  compute: (wasm: WasmBackend, first: TensorInfo, second: TensorInfo, attrs: Attrs) => TensorInfo,
): KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const [first, second] = names.map((name) => (inputs as Inputs)[name]);
      checkFloat32(kernelName, first, second);
      return compute(wasmBackendOf(backend), first, second, attrsOf<Attrs>(attrs));
    },
  };
}

/**
 * `stock`'s kernel on wasm replaced by `compute`, which returns undefined for the cases it leaves
 * to the stock kernel.
 */
function replacing(
  stock: KernelConfig,
  compute: (
    args: Parameters<KernelConfig["kernelFunc"]>[0],
  ) => TensorInfo | TensorInfo[] | undefined,
): KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: "wasm",
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => compute(args) ?? stock.kernelFunc(args),
  };
}

/**
 * a [...batch, m, k] (or its transpose) times b [...batch, k, n] (or its transpose) on
 * ganbench's product, the batch dimensions broadcast when one side has a single batch.
 */
export function batchMatMul(
  wasm: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  { transposeA, transposeB }: Pick<BatchMatMulAttrs, "transposeA" | "transposeB">,
): TensorInfo {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const [m, k] = transposeA
    ? [a.shape[ra - 1], a.shape[ra - 2]]
    : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transposeB
    ? [b.shape[rb - 1], b.shape[rb - 2]]
    : [b.shape[rb - 2], b.shape[rb - 1]];
  if (k !== kb) {
    throw new RangeError(
      `matMul inner dimensions differ: ${k} vs ${kb} ([${a.shape}] x [${b.shape}])`,
    );
  }
  const outer = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [batchA, batchB] = [a, b].map((t) => util.sizeFromShape(t.shape.slice(0, -2)));
  const batch = Math.max(batchA, batchB);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) {
    throw new RangeError(`matMul batch dimensions cannot broadcast: [${a.shape}] x [${b.shape}]`);
  }
  const out = wasm.makeOutput([...outer, m, n], "float32");
  const kernels = kernelsOf(wasm);
  const [pa, pb, pc] = [offsetOf(wasm, a), offsetOf(wasm, b), offsetOf(wasm, out)];
  for (let i = 0; i < batch; i++) {
    kernels.matmul(
      { offset: pa + (batchA === 1 ? 0 : 4 * i * m * k), transposed: transposeA },
      { offset: pb + (batchB === 1 ? 0 : 4 * i * k * n), transposed: transposeB },
      { offset: pc + 4 * i * m * n },
      { m, n, k },
    );
  }
  return out;
}

/** The convolution's geometry from its attributes (NHWC only). */
function convInfo(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  attrs: Pick<Conv2DAttrs, "strides" | "pad" | "dataFormat" | "dimRoundingMode"> & {
    dilations?: Conv2DAttrs["dilations"];
  },
): backend_util.Conv2DInfo {
  if (attrs.dataFormat === "NCHW") throw new TypeError(`wasm ${kernel} supports NHWC only`);
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/** conv2d(x, filter) (NHWC, any stride, dilation and padding) as im2col and a product. */
function conv2d(
  wasm: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
): TensorInfo {
  const info = convInfo(Conv2D, x.shape, filter.shape, attrs);
  const out = wasm.makeOutput(info.outShape, "float32");
  kernelsOf(wasm).conv2d(offsetOf(wasm, x), offsetOf(wasm, filter), offsetOf(wasm, out), info);
  return out;
}

/** Activations ganbench's epilogue lacks, applied after it by the backend's own unary kernel. */
const UNARY_ACTIVATIONS: Record<string, string> = {
  elu: "Elu",
  relu6: "Relu6",
  sigmoid: "Sigmoid",
};

/** What a fused kernel's epilogue does, when ganbench's kernels can do it. */
export interface Epilogue {
  bias?: TensorInfo;
  slopes?: TensorInfo;
  kind: "linear" | "relu" | "leakyrelu" | "prelu";
  alpha: number;
  /** A unary kernel to run after the epilogue (for the activations it lacks). */
  then?: string;
}

function epilogueOf(
  inputs: Inputs,
  attrs: { activation: string; leakyreluAlpha?: number },
  columns: number,
): Epilogue | undefined {
  const { bias, preluActivationWeights: slopes } = inputs;
  const { activation, leakyreluAlpha: alpha = Number.NaN } = attrs;
  const perColumn = (t: TensorInfo | undefined) =>
    !t || (t.dtype === "float32" && util.sizeFromShape(t.shape) === columns);
  if (!perColumn(bias) || !perColumn(slopes)) return undefined;
  if (UNARY_ACTIVATIONS[activation]) {
    return { bias, kind: "linear", alpha, then: UNARY_ACTIVATIONS[activation] };
  }
  const supported = activation === "linear" || activation === "relu" ||
    (activation === "leakyrelu" && alpha >= 0 && alpha <= 1) ||
    (activation === "prelu" && slopes !== undefined);
  return supported ? { bias, slopes, kind: activation, alpha } : undefined;
}

/**
 * Applies `epilogue` to `out` (rows of `columns` floats) in place, then its unary kernel if it has
 * one: returns the result (a new tensor in that case, `out` disposed).
 */
export function applyEpilogue(
  wasm: WasmBackend,
  out: TensorInfo,
  columns: number,
  epilogue: Epilogue,
): TensorInfo {
  const rows = util.sizeFromShape(out.shape) / columns;
  const bias = epilogue.bias && offsetOf(wasm, epilogue.bias);
  const slopes = epilogue.slopes && offsetOf(wasm, epilogue.slopes);
  kernelsOf(wasm).biasActivation(offsetOf(wasm, out), bias, { rows, cols: columns }, {
    kind: epilogue.kind,
    alpha: epilogue.alpha,
    slopes,
  });
  if (!epilogue.then) return out;
  const unary = getKernel(epilogue.then, "wasm")!.kernelFunc;
  const activated = unary({ inputs: { x: out }, backend: wasm, attrs: {} }) as TensorInfo;
  wasm.disposeData(out.dataId);
  return activated;
}

/**
 * A fused kernel (FusedConv2D, _FusedMatMul: inference, e.g. the feature networks) as the plain
 * one plus ganbench's bias/activation epilogue over the output's rows (and the backend's unary
 * kernel for elu, relu6 and sigmoid); broadcast biases or slopes, and a leaky relu without a
 * slope in [0, 1], run the stock kernel. (The stock wasm _FusedMatMul with transposed operands and
 * a prelu or elu activation disagrees with the cpu backend; this path does not.)
 */
function fusedConfig(
  kernelName: typeof FusedConv2D | typeof _FusedMatMul,
  stock: KernelConfig,
): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const named = inputs as Inputs;
    const [first, second] = kernelName === FusedConv2D
      ? [named.x, named.filter]
      : [named.a, named.b];
    const fused = attrsOf<FusedConv2DAttrs & _FusedMatMulAttrs>(attrs);
    const columns = kernelName === FusedConv2D
      ? second.shape[3]
      : (fused.transposeB
        ? second.shape[second.shape.length - 2]
        : second.shape[second.shape.length - 1]);
    const epilogue = epilogueOf(named, fused, columns);
    if (!epilogue || first.dtype !== "float32" || second.dtype !== "float32") {
      return undefined;
    }
    const wasm = wasmBackendOf(backend);
    const out = kernelName === FusedConv2D
      ? conv2d(wasm, first, second, fused)
      : batchMatMul(wasm, first, second, fused);
    return applyEpilogue(wasm, out, columns, epilogue);
  });
}

/**
 * LeakyRelu as a copy and ganbench's epilogue, max(x, α·x), in vectors (the stock kernel loops
 * one float at a time: 2.4 ms for one of the DCGAN critic's activations); the same bits for
 * 0 ≤ α ≤ 1, where the stock kernel runs otherwise.
 */
function leakyReluConfig(stock: KernelConfig): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as Inputs;
    const { alpha } = attrsOf<LeakyReluAttrs>(attrs);
    if (x.dtype !== "float32" || !(alpha >= 0 && alpha <= 1)) return undefined;
    const wasm = wasmBackendOf(backend);
    const size = util.sizeFromShape(x.shape);
    const out = wasm.makeOutput(x.shape, "float32");
    const kernels = kernelsOf(wasm);
    kernels.copyRows(offsetOf(wasm, x), size, offsetOf(wasm, out), size, {
      rows: 1,
      width: size,
    });
    kernels.biasActivation(offsetOf(wasm, out), undefined, { rows: 1, cols: size }, {
      kind: "leakyrelu",
      alpha,
    });
    return out;
  });
}

/** The filter gradient: im2col(x)ᵀ · dy, accumulated over chunks of output positions. */
function conv2dBackpropFilter(
  wasm: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  { filterShape, ...attrs }: Conv2DBackpropFilterAttrs,
): TensorInfo {
  const info = convInfo(Conv2DBackpropFilter, x.shape, filterShape, attrs);
  const out = wasm.makeOutput(filterShape, "float32");
  kernelsOf(wasm).conv2dBackpropFilter(
    offsetOf(wasm, x),
    offsetOf(wasm, dy),
    offsetOf(wasm, out),
    info,
  );
  return out;
}

/** The input gradient (and the transposed convolution): dy · filterᵀ, scattered back by col2im. */
function conv2dBackpropInput(
  wasm: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  { inputShape, ...attrs }: Conv2DBackpropInputAttrs,
): TensorInfo {
  const info = convInfo(Conv2DBackpropInput, inputShape, filter.shape, attrs);
  const out = wasm.makeOutput(inputShape, "float32");
  kernelsOf(wasm).conv2dBackpropInput(
    offsetOf(wasm, dy),
    offsetOf(wasm, filter),
    offsetOf(wasm, out),
    info,
  );
  return out;
}

/**
 * Sum or Mean: when the reduced axes are the leading ones and some axes remain, the input is a
 * (reduced x kept) matrix whose rows are summed in place; otherwise the stock kernel runs.
 */
function leadingReductionConfig(
  kernelName: typeof Sum | typeof Mean,
  stock: KernelConfig,
): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as Inputs;
    const { axis, keepDims } = attrsOf<SumAttrs | MeanAttrs>(attrs);
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i) && axes.length < x.shape.length;
    if (x.dtype !== "float32" || !leading || axes.length === 0) return undefined;
    const wasm = wasmBackendOf(backend);
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const kept = x.shape.slice(axes.length);
    const out = wasm.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, "float32");
    const cols = util.sizeFromShape(kept);
    kernelsOf(wasm).sumRows(offsetOf(wasm, x), offsetOf(wasm, out), rows, cols);
    if (kernelName === Mean) {
      const view = new Float32Array(heapOf(wasm).memory.buffer, offsetOf(wasm, out), cols);
      for (let j = 0; j < cols; j++) view[j] /= rows;
    }
    return out;
  });
}

/** Whether `t` holds 4-byte values, which the block-copy kernels move. */
function fourByte(t: TensorInfo): boolean {
  return t.dtype === "float32" || t.dtype === "int32";
}

/**
 * `shape` as (outer, inner): the product of the axes before `axis`, and of `axis` and those after
 * it (the contiguous run a concatenation or split along `axis` moves per outer index).
 */
function aroundAxis(shape: number[], axis: number): { outer: number; run: number } {
  return {
    outer: util.sizeFromShape(shape.slice(0, axis)),
    run: util.sizeFromShape(shape.slice(axis)),
  };
}

/** SplitV of 4-byte data by strided block copies in the heap; other dtypes run the stock kernel. */
function splitVConfig(stock: KernelConfig): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as Inputs;
    if (!fourByte(x)) return undefined;
    const { numOrSizeSplits, axis } = attrsOf<SplitVAttrs>(attrs);
    const wasm = wasmBackendOf(backend);
    const $axis = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const { outer, run } = aroundAxis(x.shape, $axis);
    const inner = run / x.shape[$axis];
    let start = 0;
    return sizes.map((size) => {
      const shape = x.shape.slice();
      shape[$axis] = size;
      const out = wasm.makeOutput(shape, x.dtype);
      if (size > 0) {
        kernelsOf(wasm).copyRows(
          offsetOf(wasm, x) + 4 * start * inner,
          run,
          offsetOf(wasm, out),
          size * inner,
          {
            rows: outer,
            width: size * inner,
          },
        );
      }
      start += size;
      return out;
    });
  });
}

/** Concat of 4-byte data by strided block copies in the heap; other dtypes run the stock kernel. */
function concatConfig(stock: KernelConfig): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const tensors = Object.values(inputs as Inputs);
    if (
      tensors.length === 0 || !tensors.every(fourByte) ||
      new Set(tensors.map((t) => t.dtype)).size > 1
    ) {
      return undefined;
    }
    const { axis } = attrsOf<ConcatAttrs>(attrs);
    const $axis = util.parseAxisParam(axis, tensors[0].shape)[0];
    const shape = backend_util.computeOutShape(tensors.map((t) => t.shape), $axis);
    const wasm = wasmBackendOf(backend);
    const out = wasm.makeOutput(shape, tensors[0].dtype);
    const { outer, run: total } = aroundAxis(shape, $axis);
    let offset = offsetOf(wasm, out);
    for (const t of tensors) {
      const { run } = aroundAxis(t.shape, $axis);
      if (run > 0) {
        kernelsOf(wasm).copyRows(offsetOf(wasm, t), run, offset, total, {
          rows: outer,
          width: run,
        });
      }
      offset += 4 * run;
    }
    return out;
  });
}

/**
 * `kernelName` (Identity, or Cast) sharing its input's data by reference count where the result
 * would be a copy of it: always for Identity, for a Cast to the input's own dtype (as in relu's
 * gradient). Other cases, and strings, run the stock kernel.
 */
function sharingConfig(
  kernelName: typeof Identity | typeof Cast,
  stock: KernelConfig,
): KernelConfig {
  return replacing(stock, (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as Inputs;
    const copy = kernelName === Identity || attrsOf<CastAttrs>(attrs).dtype === x.dtype;
    if (x.dtype === "string" || !copy) return undefined;
    wasmBackendOf(backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/**
 * Runs the products and convolutions of the wasm backend `backend` (`tf.backend()` once it is
 * active) on `product` (a system BLAS), or on the heap's own kernels again with undefined. Every
 * kernel above that multiplies goes through it; elementwise work stays on the heap's kernels.
 *
 * @param backend the active wasm backend
 * @param product the product to use, undefined for the heap's own
 */
export function useHeapProduct(backend: unknown, product: HeapProduct | undefined): void {
  kernelsOf(wasmBackendOf(backend)).product = product;
}

/**
 * Counts the FLOPs and the time of every product and convolution of the wasm backend `backend`
 * into `meter` from now on (undefined: stop counting).
 *
 * @param backend the active wasm backend
 * @param meter where to add FLOPs and milliseconds
 */
export function meterHeapProducts(backend: unknown, meter: ProductMeter | undefined): void {
  kernelsOf(wasmBackendOf(backend)).meter = meter;
}

let registered = false;

/** Registers the wasm training kernels (idempotent). Call before activating the wasm backend. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stock = (name: string) => {
    const config = getKernel(name, "wasm");
    if (!config) throw new Error(`the wasm backend has no '${name}' kernel`);
    return config;
  };
  const replacements = [
    sharingConfig(Identity, stock(Identity)),
    sharingConfig(Cast, stock(Cast)),
    float32Kernel(BatchMatMul, ["a", "b"], batchMatMul),
    float32Kernel(Conv2D, ["x", "filter"], conv2d),
    float32Kernel(Conv2DBackpropFilter, ["x", "dy"], conv2dBackpropFilter),
    float32Kernel(Conv2DBackpropInput, ["dy", "filter"], conv2dBackpropInput),
    leakyReluConfig(stock(LeakyRelu)),
    leadingReductionConfig(Sum, stock(Sum)),
    leadingReductionConfig(Mean, stock(Mean)),
    splitVConfig(stock(SplitV)),
    concatConfig(stock(Concat)),
    fusedConfig(FusedConv2D, stock(FusedConv2D)),
    fusedConfig(_FusedMatMul, stock(_FusedMatMul)),
  ];
  for (const config of replacements) {
    if (getKernel(config.kernelName, "wasm")) unregisterKernel(config.kernelName, "wasm");
    registerKernel(config);
  }
}
