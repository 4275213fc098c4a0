/**
 * The float32 kernels of the wasm training path (matrix products, convolution lowering, row sums,
 * strided copies, bias/activation epilogues and their gradients, Adam and RMSprop), emitted as one
 * WebAssembly module that works in the tfjs wasm backend's own memory.
 *
 * - `gemm_rows_<r>` / `gemm_packed_<r>`: C (+)= A·B for r rows of A at a time (r = 1..6), with A
 *   read in place, row-major (`rows`), or from panels of 6 rows made by `pack_6` (`packed`: how a
 *   transposed A is read, so that a tile's values sit together), and B from panels of 8 columns
 *   made by `pack_8`. The register tile is r x 8: 2r accumulators of 4 lanes, one broadcast of A
 *   and two vectors of B per step of the reduction, unrolled 4 times. The multiply-add is relaxed
 *   SIMD's fused f32x4.relaxed_madd where the engine has it (one rounding on hardware with FMA),
 *   otherwise a multiply and an add, so that one machine always gives the same bits.
 * - `pack_6` / `pack_8`: a matrix given by any strides (so a matrix or its transpose) into panels
 *   of 6 or 8 columns, zero-padded.
 * - `im2col` / `col2im`: a convolution's input patches as rows of a matrix, and the scatter-add
 *   back, for NHWC tensors with any stride, dilation and padding.
 * - `sum_rows`: the sum of a matrix's rows (a reduction over leading axes: bias gradients, batch
 *   statistics), in vectors, rows in order.
 * - `copy_rows`: a strided block copy of 4-byte values (concatenation and splitting along an axis).
 * - `bias_activation`: a bias added to every row and an activation (linear, relu, leaky relu,
 *   prelu), the epilogue of the fused products and convolutions (inference, and the fused dense
 *   layer of training).
 * - `activation_grad`: dy·act'(y) from an activation's output (the fused dense layer's gradient).
 * - `adam` / `rmsprop`: one optimiser step over flat state and weights, in the composed tfjs ops'
 *   order of operations, so that it gives their bits.
 * - `maxout`: a maxout layer's largest pieces, or their gradient.
 * - `bn_*`: batch norm's passes (statistics, affine map, gradients), likewise in the composed ops'
 *   order of operations.
 *
 * Measured on one core of this project's machine: 43-53 GFLOP/s for the training shapes' products
 * (256x128 by 128x128, 3136x1024 by 1024x128, either operand transposed), against 18-25 for the
 * backend's XNNPACK products (bench:speed shows the effect on whole steps).
 *
 * @module
 */
import { Code, F32, I32, Locals, op, V128, type WasmFunction, wasmModule } from "./_wasm_asm.ts";

/** Rows of the register tile in the bulk of a product (and of a packed panel of A). */
export const TILE_ROWS = 6;
/** Columns of a packed panel of B (two vectors of four lanes). */
export const PANEL = 8;
/** Unrolling of the reduction loop. */
const UNROLL = 4;

/** How a product reads A: in place, row-major (`rows`), or from panels made by pack_a (`packed`). */
type Layout = "rows" | "packed";

/**
 * gemm_<layout>_<rows>(a, lda, bp, c, ldc, m, n, k, accumulate): C[i][j] (+)= Σ_t A[i][t]·B[t][j]
 * for i < m (a multiple of `rows`), j < n, where B is packed by pack_b with the same k, and A[i][t]
 * is at a + 4(i·lda + t) (`rows`) or in pack_a's panels of TILE_ROWS rows (`packed`: lda unused).
 */
function gemmFunction(layout: Layout, rows: number, fused: boolean): WasmFunction {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, I32];
  const [a, lda, bp, c, ldc, m, n, k, accumulate] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [i, j, t, kMain, ldaBytes, ldcBytes, bPtr, cPtr, rowPtr] = locals.many(9, I32);
  const aPtr = locals.many(layout === "rows" ? rows : 1, I32);
  const acc = Array.from({ length: rows }, () => locals.many(2, V128));
  const b = locals.many(2, V128);
  const broadcast = locals.add(V128);
  const value = locals.add(F32);
  const code = new Code();
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

  /** Step u of an unrolled group of t: acc[r] += A[i + r][t + u]·B[t + u][j..j+8]. */
  const step = (u: number) => {
    code.emit(get(bPtr), op.v128Load(32 * u), set(b[0]));
    code.emit(get(bPtr), op.v128Load(32 * u + 16), set(b[1]));
    for (let r = 0; r < rows; r++) {
      if (layout === "rows") code.emit(get(aPtr[r]), op.v128Load32Splat(4 * u));
      else code.emit(get(aPtr[0]), op.v128Load32Splat(4 * (u * TILE_ROWS + r)));
      code.emit(set(broadcast));
      for (let v = 0; v < 2; v++) {
        if (fused) {
          code.emit(get(broadcast), get(b[v]), get(acc[r][v]), op.f32x4RelaxedMadd);
        } else {
          code.emit(get(broadcast), get(b[v]), op.f32x4Mul, get(acc[r][v]), op.f32x4Add);
        }
        code.emit(set(acc[r][v]));
      }
    }
  };
  /** Moves the A and B pointers `steps` steps of t on. */
  const advance = (steps: number) => {
    const aBytes = layout === "rows" ? 4 * steps : 4 * TILE_ROWS * steps;
    for (const p of aPtr) code.emit(get(p), int(aBytes), op.i32Add, set(p));
    code.emit(get(bPtr), int(4 * PANEL * steps), op.i32Add, set(bPtr));
  };
  /** Emits `body` for each tile row r, with rowPtr at C's row i + r, given that row's accumulators. */
  const forEachRow = (body: (accumulators: number[]) => void) => {
    code.emit(get(cPtr), set(rowPtr));
    for (let r = 0; r < rows; r++) {
      if (r) code.emit(get(rowPtr), get(ldcBytes), op.i32Add, set(rowPtr));
      body(acc[r]);
    }
  };

  code.emit(get(lda), int(2), op.i32Shl, set(ldaBytes));
  code.emit(get(ldc), int(2), op.i32Shl, set(ldcBytes));
  code.emit(get(k), int(-UNROLL), op.i32And, set(kMain));
  code.emit(int(0), set(i), op.loop);
  {
    code.emit(int(0), set(j), op.loop);
    {
      // A at t = 0 for rows i.. (in place: one pointer per row; packed: the panel, a + 4·i·k),
      // B's panel of columns j..j+8 (bp + 4·j·k).
      if (layout === "rows") {
        for (let r = 0; r < rows; r++) {
          code.emit(get(a), get(i), int(r), op.i32Add, get(ldaBytes), op.i32Mul, op.i32Add);
          code.emit(set(aPtr[r]));
        }
      } else {
        code.emit(get(a), get(i), get(k), op.i32Mul, int(2), op.i32Shl, op.i32Add, set(aPtr[0]));
      }
      code.emit(get(bp), get(j), get(k), op.i32Mul, int(2), op.i32Shl, op.i32Add, set(bPtr));
      for (const pair of acc) for (const v of pair) code.emit(op.v128Zero, set(v));
      // The unrolled reduction, then the remainder one step at a time.
      code.emit(int(0), set(t));
      code.emit(op.block, get(kMain), op.i32Eqz, op.brIf(0), op.loop);
      for (let u = 0; u < UNROLL; u++) step(u);
      advance(UNROLL);
      code.emit(get(t), int(UNROLL), op.i32Add, tee(t), get(kMain), op.i32LtU, op.brIf(0));
      code.emit(op.end, op.end);
      code.emit(op.block, get(t), get(k), op.i32GeS, op.brIf(0), op.loop);
      step(0);
      advance(1);
      code.emit(get(t), int(1), op.i32Add, tee(t), get(k), op.i32LtU, op.brIf(0));
      code.emit(op.end, op.end);
      // Store the tile: whole vectors for a full panel, lane by lane for a last, partial one;
      // with `accumulate`, C's old values are added.
      code.emit(get(c), get(i), get(ldcBytes), op.i32Mul, op.i32Add, get(j), int(2), op.i32Shl);
      code.emit(op.i32Add, set(cPtr));
      code.emit(get(j), int(PANEL), op.i32Add, get(n), op.i32LeS, op.if);
      {
        code.emit(get(accumulate), op.if);
        forEachRow((row) => {
          for (let v = 0; v < 2; v++) {
            code.emit(get(row[v]), get(rowPtr), op.v128Load(16 * v), op.f32x4Add);
            code.emit(set(row[v]));
          }
        });
        code.emit(op.end);
        forEachRow((row) => {
          for (let v = 0; v < 2; v++) {
            code.emit(get(rowPtr), get(row[v]), op.v128Store(16 * v));
          }
        });
      }
      code.emit(op.else);
      forEachRow((row) => {
        for (let lane = 0; lane < PANEL; lane++) {
          code.emit(get(j), int(lane), op.i32Add, get(n), op.i32LtS, op.if);
          code.emit(get(row[lane >> 2]), op.f32x4ExtractLane(lane & 3), set(value));
          code.emit(get(rowPtr), get(value), get(rowPtr), op.f32Load(4 * lane), op.f32Add);
          code.emit(get(value), get(accumulate), op.select, op.f32Store(4 * lane));
          code.emit(op.end);
        }
      });
      code.emit(op.end);
    }
    code.emit(get(j), int(PANEL), op.i32Add, tee(j), get(n), op.i32LtS, op.brIf(0), op.end);
  }
  code.emit(get(i), int(rows), op.i32Add, tee(i), get(m), op.i32LtS, op.brIf(0), op.end);
  return { name: `gemm_${layout}_${rows}`, params, results: [], locals, code };
}

/**
 * pack_<width>(src, sk, sn, dst, k, n): the k x n matrix M[t][j] = src[4(t·sk + j·sn)] (strides
 * in floats, so a matrix or its transpose) in panels of `width` columns, the panel of columns
 * j0.. at dst + 4·j0·k holding row t at 4·width·t; columns past n are zero. pack_8 packs B for
 * the products, pack_6 packs Aᵀ (A's rows as columns) for the `packed` layout.
 */
function packFunction(width: number): WasmFunction {
  const params = [I32, I32, I32, I32, I32, I32];
  const [src, sk, sn, dst, k, n] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [j, t, from, to] = locals.many(4, I32);
  const code = new Code();
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
  code.emit(int(0), set(j), op.loop);
  code.emit(int(0), set(t), op.loop);
  // from = src + 4(t·sk + j·sn), to = dst + 4(j·k + width·t)
  code.emit(get(src), get(t), get(sk), op.i32Mul, get(j), get(sn), op.i32Mul, op.i32Add, int(2));
  code.emit(op.i32Shl, op.i32Add, set(from));
  code.emit(get(dst), get(j), get(k), op.i32Mul, get(t), int(width), op.i32Mul, op.i32Add);
  code.emit(int(2), op.i32Shl, op.i32Add, set(to));
  // Contiguous, whole panel: vectors, then single floats; otherwise element by element.
  code.emit(get(sn), int(1), op.i32Eq, get(j), int(width), op.i32Add, get(n), op.i32LeS);
  code.emit(op.i32And, op.if);
  for (let lane = 0; lane < width; lane += lane + 4 <= width ? 4 : 1) {
    if (lane + 4 <= width) {
      code.emit(get(to), get(from), op.v128Load(4 * lane), op.v128Store(4 * lane));
    } else code.emit(get(to), get(from), op.f32Load(4 * lane), op.f32Store(4 * lane));
  }
  code.emit(op.else);
  for (let lane = 0; lane < width; lane++) {
    code.emit(get(to), get(j), int(lane), op.i32Add, get(n), op.i32LtS, op.ifValue(F32));
    code.emit(get(from), get(sn), int(4 * lane), op.i32Mul, op.i32Add, op.f32Load(0));
    code.emit(op.else, op.f32Const(0), op.end, op.f32Store(4 * lane));
  }
  code.emit(op.end);
  code.emit(get(t), int(1), op.i32Add, tee(t), get(k), op.i32LtS, op.brIf(0), op.end);
  code.emit(get(j), int(width), op.i32Add, tee(j), get(n), op.i32LtS, op.brIf(0), op.end);
  return { name: `pack_${width}`, params, results: [], locals, code };
}

/** The geometry parameters shared by im2col and col2im, in order. */
const CONV_PARAMS = [
  "height",
  "width",
  "channels",
  "outHeight",
  "outWidth",
  "filterHeight",
  "filterWidth",
  "strideHeight",
  "strideWidth",
  "dilationHeight",
  "dilationWidth",
  "padTop",
  "padLeft",
  "firstRow",
  "rowCount",
] as const;

/**
 * im2col(x, cols, ...geometry) writes, for output positions m = firstRow.. (m = (b·outH + oh)·outW
 * + ow), row m − firstRow of cols: the patch x[b, oh·sh − pt + ky·dh, ow·sw − pl + kx·dw, :] for
 * ky, kx in order, zeros outside the image. col2im(cols, dx, ...geometry) adds each row back onto
 * the positions it came from (dx must start zeroed).
 */
function patchFunction(direction: "im2col" | "col2im"): WasmFunction {
  const params = [I32, I32, ...CONV_PARAMS.map(() => I32)];
  const [matrixArg, imageArg] = direction === "im2col" ? [1, 0] : [0, 1];
  const p = Object.fromEntries(CONV_PARAMS.map((name, i) => [name, i + 2])) as Record<
    typeof CONV_PARAMS[number],
    number
  >;
  const locals = new Locals(params.length);
  const [m, end, batch, oh, ow, ky, kx, ih, iw, row, pixel, ch, vectorEnd, perImage] = locals.many(
    14,
    I32,
  );
  const code = new Code();
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
  const inside = (coordinate: number, limit: number) => [
    ...get(coordinate),
    ...get(limit),
    ...op.i32LtU, // an unsigned compare also rejects negative coordinates
  ];
  code.emit(get(p.outHeight), get(p.outWidth), op.i32Mul, set(perImage));
  code.emit(get(p.channels), int(-4), op.i32And, set(vectorEnd));
  code.emit(get(p.firstRow), tee(m), get(p.rowCount), op.i32Add, set(end));
  code.emit(get(matrixArg), set(row));
  code.emit(op.block, get(p.rowCount), op.i32Eqz, op.brIf(0), op.loop);
  {
    code.emit(get(m), get(perImage), op.i32DivU, set(batch));
    code.emit(get(m), get(perImage), op.i32RemU, tee(ow), get(p.outWidth), op.i32DivU, set(oh));
    code.emit(get(ow), get(p.outWidth), op.i32RemU, set(ow));
    code.emit(int(0), set(ky), op.loop);
    {
      code.emit(get(oh), get(p.strideHeight), op.i32Mul, get(p.padTop), op.i32Sub);
      code.emit(get(ky), get(p.dilationHeight), op.i32Mul, op.i32Add, set(ih));
      code.emit(int(0), set(kx), op.loop);
      {
        code.emit(get(ow), get(p.strideWidth), op.i32Mul, get(p.padLeft), op.i32Sub);
        code.emit(get(kx), get(p.dilationWidth), op.i32Mul, op.i32Add, set(iw));
        code.emit(inside(ih, p.height), inside(iw, p.width), op.i32And, op.if);
        {
          // pixel = image + 4·((b·H + ih)·W + iw)·C
          code.emit(get(batch), get(p.height), op.i32Mul, get(ih), op.i32Add, get(p.width));
          code.emit(op.i32Mul, get(iw), op.i32Add, get(p.channels), op.i32Mul, int(2), op.i32Shl);
          code.emit(get(imageArg), op.i32Add, set(pixel));
          const [from, to] = direction === "im2col" ? [pixel, row] : [row, pixel];
          const move = (load: number[], add: number[], store: number[], width: number) => {
            code.emit(get(to), get(ch), op.i32Add);
            code.emit(get(from), get(ch), op.i32Add, load);
            if (direction === "col2im") code.emit(get(to), get(ch), op.i32Add, load, add);
            code.emit(store, get(ch), int(width), op.i32Add, set(ch));
          };
          code.emit(int(0), set(ch));
          code.emit(op.block, get(ch), get(vectorEnd), op.i32GeU, op.brIf(0), op.loop);
          move(op.v128Load(0), op.f32x4Add, op.v128Store(0), 16);
          code.emit(get(ch), get(vectorEnd), int(2), op.i32Shl, op.i32LtU, op.brIf(0));
          code.emit(op.end, op.end);
          code.emit(op.block, get(ch), get(p.channels), int(2), op.i32Shl, op.i32GeU, op.brIf(0));
          code.emit(op.loop);
          move(op.f32Load(0), op.f32Add, op.f32Store(0), 4);
          code.emit(get(ch), get(p.channels), int(2), op.i32Shl, op.i32LtU, op.brIf(0));
          code.emit(op.end, op.end);
        }
        if (direction === "im2col") {
          code.emit(op.else, get(row), int(0), get(p.channels), int(2), op.i32Shl, op.memoryFill);
        }
        code.emit(op.end);
        code.emit(get(row), get(p.channels), int(2), op.i32Shl, op.i32Add, set(row));
        code.emit(get(kx), int(1), op.i32Add, tee(kx), get(p.filterWidth), op.i32LtS, op.brIf(0));
        code.emit(op.end);
      }
      code.emit(get(ky), int(1), op.i32Add, tee(ky), get(p.filterHeight), op.i32LtS, op.brIf(0));
      code.emit(op.end);
    }
    code.emit(get(m), int(1), op.i32Add, tee(m), get(end), op.i32LtS, op.brIf(0), op.end, op.end);
  }
  return { name: direction, params, results: [], locals, code };
}

/**
 * Emits the row loops the elementwise kernels share: for each of `rows` rows, `body(j, 16)` for
 * every whole vector of the row's `rowBytes` (j its byte offset in the row), then `body(j, 4)` for
 * the floats left, then `nextRow()` to move the kernel's row pointers on.
 */
function emitRowLoops(
  code: Code,
  locals: Locals,
  { rows, rowBytes }: { rows: number; rowBytes: number },
  body: (j: number, width: 16 | 4) => void,
  nextRow: () => void,
): void {
  const [i, j, vectorBytes] = locals.many(3, I32);
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
  code.emit(get(rowBytes), int(-16), op.i32And, set(vectorBytes), int(0), set(i));
  code.emit(op.block, get(rows), op.i32Eqz, op.brIf(0), op.loop);
  code.emit(int(0), set(j));
  code.emit(op.block, get(vectorBytes), op.i32Eqz, op.brIf(0), op.loop);
  body(j, 16);
  code.emit(get(j), int(16), op.i32Add, tee(j), get(vectorBytes), op.i32LtU, op.brIf(0));
  code.emit(op.end, op.end);
  code.emit(op.block, get(j), get(rowBytes), op.i32GeU, op.brIf(0), op.loop);
  body(j, 4);
  code.emit(get(j), int(4), op.i32Add, tee(j), get(rowBytes), op.i32LtU, op.brIf(0));
  code.emit(op.end, op.end);
  nextRow();
  code.emit(get(i), int(1), op.i32Add, tee(i), get(rows), op.i32LtU, op.brIf(0), op.end, op.end);
}

/** A load or store of a vector (width 16) or a float (width 4). */
const load = (width: 16 | 4) => (width === 16 ? op.v128Load(0) : op.f32Load(0));
const store = (width: 16 | 4) => (width === 16 ? op.v128Store(0) : op.f32Store(0));
const add = (width: 16 | 4) => (width === 16 ? op.f32x4Add : op.f32Add);

/** sum_rows(x, out, rows, cols): out[j] = Σ_i x[4(i·cols + j)], added in row order. */
function sumRowsFunction(): WasmFunction {
  const params = [I32, I32, I32, I32];
  const [x, out, rows, cols] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [from, rowBytes] = locals.many(2, I32);
  const code = new Code();
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
  code.emit(get(out), int(0), get(cols), int(2), op.i32Shl, tee(rowBytes), op.memoryFill);
  code.emit(get(x), set(from));
  emitRowLoops(code, locals, { rows, rowBytes }, (j, width) => {
    code.emit(get(out), get(j), op.i32Add, get(out), get(j), op.i32Add, load(width));
    code.emit(get(from), get(j), op.i32Add, load(width), add(width), store(width));
  }, () => code.emit(get(from), get(rowBytes), op.i32Add, set(from)));
  return { name: "sum_rows", params, results: [], locals, code };
}

/**
 * copy_rows(src, srcStride, dst, dstStride, rows, width): copies `rows` rows of `width` 4-byte
 * values from src (rows `srcStride` values apart) to dst (`dstStride` apart); regions must not
 * overlap.
 */
function copyRowsFunction(): WasmFunction {
  const params = [I32, I32, I32, I32, I32, I32];
  const [src, srcStride, dst, dstStride, rows, width] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [from, to, rowBytes] = locals.many(3, I32);
  const code = new Code();
  const { localGet: get, localSet: set, i32Const: int } = op;
  code.emit(get(width), int(2), op.i32Shl, set(rowBytes));
  code.emit(get(src), set(from), get(dst), set(to));
  emitRowLoops(code, locals, { rows, rowBytes }, (j, size) => {
    code.emit(get(to), get(j), op.i32Add, get(from), get(j), op.i32Add, load(size), store(size));
  }, () => {
    code.emit(get(from), get(srcStride), int(2), op.i32Shl, op.i32Add, set(from));
    code.emit(get(to), get(dstStride), int(2), op.i32Shl, op.i32Add, set(to));
  });
  return { name: "copy_rows", params, results: [], locals, code };
}

/** Activations of bias_activation. */
export const ACTIVATIONS = { linear: 0, relu: 1, leakyrelu: 2, prelu: 3 } as const;

/**
 * bias_activation(x, bias, hasBias, slopes, rows, cols, activation, alpha): x[i][j] = act(x[i][j]
 * + bias[j]) in place, act one of {@linkcode ACTIVATIONS}: leaky relu as max(v, α·v) (so
 * 0 ≤ α ≤ 1), prelu as max(v, 0) + slopes[j]·min(v, 0).
 */
function biasActivationFunction(): WasmFunction {
  const params = [I32, I32, I32, I32, I32, I32, I32, F32];
  const [x, bias, hasBias, slopes, rows, cols, activation, alpha] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [row, rowBytes] = locals.many(2, I32);
  const [v, alphas] = locals.many(2, V128);
  const f = locals.add(F32);
  const code = new Code();
  const { localGet: get, localSet: set, i32Const: int } = op;
  code.emit(get(alpha), op.f32x4Splat, set(alphas));
  code.emit(get(cols), int(2), op.i32Shl, set(rowBytes), get(x), set(row));
  emitRowLoops(code, locals, { rows, rowBytes }, (j, width) => {
    const vector = width === 16;
    const [value, a] = vector ? [v, alphas] : [f, alpha];
    const [max, min, mul, zero] = vector
      ? [op.f32x4Max, op.f32x4Min, op.f32x4Mul, op.v128Zero]
      : [op.f32Max, op.f32Min, op.f32Mul, op.f32Const(0)];
    code.emit(get(row), get(j), op.i32Add, load(width), set(value));
    code.emit(get(hasBias), op.if, get(value), get(bias), get(j), op.i32Add, load(width));
    code.emit(add(width), set(value), op.end);
    code.emit(get(activation), int(ACTIVATIONS.relu), op.i32Eq, op.if);
    code.emit(get(value), zero, max, set(value));
    code.emit(op.end, get(activation), int(ACTIVATIONS.leakyrelu), op.i32Eq, op.if);
    code.emit(get(value), get(value), get(a), mul, max, set(value));
    code.emit(op.end, get(activation), int(ACTIVATIONS.prelu), op.i32Eq, op.if);
    code.emit(get(value), zero, max, get(slopes), get(j), op.i32Add, load(width));
    code.emit(get(value), zero, min, mul, add(width), set(value));
    code.emit(op.end);
    code.emit(get(row), get(j), op.i32Add, get(value), store(width));
  }, () => code.emit(get(row), get(rowBytes), op.i32Add, set(row)));
  return { name: "bias_activation", params, results: [], locals, code };
}

/** Activations of activation_grad (their derivative read from the activation's output y). */
export const ACTIVATION_GRADS = { relu: 1, leakyrelu: 2, tanh: 3 } as const;

/**
 * activation_grad(dy, y, out, n, activation, alpha): out[i] = dy[i]·act'(y[i]) for n floats, given
 * the activation's output y: relu dy·(y > 0 ? 1 : 0), leaky relu dy·(y > 0 ? 1 : α), tanh
 * dy·(1 − y²), the products tfjs' own gradients form (so the results are the same bits).
 */
function activationGradFunction(): WasmFunction {
  const params = [I32, I32, I32, I32, I32, F32];
  const [dy, y, out, n, activation, alpha] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [rowBytes, one] = locals.many(2, I32);
  const [v, ones, alphas] = locals.many(3, V128);
  const f = locals.add(F32);
  const code = new Code();
  const { localGet: get, localSet: set, i32Const: int } = op;
  code.emit(int(1), set(one));
  code.emit(op.f32Const(1), op.f32x4Splat, set(ones), get(alpha), op.f32x4Splat, set(alphas));
  code.emit(get(n), int(2), op.i32Shl, set(rowBytes));
  emitRowLoops(code, locals, { rows: one, rowBytes }, (j, width) => {
    const vector = width === 16;
    const value = vector ? v : f;
    const [mul, sub] = vector ? [op.f32x4Mul, op.f32x4Sub] : [op.f32Mul, op.f32Sub];
    /** Leaves y > 0 ? 1 : `otherwise` on the stack. */
    const factor = (otherwise: number[]) => {
      if (vector) {
        code.emit(get(ones), otherwise, get(y), get(j), op.i32Add, load(width), op.v128Zero);
        code.emit(op.f32x4Gt, op.v128Bitselect);
      } else {
        code.emit(op.f32Const(1), otherwise, get(y), get(j), op.i32Add, load(width));
        code.emit(op.f32Const(0), op.f32Gt, op.select);
      }
    };
    code.emit(get(dy), get(j), op.i32Add, load(width), set(value));
    code.emit(get(activation), int(ACTIVATION_GRADS.relu), op.i32Eq, op.if, get(value));
    factor(vector ? op.v128Zero : op.f32Const(0));
    code.emit(mul, set(value), op.end);
    code.emit(get(activation), int(ACTIVATION_GRADS.leakyrelu), op.i32Eq, op.if, get(value));
    factor(vector ? get(alphas) : get(alpha));
    code.emit(mul, set(value), op.end);
    code.emit(get(activation), int(ACTIVATION_GRADS.tanh), op.i32Eq, op.if, get(value));
    code.emit(vector ? get(ones) : op.f32Const(1), get(y), get(j), op.i32Add, load(width));
    code.emit(get(y), get(j), op.i32Add, load(width), mul, sub, mul, set(value), op.end);
    code.emit(get(out), get(j), op.i32Add, get(value), store(width));
  }, () => {});
  return { name: "activation_grad", params, results: [], locals, code };
}

/** What an optimiser step's body emits with, for one vector (width 16) or float (width 4). */
interface StepEmitter {
  width: 16 | 4;
  /** The address of the current element of pointer parameter `p`. */
  at(p: number): number[][];
  /** Constant parameter `c` (splatted across the lanes for a vector). */
  constant(c: number): number[];
  /** Scratch locals of the step's type. */
  scratch: number[];
  mul: number[];
  div: number[];
  add: number[];
  sub: number[];
  sqrt: number[];
}

/**
 * An elementwise function over n floats: name(p0, ..., p{pointers−1}, n, c0, ..., c{constants−1}),
 * with `step` emitting the work on each vector of four floats, then on each float left.
 */
function streamFunction(
  name: string,
  counts: { pointers: number; constants: number; scratch: number },
  step: (code: Code, emitter: StepEmitter) => void,
): WasmFunction {
  const params = [
    ...Array(counts.pointers).fill(I32),
    I32,
    ...Array(counts.constants).fill(F32),
  ];
  const n = counts.pointers;
  const constants = Array.from({ length: counts.constants }, (_, i) => n + 1 + i);
  const locals = new Locals(params.length);
  const [rowBytes, one] = locals.many(2, I32);
  const splats = locals.many(counts.constants, V128);
  const vectors = locals.many(counts.scratch, V128);
  const floats = locals.many(counts.scratch, F32);
  const code = new Code();
  const { localGet: get, localSet: set, i32Const: int } = op;
  constants.forEach((c, i) => code.emit(get(c), op.f32x4Splat, set(splats[i])));
  code.emit(int(1), set(one), get(n), int(2), op.i32Shl, set(rowBytes));
  emitRowLoops(code, locals, { rows: one, rowBytes }, (j, width) => {
    const vector = width === 16;
    step(code, {
      width,
      at: (p) => [get(p), get(j), op.i32Add],
      constant: (c) => get(vector ? splats[c] : constants[c]),
      scratch: vector ? vectors : floats,
      mul: vector ? op.f32x4Mul : op.f32Mul,
      div: vector ? op.f32x4Div : op.f32Div,
      add: add(width),
      sub: vector ? op.f32x4Sub : op.f32Sub,
      sqrt: vector ? op.f32x4Sqrt : op.f32Sqrt,
    });
  }, () => {});
  return { name, params, results: [], locals, code };
}

/**
 * adam(g, m, v, w, mOut, vOut, wOut, n, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize,
 * biasCorrection2, epsilon): one Adam step over n floats, in the order of operations of the
 * composed tfjs ops it replaces (so the results are the same bits): m' = m·β1 + g·(1−β1),
 * v' = v·β2 + g²·(1−β2), w' = w − (m'·stepSize) / (sqrt(v' / biasCorrection2) + ε).
 */
function adamFunction(): WasmFunction {
  const [g, m, v, w, mOut, vOut, wOut] = [0, 1, 2, 3, 4, 5, 6];
  const counts = { pointers: 7, constants: 7, scratch: 3 };
  return streamFunction("adam", counts, (code, e) => {
    const { localGet: get, localSet: set } = op;
    const [gl, ml, vl] = e.scratch;
    const { width, mul, div, add, sub, sqrt } = e;
    const k = e.constant;
    code.emit(...e.at(g), load(width), set(gl));
    // m' = m·β1 + g·(1−β1)
    code.emit(...e.at(m), load(width), k(0), mul, get(gl), k(1), mul, add, set(ml));
    code.emit(...e.at(mOut), get(ml), store(width));
    // v' = v·β2 + (g·g)·(1−β2)
    code.emit(...e.at(v), load(width), k(2), mul, get(gl), get(gl), mul, k(3), mul, add);
    code.emit(set(vl), ...e.at(vOut), get(vl), store(width));
    // w' = w − (m'·stepSize) / (sqrt(v' / bc2) + ε)
    code.emit(...e.at(wOut), ...e.at(w), load(width), get(ml), k(4), mul);
    code.emit(get(vl), k(5), div, sqrt, k(6), add, div, sub, store(width));
  });
}

/**
 * rmsprop(g, v, w, vOut, wOut, n, alpha, oneMinusAlpha, learningRate, epsilon): one RMSprop step
 * over n floats in the composed tfjs ops' order of operations: v' = v·α + g²·(1−α),
 * w' = w − (g·lr) / (sqrt(v') + ε).
 */
function rmspropFunction(): WasmFunction {
  const [g, v, w, vOut, wOut] = [0, 1, 2, 3, 4];
  const counts = { pointers: 5, constants: 4, scratch: 2 };
  return streamFunction("rmsprop", counts, (code, e) => {
    const { localGet: get, localSet: set } = op;
    const [gl, vl] = e.scratch;
    const { width, mul, div, add, sub, sqrt } = e;
    const k = e.constant;
    code.emit(...e.at(g), load(width), set(gl));
    // v' = v·α + (g·g)·(1−α)
    code.emit(...e.at(v), load(width), k(0), mul, get(gl), get(gl), mul, k(1), mul, add);
    code.emit(set(vl), ...e.at(vOut), get(vl), store(width));
    // w' = w − (g·lr) / (sqrt(v') + ε)
    code.emit(...e.at(wOut), ...e.at(w), load(width), get(gl), k(2), mul);
    code.emit(get(vl), sqrt, k(3), add, div, sub, store(width));
  });
}

/** What a row-wise function's body emits with, for one vector (width 16) or float (width 4). */
interface RowEmitter {
  width: 16 | 4;
  /** The address of the current element of row pointer `p` (a matrix, one row per pass). */
  row(p: number): number[][];
  /** The address of the current column's element of column pointer `c` (a vector of `cols`). */
  col(c: number): number[][];
  /** The constant 2 (splatted across the lanes for a vector). */
  two: number[];
  /** Scratch locals of the body's type. */
  scratch: number[];
  mul: number[];
  div: number[];
  add: number[];
  sub: number[];
}

/**
 * A function over the rows of `rows` x `cols` matrices: name(r0, ..., c0, ..., rows, cols), where
 * the row pointers r move on a row at a time and the column pointers c (vectors of `cols`) stay;
 * the column vectors listed in `zeroed` are filled with 0 first (accumulators); `body` emits the
 * work on each vector of four columns of a row, then on each column left. Each column sees the
 * rows in order, so a column sum adds them as `sum_rows` does.
 */
function rowwiseFunction(
  name: string,
  counts: { rowPointers: number; columnPointers: number; zeroed: number[]; scratch: number },
  body: (code: Code, emitter: RowEmitter) => void,
): WasmFunction {
  const pointers = counts.rowPointers + counts.columnPointers;
  const params = Array(pointers + 2).fill(I32);
  const [rows, cols] = [pointers, pointers + 1];
  const locals = new Locals(params.length);
  const rowBytes = locals.add(I32);
  const twos = locals.add(V128);
  const vectors = locals.many(counts.scratch, V128);
  const floats = locals.many(counts.scratch, F32);
  const code = new Code();
  const { localGet: get, localSet: set, i32Const: int } = op;
  code.emit(get(cols), int(2), op.i32Shl, set(rowBytes));
  code.emit(op.f32Const(2), op.f32x4Splat, set(twos));
  for (const c of counts.zeroed) {
    code.emit(get(counts.rowPointers + c), int(0), get(rowBytes), op.memoryFill);
  }
  emitRowLoops(code, locals, { rows, rowBytes }, (j, width) => {
    const vector = width === 16;
    body(code, {
      width,
      row: (p) => [get(p), get(j), op.i32Add],
      col: (c) => [get(counts.rowPointers + c), get(j), op.i32Add],
      two: vector ? get(twos) : op.f32Const(2),
      scratch: vector ? vectors : floats,
      mul: vector ? op.f32x4Mul : op.f32Mul,
      div: vector ? op.f32x4Div : op.f32Div,
      add: add(width),
      sub: vector ? op.f32x4Sub : op.f32Sub,
    });
  }, () => {
    for (let p = 0; p < counts.rowPointers; p++) {
      code.emit(get(p), get(rowBytes), op.i32Add, set(p));
    }
  });
  return { name, params, results: [], locals, code };
}

/**
 * maxout(x, out, dy, rows, units, pieces, gradient): over rows of `pieces · units` values grouped
 * piece by piece (unit u's pieces at columns u, units + u, ...), each unit's first largest piece:
 * the piece p that wins `best < x[p]` in order, as chained maximums pick it. Forward (gradient 0):
 * out[i][u] = that piece's value. Gradient (1): out[i][p·units + u] = dy[i][u] + 0 at the winning
 * piece (+ 0: −0 becomes 0, as adding the other pieces' zero gradients does in tfjs), 0 at the
 * others.
 */
function maxoutFunction(): WasmFunction {
  const params = [I32, I32, I32, I32, I32, I32, I32];
  const [x, out, dy, rows, units, pieces, gradient] = params.map((_, i) => i);
  const locals = new Locals(params.length);
  const [unitBytes, pieceRow, ptr, p] = locals.many(4, I32);
  const [best, v, mask, win, g] = locals.many(5, V128);
  const [bestF, vF, gF] = locals.many(3, F32);
  const winI = locals.add(I32);
  const code = new Code();
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
  code.emit(get(units), int(2), op.i32Shl, set(unitBytes));
  code.emit(get(unitBytes), get(pieces), op.i32Mul, set(pieceRow));
  /** A loop over pieces from p = `from`, `ptr` stepping a piece at a time; `body` per piece. */
  const pieceLoop = (from: number, body: () => void) => {
    code.emit(int(from), set(p), op.block, get(p), get(pieces), op.i32GeU, op.brIf(0), op.loop);
    body();
    code.emit(get(ptr), get(unitBytes), op.i32Add, set(ptr));
    code.emit(get(p), int(1), op.i32Add, tee(p), get(pieces), op.i32LtU, op.brIf(0));
    code.emit(op.end, op.end);
  };
  emitRowLoops(code, locals, { rows, rowBytes: unitBytes }, (j, width) => {
    const vector = width === 16;
    // The winner: best and its piece, over the pieces in order.
    code.emit(get(x), get(j), op.i32Add, tee(ptr), load(width), set(vector ? best : bestF));
    code.emit(vector ? op.v128Zero : int(0), set(vector ? win : winI));
    code.emit(get(ptr), get(unitBytes), op.i32Add, set(ptr));
    pieceLoop(1, () => {
      if (vector) {
        code.emit(get(ptr), load(16), set(v), get(best), get(v), op.f32x4Lt, set(mask));
        code.emit(get(v), get(best), get(mask), op.v128Bitselect, set(best));
        code.emit(get(p), op.i32x4Splat, get(win), get(mask), op.v128Bitselect, set(win));
      } else {
        code.emit(get(ptr), load(4), set(vF));
        code.emit(get(p), get(winI), get(bestF), get(vF), op.f32Lt, op.select, set(winI));
        code.emit(get(vF), get(bestF), get(bestF), get(vF), op.f32Lt, op.select, set(bestF));
      }
    });
    code.emit(get(gradient), op.i32Eqz, op.if);
    code.emit(get(out), get(j), op.i32Add, get(vector ? best : bestF), store(width));
    code.emit(op.else);
    code.emit(get(dy), get(j), op.i32Add, load(width));
    code.emit(vector ? op.v128Zero : op.f32Const(0), add(width), set(vector ? g : gF));
    code.emit(get(out), get(j), op.i32Add, set(ptr));
    pieceLoop(0, () => {
      code.emit(get(ptr));
      if (vector) {
        code.emit(get(g), op.v128Zero, get(win), get(p), op.i32x4Splat, op.i32x4Eq);
        code.emit(op.v128Bitselect);
      } else {
        code.emit(get(gF), op.f32Const(0), get(winI), get(p), op.i32Eq, op.select);
      }
      code.emit(store(width));
    });
    code.emit(op.end);
  }, () => {
    code.emit(get(x), get(pieceRow), op.i32Add, set(x));
    code.emit(get(dy), get(unitBytes), op.i32Add, set(dy));
    code.emit(get(out), get(gradient), op.ifValue(I32), get(pieceRow), op.else, get(unitBytes));
    code.emit(op.end, op.i32Add, set(out));
  });
  return { name: "maxout", params, results: [], locals, code };
}

/** Batch norm's passes, each the function `bn_<pass>` of the module. */
export const BATCH_NORM_PASSES = [
  "square_deviations",
  "affine",
  "grad_sums",
  "grad_deviations",
  "grad_input",
] as const;
/** One of batch norm's passes. */
export type BatchNormPass = typeof BATCH_NORM_PASSES[number];

/**
 * Batch norm's passes over a batch x (rows: samples, columns: features), in the order of
 * operations of the composed tfjs ops (`tf.moments`, then ((x − mean) / stdev)·scale + shift,
 * and their gradients as tfjs forms them), so that they give the same bits:
 *
 * - `bn_square_deviations(x, mean, out, rows, cols)`: out[j] = Σ_i (x[i][j] − mean[j])², rows in
 *   order (what `tf.moments` averages for the variance);
 * - `bn_affine(x, out, mean, stdev, scale, shift, rows, cols)`: out = ((x − mean) / stdev)·scale +
 *   shift;
 * - `bn_grad_sums(dy, x, mean, stdev, scale, sumDy, sumDyB, sumDbA, sumDa, rows, cols)`: with
 *   a = x − mean, b = a / stdev, db = dy·scale, da = db / stdev, the column sums of dy, dy·b,
 *   db·a and da (the gradients of shift, scale, stdev and mean through the affine map);
 * - `bn_grad_deviations(x, mean, dv, out, rows, cols)`: out[j] = Σ_i dv[j]·((x[i][j] − mean[j])·2),
 *   the variance's gradient through the squared deviations (dv: the variance's gradient / rows);
 * - `bn_grad_input(dy, x, dx, mean, stdev, scale, dv, dm, rows, cols)`: dx = (dy·scale / stdev +
 *   dv·((x − mean)·2)) + dm, x's three gradients added in the order tfjs' tape adds them (dm: the
 *   mean's gradient / rows).
 */
function batchNormFunctions(): WasmFunction[] {
  const { localGet: get, localSet: set } = op;
  const squareDeviations = rowwiseFunction(
    "bn_square_deviations",
    { rowPointers: 1, columnPointers: 2, zeroed: [1], scratch: 1 },
    (code, e) => {
      const [a] = e.scratch;
      code.emit(...e.row(0), load(e.width), ...e.col(0), load(e.width), e.sub, set(a));
      code.emit(...e.col(1), ...e.col(1), load(e.width), get(a), get(a), e.mul, e.add);
      code.emit(store(e.width));
    },
  );
  const affine = rowwiseFunction(
    "bn_affine",
    { rowPointers: 2, columnPointers: 4, zeroed: [], scratch: 0 },
    (code, e) => {
      code.emit(...e.row(1), ...e.row(0), load(e.width), ...e.col(0), load(e.width), e.sub);
      code.emit(...e.col(1), load(e.width), e.div, ...e.col(2), load(e.width), e.mul);
      code.emit(...e.col(3), load(e.width), e.add, store(e.width));
    },
  );
  const gradSums = rowwiseFunction(
    "bn_grad_sums",
    { rowPointers: 2, columnPointers: 7, zeroed: [3, 4, 5, 6], scratch: 3 },
    (code, e) => {
      const [a, d, db] = e.scratch;
      const w = e.width;
      /** column sum `c` += the value the emitted code leaves on the stack */
      const accumulate = (c: number, value: number[][]) =>
        code.emit(...e.col(c), ...e.col(c), load(w), ...value, e.add, store(w));
      code.emit(...e.row(1), load(w), ...e.col(0), load(w), e.sub, set(a));
      code.emit(...e.row(0), load(w), set(d));
      code.emit(get(d), ...e.col(2), load(w), e.mul, set(db));
      accumulate(3, [get(d)]);
      accumulate(4, [get(d), get(a), ...e.col(1), load(w), e.div, e.mul]);
      accumulate(5, [get(db), get(a), e.mul]);
      accumulate(6, [get(db), ...e.col(1), load(w), e.div]);
    },
  );
  const gradDeviations = rowwiseFunction(
    "bn_grad_deviations",
    { rowPointers: 1, columnPointers: 3, zeroed: [2], scratch: 0 },
    (code, e) => {
      const w = e.width;
      code.emit(...e.col(2), ...e.col(2), load(w), ...e.col(1), load(w));
      code.emit(...e.row(0), load(w), ...e.col(0), load(w), e.sub, e.two, e.mul, e.mul);
      code.emit(e.add, store(w));
    },
  );
  const gradInput = rowwiseFunction(
    "bn_grad_input",
    { rowPointers: 3, columnPointers: 5, zeroed: [], scratch: 0 },
    (code, e) => {
      const w = e.width;
      code.emit(...e.row(2), ...e.row(0), load(w), ...e.col(2), load(w), e.mul);
      code.emit(...e.col(1), load(w), e.div, ...e.col(3), load(w));
      code.emit(...e.row(1), load(w), ...e.col(0), load(w), e.sub, e.two, e.mul, e.mul, e.add);
      code.emit(...e.col(4), load(w), e.add, store(w));
    },
  );
  return [squareDeviations, affine, gradSums, gradDeviations, gradInput];
}

/** The kernel module's bytes, with fused or separate multiply-adds. */
export function kernelModule(fused: boolean): Uint8Array<ArrayBuffer> {
  const functions: WasmFunction[] = [];
  for (const layout of ["rows", "packed"] as const) {
    for (let rows = 1; rows <= TILE_ROWS; rows++) functions.push(gemmFunction(layout, rows, fused));
  }
  functions.push(packFunction(TILE_ROWS), packFunction(PANEL));
  functions.push(patchFunction("im2col"), patchFunction("col2im"));
  functions.push(sumRowsFunction(), copyRowsFunction(), biasActivationFunction());
  functions.push(activationGradFunction(), adamFunction(), rmspropFunction());
  functions.push(...batchNormFunctions(), maxoutFunction());
  return wasmModule(functions);
}
