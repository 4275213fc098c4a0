/**
 * Kernels the tfjs wasm backend lacks, or runs slowly, for training. Each is re-expressed through
 * kernels the backend runs fast (XNNPACK convolutions and plain matrix products), so that the
 * arithmetic stays in the backend's own code; parity with the cpu backend is tested in
 * `wasm_kernels_test.ts`.
 *
 * - `Conv2DBackpropFilter` (missing): the filter gradient as a dilated forward convolution.
 * - `Conv2DBackpropInput` (naive loops in tfjs-backend-wasm 4.22): for strides > 1, one stride-1
 *   convolution per output phase with the filter taps that reach it (sub-pixel decomposition, s²
 *   fewer multiply-adds than convolving a zero-upsampled gradient), interleaved; otherwise a
 *   stride-1 convolution with the rotated filter.
 * - `Identity` (a copy in tfjs-backend-wasm; tfjs clones every tensor a gradient saves): shares
 *   the input's data by reference count, as the cpu backend does; tensors are immutable.
 * - `BatchMatMul` with a transposed operand (8-10x slower than an explicit transpose plus a plain
 *   product): the transpose is materialised first.
 *
 * @module
 */
import {
  backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

/** The slice of the wasm backend these kernels use. */
interface WasmBackend {
  disposeData(dataId: object): boolean;
}

type Inputs = Record<string, TensorInfo>;

/** Calls the wasm backend's kernel `name`. */
function call(
  backend: WasmBackend,
  kernel: KernelFunc,
  inputs: Inputs,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return kernel({ inputs, backend, attrs } as Parameters<KernelFunc>[0]) as TensorInfo;
}

function stockKernel(name: string): KernelFunc {
  const config = getKernel(name, "wasm");
  if (!config) throw new Error(`the wasm backend has no '${name}' kernel`);
  return config.kernelFunc;
}

/** The permutation that swaps the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * BatchMatMul that materialises transposed operands, then runs the plain product. It keeps the
 * stock kernel's setup (the binding to the wasm function), which runs when the backend starts.
 */
function batchMatMulConfig(stockConfig: KernelConfig): KernelConfig {
  const transpose = stockKernel("Transpose");
  const stock = stockConfig.kernelFunc;
  return {
    kernelName: BatchMatMul,
    backendName: "wasm",
    setupFunc: stockConfig.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as Inputs;
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      const wasm = backend as unknown as WasmBackend;
      if (!transposeA && !transposeB) return call(wasm, stock, { a, b }, attrs);
      const plainA = transposeA
        ? call(wasm, transpose, { x: a }, { perm: swapLastTwo(a.shape.length) })
        : a;
      const plainB = transposeB
        ? call(wasm, transpose, { x: b }, { perm: swapLastTwo(b.shape.length) })
        : b;
      const out = call(wasm, stock, { a: plainA, b: plainB }, {
        ...attrs,
        transposeA: false,
        transposeB: false,
      });
      if (transposeA) wasm.disposeData(plainA.dataId);
      if (transposeB) wasm.disposeData(plainB.dataId);
      return out;
    },
  };
}

/**
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[b,oh,ow,co]: a
 * convolution of x (transposed to [ci, H, W, b]) with dy (as a [oh, ow, b, co] filter), stride 1 and
 * dilation s, cropped to the filter size and transposed back to [kh, kw, ci, co].
 */
function conv2DBackpropFilterConfig(): KernelConfig {
  const conv2d = stockKernel("Conv2D");
  const transpose = stockKernel("Transpose");
  const slice = stockKernel("Slice");
  return {
    kernelName: Conv2DBackpropFilter,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as Inputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
        attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat === "NCHW") throw new Error("wasm Conv2DBackpropFilter supports NHWC only");
      const wasm = backend as unknown as WasmBackend;
      const info = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { top, bottom, left, right } = info.padInfo;
      const xT = call(wasm, transpose, { x }, { perm: [3, 1, 2, 0] });
      const dyT = call(wasm, transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const full = call(wasm, conv2d, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: "NHWC",
        dilations: [info.strideHeight, info.strideWidth],
      });
      const [kh, kw, ci, co] = filterShape;
      const cropped = full.shape[1] === kh && full.shape[2] === kw
        ? full
        : call(wasm, slice, { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
      const out = call(wasm, transpose, { x: cropped }, { perm: [1, 2, 0, 3] });
      for (const t of new Set([xT, dyT, full, cropped])) wasm.disposeData(t.dataId);
      return out;
    },
  };
}

/**
 * dx = a stride-1 convolution of dy upsampled by the stride (s−1 zeros between entries), padded by
 * (k − 1 − pad) before and whatever reaches the input size after, with the filter rotated by 180°
 * and its channel axes swapped.
 */
function conv2DBackpropInputConfig(): KernelConfig {
  const stock = stockKernels();
  const { conv2d, transpose, reverse, reshape, padV2, slice } = stock;
  return {
    kernelName: Conv2DBackpropInput,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as Inputs;
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
        attrs as unknown as Conv2DBackpropInputAttrs;
      if (dataFormat === "NCHW") throw new Error("wasm Conv2DBackpropInput supports NHWC only");
      const wasm = backend as unknown as WasmBackend;
      const info = backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const [batch, outH, outW, co] = dy.shape;
      const [, inH, inW, ci] = inputShape;
      const [kh, kw] = [info.filterHeight, info.filterWidth];
      const [sh, sw] = [info.strideHeight, info.strideWidth];
      const phased = subPixelBackpropInput(wasm, stock, dy, filter, info);
      if (phased) return phased;
      const temporaries: TensorInfo[] = [];
      const keep = (t: TensorInfo) => (temporaries.push(t), t);

      // Upsample dy by the stride: [b, oh, 1, ow, 1, c] padded to [b, oh, sh, ow, sw, c].
      let up = dy;
      if (sh > 1 || sw > 1) {
        const r = keep(call(wasm, reshape, { x: dy }, { shape: [batch, outH, 1, outW, 1, co] }));
        const padded = keep(call(wasm, padV2, { x: r }, {
          paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
          constantValue: 0,
        }));
        up = keep(call(wasm, reshape, { x: padded }, { shape: [batch, outH * sh, outW * sw, co] }));
      }
      // The full correlation needs (k-1-pad) before and enough after to give back inH x inW.
      const before = [kh - 1 - info.padInfo.top, kw - 1 - info.padInfo.left];
      const after = [
        inH + kh - 1 - before[0] - up.shape[1],
        inW + kw - 1 - before[1] - up.shape[2],
      ];
      let source = up;
      if (after[0] < 0 || after[1] < 0 || before[0] < 0 || before[1] < 0) {
        // Crop what lies beyond the padded extent (only happens for unusual explicit paddings).
        const begin = [0, Math.max(0, -before[0]), Math.max(0, -before[1]), 0];
        const size = [
          batch,
          up.shape[1] - begin[1] + Math.min(0, after[0]),
          up.shape[2] - begin[2] + Math.min(0, after[1]),
          co,
        ];
        source = keep(call(wasm, slice, { x: up }, { begin, size }));
      }
      const rotated = keep(call(wasm, reverse, { x: filter }, { dims: [0, 1] }));
      const swapped = keep(call(wasm, transpose, { x: rotated }, { perm: [0, 1, 3, 2] }));
      const out = call(wasm, conv2d, { x: source, filter: swapped }, {
        strides: [1, 1],
        pad: [[0, 0], [Math.max(0, before[0]), Math.max(0, after[0])], [
          Math.max(0, before[1]),
          Math.max(0, after[1]),
        ], [0, 0]],
        dataFormat: "NHWC",
        dilations: [1, 1],
      });
      for (const t of temporaries) wasm.disposeData(t.dataId);
      if (out.shape[1] !== inH || out.shape[2] !== inW || out.shape[3] !== ci) {
        throw new Error(
          `wasm Conv2DBackpropInput produced [${out.shape}] for input [${inputShape}]`,
        );
      }
      return out;
    },
  };
}

/** The stock wasm kernels the re-expressed convolutions are built from. */
interface StockKernels {
  conv2d: KernelFunc;
  transpose: KernelFunc;
  reverse: KernelFunc;
  reshape: KernelFunc;
  padV2: KernelFunc;
  slice: KernelFunc;
  stridedSlice: KernelFunc;
  concat: KernelFunc;
}

function stockKernels(): StockKernels {
  return {
    conv2d: stockKernel("Conv2D"),
    transpose: stockKernel("Transpose"),
    reverse: stockKernel("Reverse"),
    reshape: stockKernel("Reshape"),
    padV2: stockKernel("PadV2"),
    slice: stockKernel("Slice"),
    stridedSlice: stockKernel("StridedSlice"),
    concat: stockKernel("Concat"),
  };
}

/** One axis of one output phase: which filter taps reach it and how dy lines up with them. */
interface PhaseAxis {
  /** First tap (taps are first, first + s, ...). */
  first: number;
  /** Number of taps. */
  taps: number;
  /** Padding of dy before the window (negative: crop that many entries instead). */
  before: number;
}

/**
 * Phase p (outputs p, p + s, p + 2s, ...) of a strided backprop along one axis: output s·a + p
 * takes dy[a + c − t]·f[first + s·t] for t < taps, with c = (p + pad − first)/s, which is a
 * stride-1 correlation of dy with the reversed taps starting taps − 1 − c entries before a.
 */
function phaseAxis(phase: number, stride: number, kernel: number, pad: number): PhaseAxis {
  const first = (phase + pad) % stride;
  const taps = first < kernel ? Math.ceil((kernel - first) / stride) : 0;
  const c = (phase + pad - first) / stride;
  return { first, taps, before: taps - 1 - c };
}

/**
 * dx through the sub-pixel decomposition: for every phase (py, px) of the stride, a stride-1
 * convolution of dy with the filter taps that reach that phase (reversed, channel axes swapped),
 * then the s_h·s_w phase maps interleaved into dx. Returns undefined where the decomposition does
 * not apply (stride 1, an input size not divisible by the stride, or a phase no tap reaches), and
 * the caller convolves the zero-upsampled gradient instead.
 */
function subPixelBackpropInput(
  wasm: WasmBackend,
  stock: StockKernels,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [batch, inH, inW, ci] = info.inShape;
  const [, outH, outW, co] = dy.shape;
  if ((sh === 1 && sw === 1) || inH % sh !== 0 || inW % sw !== 0) return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const rows = Array.from(
    { length: sh },
    (_, p) => phaseAxis(p, sh, info.filterHeight, info.padInfo.top),
  );
  const cols = Array.from(
    { length: sw },
    (_, p) => phaseAxis(p, sw, info.filterWidth, info.padInfo.left),
  );
  if ([...rows, ...cols].some((axis) => axis.taps === 0)) return undefined;
  const [phaseH, phaseW] = [inH / sh, inW / sw];
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  const phases: TensorInfo[] = [];
  for (const row of rows) {
    for (const col of cols) {
      // The taps of this phase, reversed, as a [taps_h, taps_w, co, ci] convolution filter.
      const taps = keep(call(wasm, stock.stridedSlice, { x: filter }, {
        begin: [row.first, col.first, 0, 0],
        end: [row.first + sh * (row.taps - 1) + 1, col.first + sw * (col.taps - 1) + 1, ci, co],
        strides: [sh, sw, 1, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      }));
      const reversed = keep(call(wasm, stock.reverse, { x: taps }, { dims: [0, 1] }));
      const phaseFilter = keep(call(wasm, stock.transpose, { x: reversed }, {
        perm: [0, 1, 3, 2],
      }));
      // Crop dy where the window starts after its first entry; pad it where it starts before.
      const crop = [Math.max(0, -row.before), Math.max(0, -col.before)];
      const source = crop[0] || crop[1]
        ? keep(call(wasm, stock.slice, { x: dy }, {
          begin: [0, crop[0], crop[1], 0],
          size: [batch, outH - crop[0], outW - crop[1], co],
        }))
        : dy;
      const before = [Math.max(0, row.before), Math.max(0, col.before)];
      const after = [
        Math.max(0, phaseH + row.taps - 1 - (source.shape[1] + before[0])),
        Math.max(0, phaseW + col.taps - 1 - (source.shape[2] + before[1])),
      ];
      let phase = keep(call(wasm, stock.conv2d, { x: source, filter: phaseFilter }, {
        strides: [1, 1],
        pad: [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]],
        dataFormat: "NHWC",
        dilations: [1, 1],
      }));
      if (phase.shape[1] !== phaseH || phase.shape[2] !== phaseW) {
        phase = keep(call(wasm, stock.slice, { x: phase }, {
          begin: [0, 0, 0, 0],
          size: [batch, phaseH, phaseW, ci],
        }));
      }
      phases.push(phase);
    }
  }
  // [b, H/s, W/s, (py, px, c)] -> [b·H/s, W/s, s_h, s_w·c] -> [b·H/s, s_h, W/s, s_w·c] = dx.
  const joined = phases.length === 1
    ? phases[0]
    : keep(call(wasm, stock.concat, phases as unknown as Inputs, { axis: 3 }));
  const grouped = keep(call(wasm, stock.reshape, { x: joined }, {
    shape: [batch * phaseH, phaseW, sh, sw * ci],
  }));
  const interleaved = keep(call(wasm, stock.transpose, { x: grouped }, { perm: [0, 2, 1, 3] }));
  const dx = call(wasm, stock.reshape, { x: interleaved }, { shape: [batch, inH, inW, ci] });
  for (const t of temporaries) wasm.disposeData(t.dataId);
  return dx;
}

/** The slice of the wasm backend the shared-data Identity uses. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** Identity that shares its input's data (by reference count) instead of copying it. */
function identityConfig(stockConfig: KernelConfig): KernelConfig {
  return {
    kernelName: Identity,
    backendName: "wasm",
    setupFunc: stockConfig.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as Inputs;
      if (x.dtype === "string") {
        return stockConfig.kernelFunc({ inputs, backend, attrs } as Parameters<KernelFunc>[0]);
      }
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

let registered = false;

/** Registers the wasm training kernels (idempotent). Call before activating the wasm backend. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stockMatMul = getKernel(BatchMatMul, "wasm");
  if (!stockMatMul) throw new Error("the wasm backend has no BatchMatMul kernel");
  const stockIdentity = getKernel(Identity, "wasm");
  if (!stockIdentity) throw new Error("the wasm backend has no Identity kernel");
  const replacements = [
    identityConfig(stockIdentity),
    batchMatMulConfig(stockMatMul),
    conv2DBackpropFilterConfig(),
    conv2DBackpropInputConfig(),
  ];
  for (const config of replacements) {
    if (getKernel(config.kernelName, "wasm")) unregisterKernel(config.kernelName, "wasm");
    registerKernel(config);
  }
}
