/**
 * Matrix products, convolutions, row sums, strided copies and bias/activation epilogues on float32
 * data in a WebAssembly heap (the tfjs wasm backend's), through the kernels of `_kernel_module.ts`:
 * a product packs B (and a transposed A) into panels and runs the register-tiled kernel over
 * blocks of the reduction; a convolution lowers its patches to a matrix (im2col) in chunks of
 * bounded size and multiplies, and the input gradient multiplies, then scatters the patches back
 * (col2im). Offsets are byte offsets into the heap.
 *
 * @module
 */
import {
  ACTIVATION_GRADS,
  ACTIVATIONS,
  BATCH_NORM_PASSES,
  type BatchNormPass,
  kernelModule,
  PANEL,
  TILE_ROWS,
} from "./_kernel_module.ts";
import { relaxedSimdAvailable } from "./relaxed_simd.ts";
import type { SystemBlas } from "./system_blas.ts";

/** The heap the kernels work in: its memory and its allocator. */
export interface WasmHeap {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/** An operand of a product: where it starts, whether it is stored transposed, its row stride. */
export interface Operand {
  offset: number;
  /** Stored as the transpose (k x m for A, n x k for B). */
  transposed?: boolean;
  /** Floats between consecutive stored rows (default: the stored row length). */
  ld?: number;
}

/**
 * The geometry of a 2-D NHWC convolution (a structural subset of tfjs' `Conv2DInfo`):
 * x [batch, inHeight, inWidth, inChannels] * filter [filterHeight, filterWidth, inChannels,
 * outChannels] = y [batch, outHeight, outWidth, outChannels].
 */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

type Kernel = (...args: number[]) => void;

/** What {@linkcode HeapKernels.meter} counts: FLOPs and milliseconds of products. */
export interface ProductMeter {
  flops: number;
  ms: number;
}

/**
 * A float32 product from outside the heap's own kernels: a system BLAS (`system_blas.ts`), whose
 * `sgemm` computes C = A·B (C += A·B with `accumulate`) on data in a memory at byte offsets.
 */
export type HeapProduct = Pick<SystemBlas, "sgemm">;

/** Steps of the reduction per pass over C: A's rows for one tile stay in the L1 cache. */
const REDUCTION_BLOCK = 256;

/** FLOPs of a convolution (and of each of its gradients): 2 per tap of every output. */
function convFlops(g: ConvGeometry): number {
  return 2 * g.batchSize * g.outHeight * g.outWidth * g.outChannels * g.filterHeight *
    g.filterWidth * g.inChannels;
}

const modules: { fused?: WebAssembly.Module; separate?: WebAssembly.Module } = {};

const instances = new WeakMap<WebAssembly.Memory, HeapKernels>();

/** The kernels, bound to one heap. */
export class HeapKernels {
  #heap: WasmHeap;
  #gemm: Record<"rows" | "packed", Kernel[]>;
  #packA: Kernel;
  #packB: Kernel;
  #im2col: Kernel;
  #col2im: Kernel;
  #sumRows: Kernel;
  #copyRows: Kernel;
  #biasActivation: Kernel;
  #activationGrad: Kernel;
  #adam: Kernel;
  #rmsprop: Kernel;
  #batchNorm: Record<BatchNormPass, Kernel>;
  #maxout: Kernel;
  /** Floats of lowered patches held at once (16 MiB by default); a convolution works in chunks. */
  patchChunkFloats = 4 << 20;
  /**
   * The product that every matrix product and convolution runs on instead of the heap's own
   * kernels (a system BLAS); undefined (the default) for the heap's own.
   */
  product: HeapProduct | undefined;
  /**
   * When set, every product and convolution adds its arithmetic (2·m·n·k per product) and its
   * wall time (packing, im2col and col2im included) here: what `bench:speed` reports as the time
   * in products. Unset (the default), nothing is measured.
   */
  meter: ProductMeter | undefined;
  #metering = false;

  /**
   * The kernels of `heap` (one instance per memory).
   *
   * @param options.fused fused multiply-adds (default: where the engine has relaxed SIMD); only
   *   the first call for a memory decides
   */
  static for(heap: WasmHeap, options: { fused?: boolean } = {}): HeapKernels {
    let kernels = instances.get(heap.memory);
    if (!kernels) {
      kernels = new HeapKernels(heap, options.fused ?? relaxedSimdAvailable());
      instances.set(heap.memory, kernels);
    }
    return kernels;
  }

  private constructor(heap: WasmHeap, fused: boolean) {
    this.#heap = heap;
    const module = fused
      ? modules.fused ??= new WebAssembly.Module(kernelModule(true))
      : modules.separate ??= new WebAssembly.Module(kernelModule(false));
    const exports = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports;
    const tiles = (layout: string) =>
      Array.from(
        { length: TILE_ROWS + 1 },
        (_, rows) => exports[`gemm_${layout}_${rows}`] as Kernel,
      );
    this.#gemm = { rows: tiles("rows"), packed: tiles("packed") };
    this.#packA = exports[`pack_${TILE_ROWS}`] as Kernel;
    this.#packB = exports[`pack_${PANEL}`] as Kernel;
    this.#im2col = exports.im2col as Kernel;
    this.#col2im = exports.col2im as Kernel;
    this.#sumRows = exports.sum_rows as Kernel;
    this.#copyRows = exports.copy_rows as Kernel;
    this.#biasActivation = exports.bias_activation as Kernel;
    this.#activationGrad = exports.activation_grad as Kernel;
    this.#adam = exports.adam as Kernel;
    this.#rmsprop = exports.rmsprop as Kernel;
    this.#batchNorm = Object.fromEntries(
      BATCH_NORM_PASSES.map((pass) => [pass, exports[`bn_${pass}`] as Kernel]),
    ) as Record<BatchNormPass, Kernel>;
    this.#maxout = exports.maxout as Kernel;
  }

  /**
   * out[i] = dy[i]·act'(y[i]) for `size` floats, from the activation's output y: relu, leaky relu
   * with `alpha` (y > 0 ? 1 : alpha), tanh (1 − y²).
   */
  activationGrad(
    dy: number,
    y: number,
    out: number,
    size: number,
    activation: { kind: keyof typeof ACTIVATION_GRADS; alpha?: number },
  ): void {
    this.#activationGrad(
      dy,
      y,
      out,
      size,
      ACTIVATION_GRADS[activation.kind],
      activation.alpha ?? 0,
    );
  }

  /**
   * One Adam step over `size` floats from gradient `g`: moments m, v and weights w read at their
   * offsets, the new values written at `out`'s (which may be the same places).
   */
  adam(
    at: { g: number; m: number; v: number; w: number },
    out: { m: number; v: number; w: number },
    size: number,
    rule: {
      beta1: number;
      beta2: number;
      stepSize: number;
      biasCorrection2: number;
      epsilon: number;
    },
  ): void {
    this.#adam(
      at.g,
      at.m,
      at.v,
      at.w,
      out.m,
      out.v,
      out.w,
      size,
      rule.beta1,
      1 - rule.beta1,
      rule.beta2,
      1 - rule.beta2,
      rule.stepSize,
      rule.biasCorrection2,
      rule.epsilon,
    );
  }

  /**
   * One of batch norm's passes over a batch of `rows` x `cols` (`_kernel_module.ts` says what
   * each computes), its pointer arguments in that order.
   */
  batchNorm(pass: BatchNormPass, pointers: number[], rows: number, cols: number): void {
    this.#batchNorm[pass](...pointers, rows, cols);
  }

  /**
   * A maxout over `rows` rows of `pieces · units` values (unit u's pieces at columns u, units + u,
   * ...): out (`rows` x `units`) = each unit's first largest piece; or, given `dy` (`rows` x
   * `units`), its gradient: out (`rows` x `pieces · units`) = dy + 0 at that piece, 0 elsewhere.
   */
  maxout(
    x: number,
    out: number,
    shape: { rows: number; units: number; pieces: number },
    dy?: number,
  ): void {
    this.#maxout(x, out, dy ?? 0, shape.rows, shape.units, shape.pieces, dy === undefined ? 0 : 1);
  }

  /** out[j] = Σ_i x[i][j] over `rows` rows of `cols` floats, added in row order. */
  sumRows(x: number, out: number, rows: number, cols: number): void {
    this.#sumRows(x, out, rows, cols);
  }

  /**
   * Copies `rows` rows of `width` 4-byte values from `src` (rows `srcStride` values apart) to
   * `dst` (`dstStride` apart); the regions must not overlap.
   */
  copyRows(
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
    shape: { rows: number; width: number },
  ): void {
    this.#copyRows(src, srcStride, dst, dstStride, shape.rows, shape.width);
  }

  /**
   * x[i][j] = act(x[i][j] + bias[j]) in place for `rows` rows of `cols` floats (no bias when
   * `bias` is undefined): leaky relu with `alpha` (0 ≤ alpha ≤ 1), prelu with `slopes[j]`.
   */
  biasActivation(
    x: number,
    bias: number | undefined,
    shape: { rows: number; cols: number },
    activation: { kind: keyof typeof ACTIVATIONS; alpha?: number; slopes?: number },
  ): void {
    this.#biasActivation(
      x,
      bias ?? 0,
      bias === undefined ? 0 : 1,
      activation.slopes ?? 0,
      shape.rows,
      shape.cols,
      ACTIVATIONS[activation.kind],
      activation.alpha ?? 0,
    );
  }

  /**
   * One RMSprop step (no momentum, not centred) over `size` floats from gradient `g`: the mean
   * square v and weights w read at their offsets, the new values written at `out`'s.
   */
  rmsprop(
    at: { g: number; v: number; w: number },
    out: { v: number; w: number },
    size: number,
    rule: { alpha: number; learningRate: number; epsilon: number },
  ): void {
    this.#rmsprop(
      at.g,
      at.v,
      at.w,
      out.v,
      out.w,
      size,
      rule.alpha,
      1 - rule.alpha,
      rule.learningRate,
      rule.epsilon,
    );
  }

  /** Runs `body` with `bytes` of scratch memory from the heap. */
  #withScratch<T>(bytes: number, body: (pointer: number) => T): T {
    const pointer = this.#heap.malloc(Math.max(bytes, 16));
    if (!pointer) throw new RangeError(`the wasm heap cannot spare ${bytes} bytes`);
    try {
      return body(pointer);
    } finally {
      this.#heap.free(pointer);
    }
  }

  /**
   * C (m x n, row stride `c.ld` ?? n) = A (m x k) · B (k x n), or C += A·B with `accumulate`.
   */
  matmul(
    a: Operand,
    b: Operand,
    c: Operand,
    shape: { m: number; n: number; k: number },
    accumulate = false,
  ): void {
    const { m, n, k } = shape;
    if (this.meter && !this.#metering) {
      return this.#metered(2 * m * n * k, () => this.matmul(a, b, c, shape, accumulate));
    }
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) this.#zeroRows(c.offset, m, n, c.ld ?? n);
      return;
    }
    if (this.product) {
      return this.product.sgemm(this.#heap.memory.buffer, a, b, c, shape, accumulate);
    }
    const ldb = b.ld ?? (b.transposed ? k : n);
    const [sk, sn] = b.transposed ? [1, ldb] : [ldb, 1];
    const lda = a.ld ?? (a.transposed ? m : k);
    const block = Math.min(k, REDUCTION_BLOCK);
    const bBytes = 4 * Math.ceil(n / PANEL) * PANEL * block;
    const aBytes = a.transposed ? 4 * Math.ceil(m / TILE_ROWS) * TILE_ROWS * block : 0;
    this.#withScratch(bBytes + aBytes, (scratch) => {
      // The reduction in blocks, so that what a tile reads of A stays in cache across B's panels.
      for (let t = 0; t < k; t += block) {
        const depth = Math.min(block, k - t);
        this.#packB(b.offset + 4 * t * sk, sk, sn, scratch, depth, n);
        let aBlock: number;
        if (a.transposed) {
          // Aᵀ's rows t.. hold A's columns: pack A's rows into panels of TILE_ROWS.
          aBlock = scratch + bBytes;
          this.#packA(a.offset + 4 * t * lda, lda, 1, aBlock, depth, m);
        } else aBlock = a.offset + 4 * t;
        const layout = a.transposed ? "packed" : "rows";
        this.#multiply(layout, aBlock, lda, scratch, c, { m, n, k: depth }, accumulate || t > 0);
      }
    });
  }

  /** Runs `body` as a product of `flops` FLOPs, adding both to the meter when one is set. */
  #metered(flops: number, body: () => void): void {
    if (!this.meter || this.#metering) return body();
    this.#metering = true;
    const start = performance.now();
    try {
      body();
    } finally {
      this.meter.ms += performance.now() - start;
      this.meter.flops += flops;
      this.#metering = false;
    }
  }

  /** C (+)= A·B with B packed by pack_8 and A in `layout` at `a` (same k). */
  #multiply(
    layout: "rows" | "packed",
    a: number,
    lda: number,
    packedB: number,
    c: Operand,
    { m, n, k }: { m: number; n: number; k: number },
    accumulate: boolean,
  ): void {
    const ldc = c.ld ?? n;
    const bulk = m - (m % TILE_ROWS);
    const flag = accumulate ? 1 : 0;
    const kernels = this.#gemm[layout];
    if (bulk) kernels[TILE_ROWS](a, lda, packedB, c.offset, ldc, bulk, n, k, flag);
    if (bulk < m) {
      // The tail rows start at row `bulk` of A (in place) or at its panel (packed).
      const aTail = a + 4 * bulk * (layout === "rows" ? lda : k);
      kernels[m - bulk](aTail, lda, packedB, c.offset + 4 * bulk * ldc, ldc, m - bulk, n, k, flag);
    }
  }

  #zeroRows(offset: number, rows: number, columns: number, ld: number): void {
    const view = new Float32Array(this.#heap.memory.buffer);
    for (let r = 0; r < rows; r++) view.fill(0, offset / 4 + r * ld, offset / 4 + r * ld + columns);
  }

  /** Geometry arguments of im2col/col2im for output rows [first, first + count). */
  #patchArgs(g: ConvGeometry, first: number, count: number): number[] {
    return [
      g.inHeight,
      g.inWidth,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
      g.dilationHeight,
      g.dilationWidth,
      g.padInfo.top,
      g.padInfo.left,
      first,
      count,
    ];
  }

  /** Output positions and patch length of `g`, and the positions per chunk of patches. */
  #chunking(g: ConvGeometry): { positions: number; patch: number; chunk: number } {
    const positions = g.batchSize * g.outHeight * g.outWidth;
    const patch = g.filterHeight * g.filterWidth * g.inChannels;
    return { positions, patch, chunk: Math.max(1, Math.floor(this.patchChunkFloats / patch)) };
  }

  /** y = conv2d(x, filter) for NHWC x and [fh, fw, in, out] filter. */
  conv2d(x: number, filter: number, y: number, g: ConvGeometry): void {
    if (this.meter && !this.#metering) {
      return this.#metered(convFlops(g), () => this.conv2d(x, filter, y, g));
    }
    const { positions, patch, chunk } = this.#chunking(g);
    const co = g.outChannels;
    if (this.product) {
      return this.#withScratch(4 * Math.min(chunk, positions) * patch, (cols) => {
        for (let first = 0; first < positions; first += chunk) {
          const count = Math.min(chunk, positions - first);
          this.#im2col(x, cols, ...this.#patchArgs(g, first, count));
          this.matmul({ offset: cols }, { offset: filter }, { offset: y + 4 * first * co }, {
            m: count,
            n: co,
            k: patch,
          });
        }
      });
    }
    const panels = Math.ceil(co / PANEL);
    this.#withScratch(4 * panels * PANEL * patch, (packed) => {
      this.#packB(filter, co, 1, packed, patch, co);
      this.#withScratch(4 * Math.min(chunk, positions) * patch, (cols) => {
        for (let first = 0; first < positions; first += chunk) {
          const count = Math.min(chunk, positions - first);
          this.#im2col(x, cols, ...this.#patchArgs(g, first, count));
          this.#multiply("rows", cols, patch, packed, { offset: y + 4 * first * co }, {
            m: count,
            n: co,
            k: patch,
          }, false);
        }
      });
    });
  }

  /** dx = the gradient of conv2d with respect to x, given dy (dx is overwritten). */
  conv2dBackpropInput(dy: number, filter: number, dx: number, g: ConvGeometry): void {
    if (this.meter && !this.#metering) {
      return this.#metered(convFlops(g), () => this.conv2dBackpropInput(dy, filter, dx, g));
    }
    const { positions, patch, chunk } = this.#chunking(g);
    const co = g.outChannels;
    const size = g.batchSize * g.inHeight * g.inWidth * g.inChannels;
    new Float32Array(this.#heap.memory.buffer, dx, size).fill(0);
    if (this.product) {
      return this.#withScratch(4 * Math.min(chunk, positions) * patch, (cols) => {
        for (let first = 0; first < positions; first += chunk) {
          const count = Math.min(chunk, positions - first);
          // cols (count x patch) = dy rows · filterᵀ (the filter is stored patch x co).
          this.matmul({ offset: dy + 4 * first * co }, { offset: filter, transposed: true }, {
            offset: cols,
          }, { m: count, n: patch, k: co });
          this.#col2im(cols, dx, ...this.#patchArgs(g, first, count));
        }
      });
    }
    const panels = Math.ceil(patch / PANEL);
    this.#withScratch(4 * panels * PANEL * co, (packed) => {
      // B = filterᵀ: B[c][j] = filter[j][c] for j over the patch.
      this.#packB(filter, 1, co, packed, co, patch);
      this.#withScratch(4 * Math.min(chunk, positions) * patch, (cols) => {
        for (let first = 0; first < positions; first += chunk) {
          const count = Math.min(chunk, positions - first);
          this.#multiply("rows", dy + 4 * first * co, co, packed, { offset: cols }, {
            m: count,
            n: patch,
            k: co,
          }, false);
          this.#col2im(cols, dx, ...this.#patchArgs(g, first, count));
        }
      });
    });
  }

  /** dw = the gradient of conv2d with respect to the filter, given x and dy. */
  conv2dBackpropFilter(x: number, dy: number, dw: number, g: ConvGeometry): void {
    if (this.meter && !this.#metering) {
      return this.#metered(convFlops(g), () => this.conv2dBackpropFilter(x, dy, dw, g));
    }
    const { positions, patch, chunk } = this.#chunking(g);
    const co = g.outChannels;
    if (positions === 0) return this.#zeroRows(dw, patch, co, co); // an empty batch: no gradient
    const step = Math.min(chunk, positions);
    this.#withScratch(4 * step * patch, (cols) => {
      for (let first = 0; first < positions; first += chunk) {
        const count = Math.min(chunk, positions - first);
        this.#im2col(x, cols, ...this.#patchArgs(g, first, count));
        // dw (patch x co) (+)= colsᵀ · dy rows
        this.matmul(
          { offset: cols, transposed: true, ld: patch },
          { offset: dy + 4 * first * co },
          { offset: dw },
          { m: patch, n: co, k: count },
          first > 0,
        );
      }
    });
  }
}
