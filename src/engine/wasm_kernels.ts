/**
 * Kernels the tfjs wasm backend lacks, or runs slowly, for training. Each is re-expressed through
 * kernels the backend runs fast (XNNPACK convolutions and plain matrix products), so that the
 * arithmetic stays in the backend's own code; parity with the cpu backend is tested in
 * `wasm_kernels_test.ts`.
 *
 * - `Conv2DBackpropFilter` (missing): the filter gradient as a dilated forward convolution.
 * - `Conv2DBackpropInput` (naive loops in tfjs-backend-wasm 4.22): a stride-1 convolution of the
 *   zero-upsampled output gradient with the rotated filter.
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
  const conv2d = stockKernel("Conv2D");
  const transpose = stockKernel("Transpose");
  const reverse = stockKernel("Reverse");
  const reshape = stockKernel("Reshape");
  const padV2 = stockKernel("PadV2");
  const slice = stockKernel("Slice");
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

let registered = false;

/** Registers the wasm training kernels (idempotent). Call before activating the wasm backend. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stockMatMul = getKernel(BatchMatMul, "wasm");
  if (!stockMatMul) throw new Error("the wasm backend has no BatchMatMul kernel");
  const replacements = [
    batchMatMulConfig(stockMatMul),
    conv2DBackpropFilterConfig(),
    conv2DBackpropInputConfig(),
  ];
  for (const config of replacements) {
    if (getKernel(config.kernelName, "wasm")) unregisterKernel(config.kernelName, "wasm");
    registerKernel(config);
  }
}
