/**
 * The float64 kernels behind ganbench's feature metrics (FID's covariance, KID's kernel sums, the
 * distances of precision/recall and density/coverage): products of feature rows in WebAssembly
 * SIMD, in a memory of their own ({@linkcode RowProducts}), and {@linkcode kernelDot}, the same
 * dot product in JavaScript in the kernels' order of additions.
 *
 * @module
 */
import {
  Code,
  F64,
  I32,
  Locals,
  op as wasm,
  V128,
  type WasmFunction,
  wasmModule,
} from "./_wasm_asm.ts";
import { relaxedSimdAvailable } from "./relaxed_simd.ts";

/** n rows of d values, row-major: what {@linkcode RowProducts.copyRows} copies. */
export interface RowMajorMatrix {
  data: Float64Array | Float32Array;
  /** Rows. */
  n: number;
  /** Values per row. */
  d: number;
}

/** `v` rounded up to a multiple of `k` (the package imports nothing from ganbench's src/). */
function roundUp(v: number, k: number): number {
  return Math.ceil(v / k) * k;
}

// The WebAssembly kernels, emitted below as bytes.
//
// (func $dots (param $a $b $c $m $n $len $ld $ldc $accumulate i32)
//   for i in 0..m step 2, j in 0..n step 4:           ;; a 2 x 4 tile of dot products
//     acc[r][k] = f64x2(0)                             ;; 8 accumulators, 2 lanes each
//     for t in 0..len step 2:                          ;; lane 0 sums even t, lane 1 odd t
//       acc[r][k] += a[(i + r)·ld + t .. +2] * b[(j + k)·ld + t .. +2]
//     c[(i + r)·ldc + j + k] = lane0 + lane1 (+ the old value when $accumulate))
// (func $distances (param $a $b $c $na $nb $m $n $len $ld $ldc i32)
//   the same tiles; c = max(na[i + r] + nb[j + k] − 2 · dot, 0): squared distances from norms)
// (func $poly3 (param $a $b $m $n $len $ld i32) (param $scale f64) (result f64)
//   the same tiles; returns Σ (scale · dot + 1)³ over them)
//
// The multiply-add is relaxed SIMD's f64x2.relaxed_madd where the engine has it: one rounding on
// hardware with fused multiply-add (every x86-64 since 2013, every ARM64), a multiply and an add
// elsewhere, so a result is the same on every run of one machine, but may differ in the last bit
// between machines with and without FMA. Otherwise separate f64x2 multiplies and adds. Either way,
// the dot product of two rows does not depend on where they sit in a tile, and a·b = b·a exactly.

/** Rows (of a) and columns (rows of b) of the register tile. */
const TILE_ROWS = 2, TILE_COLS = 4;

type KernelKind = "dots" | "distances" | "poly3";

/** Parameter names of each kernel, in order (all i32 but poly3's f64 scale). */
const PARAMS: Record<KernelKind, string[]> = {
  dots: ["a", "b", "c", "m", "n", "len", "ld", "ldc", "accumulate"],
  distances: ["a", "b", "c", "na", "nb", "m", "n", "len", "ld", "ldc"],
  poly3: ["a", "b", "m", "n", "len", "ld", "scale"],
};

/** One kernel, with fused (relaxed) or separate multiply-adds. */
function kernelFunction(kind: KernelKind, fused: boolean): WasmFunction {
  const names = PARAMS[kind];
  const p = Object.fromEntries(names.map((name, index) => [name, index]));
  const params = names.map((name) => (name === "scale" ? F64 : I32));
  const locals = new Locals(params.length);
  const [i, j, t, rowBytes, lenBytes, pc, pna, pnb] = locals.many(8, I32);
  const pa = locals.many(TILE_ROWS, I32);
  const pb = locals.many(TILE_COLS, I32);
  const acc = Array.from({ length: TILE_ROWS }, () => locals.many(TILE_COLS, V128));
  const va = locals.many(TILE_ROWS, V128);
  const vb = locals.add(V128);
  const [total, u] = locals.many(2, F64);
  const code = new Code();
  const emit = (...parts: number[][]) => code.emit(...parts);
  const { localGet: get, localSet: set, localTee: tee, i32Const: int } = wasm;
  const lane = (v: number) =>
    emit(get(v), wasm.f64x2ExtractLane(0), get(v), wasm.f64x2ExtractLane(1), wasm.f64Add);
  emit(get(p.ld), int(3), wasm.i32Shl, set(rowBytes));
  emit(get(p.len), int(3), wasm.i32Shl, set(lenBytes));
  if (kind === "poly3") emit(wasm.f64Const(0), set(total));
  emit(int(0), set(i), wasm.loop);
  emit(get(p.a), get(i), get(rowBytes), wasm.i32Mul, wasm.i32Add, set(pa[0]));
  for (let r = 1; r < TILE_ROWS; r++) {
    emit(get(pa[r - 1]), get(rowBytes), wasm.i32Add, set(pa[r]));
  }
  emit(int(0), set(j), wasm.loop);
  emit(get(p.b), get(j), get(rowBytes), wasm.i32Mul, wasm.i32Add, set(pb[0]));
  for (let k = 1; k < TILE_COLS; k++) {
    emit(get(pb[k - 1]), get(rowBytes), wasm.i32Add, set(pb[k]));
  }
  for (const v of acc.flat()) emit(wasm.v128Zero, set(v));
  emit(int(0), set(t), wasm.loop);
  for (let r = 0; r < TILE_ROWS; r++) {
    emit(get(pa[r]), get(t), wasm.i32Add, wasm.v128Load(0), set(va[r]));
  }
  for (let k = 0; k < TILE_COLS; k++) {
    emit(get(pb[k]), get(t), wasm.i32Add, wasm.v128Load(0), set(vb));
    for (let r = 0; r < TILE_ROWS; r++) {
      if (fused) emit(get(va[r]), get(vb), get(acc[r][k]), wasm.f64x2RelaxedMadd);
      else emit(get(va[r]), get(vb), wasm.f64x2Mul, get(acc[r][k]), wasm.f64x2Add);
      emit(set(acc[r][k]));
    }
  }
  emit(get(t), int(16), wasm.i32Add, tee(t), get(lenBytes), wasm.i32LtU, wasm.brIf(0), wasm.end);
  if (kind === "poly3") {
    for (const v of acc.flat()) {
      lane(v);
      emit(get(p.scale), wasm.f64Mul, wasm.f64Const(1), wasm.f64Add, tee(u), get(u), wasm.f64Mul);
      emit(get(u), wasm.f64Mul, get(total), wasm.f64Add, set(total));
    }
  } else {
    emit(get(p.c), get(i), get(p.ldc), wasm.i32Mul, get(j), wasm.i32Add, int(3), wasm.i32Shl);
    emit(wasm.i32Add, set(pc));
    if (kind === "distances") {
      emit(get(p.na), get(i), int(3), wasm.i32Shl, wasm.i32Add, set(pna));
      emit(get(p.nb), get(j), int(3), wasm.i32Shl, wasm.i32Add, set(pnb));
    }
    for (let r = 0; r < TILE_ROWS; r++) {
      if (r) emit(get(pc), get(p.ldc), int(3), wasm.i32Shl, wasm.i32Add, set(pc));
      for (let k = 0; k < TILE_COLS; k++) {
        emit(get(pc));
        if (kind === "distances") {
          // max(na + nb − 2 · dot, 0)
          emit(get(pna), wasm.f64Load(8 * r), get(pnb), wasm.f64Load(8 * k), wasm.f64Add);
          emit(wasm.f64Const(2));
          lane(acc[r][k]);
          emit(wasm.f64Mul, wasm.f64Sub, wasm.f64Const(0), wasm.f64Max);
        } else {
          // dot + old, or dot: select(dot + old, dot, accumulate)
          lane(acc[r][k]);
          emit(get(pc), wasm.f64Load(8 * k), wasm.f64Add);
          lane(acc[r][k]);
          emit(get(p.accumulate), wasm.select);
        }
        emit(wasm.f64Store(8 * k));
      }
    }
  }
  emit(get(j), int(TILE_COLS), wasm.i32Add, tee(j), get(p.n), wasm.i32LtU, wasm.brIf(0), wasm.end);
  emit(get(i), int(TILE_ROWS), wasm.i32Add, tee(i), get(p.m), wasm.i32LtU, wasm.brIf(0), wasm.end);
  if (kind === "poly3") emit(get(total));
  return { name: kind, params, results: kind === "poly3" ? [F64] : [], locals, code };
}

/** The kernel module's bytes: imports env.memory, exports dots, distances and poly3. */
function kernelModule(fused: boolean): Uint8Array<ArrayBuffer> {
  const kinds: KernelKind[] = ["dots", "distances", "poly3"];
  return wasmModule(kinds.map((kind) => kernelFunction(kind, fused)));
}

const compiled: { fused?: WebAssembly.Module; separate?: WebAssembly.Module } = {};

/** The kernels' loops run at least once and step by whole tiles: check what they are given. */
function checkShape(a: number, b: number, m: number, n: number, len: number, ld: number): void {
  if (
    m % TILE_ROWS || n % TILE_COLS || len < 2 || len % 2 || len > ld || a % 2 || b % 2 || ld % 2
  ) {
    throw new RangeError(
      `row products need m even, n a multiple of 4, 2 <= len <= ld, len, ld and offsets even; got m = ${m}, n = ${n}, len = ${len}, ld = ${ld}`,
    );
  }
}

/**
 * A float64 workspace in WebAssembly memory with the row-product kernels: products of feature
 * rows in f64x2 SIMD over a 2 x 4 register tile, about 15 GFLOP/s with separate multiply-adds and
 * 20 with fused ones on one core of this project's CPU machine (plain JavaScript loops: 3.4).
 * Offsets and strides are in doubles; blocks are reserved with {@linkcode RowProducts.reserve}
 * and start zero-filled. The kernels work on tiles of 2 rows by 4 columns over pairs of values,
 * so m must be even, n a multiple of 4 and the length even: give blocks zero rows and columns of
 * padding (which add 0 to dot products).
 */
export class RowProducts {
  /** Rows of a's block per tile: m must be a multiple of it. */
  static readonly TILE_ROWS: number = TILE_ROWS;
  /** Rows of b's block per tile: n must be a multiple of it. */
  static readonly TILE_COLS: number = TILE_COLS;
  #memory: WebAssembly.Memory;
  #used = 0;
  #view: Float64Array;
  #dots: (...args: number[]) => void;
  #distances: (...args: number[]) => void;
  #poly3: (...args: number[]) => number;

  /**
   * @param doubles the memory to start with (it grows on demand)
   * @param options.fused fused multiply-adds (default: where the engine has relaxed SIMD)
   */
  constructor(doubles = 0, options: { fused?: boolean } = {}) {
    const fused = options.fused ?? relaxedSimdAvailable();
    const module = fused
      ? compiled.fused ??= new WebAssembly.Module(kernelModule(true))
      : compiled.separate ??= new WebAssembly.Module(kernelModule(false));
    this.#memory = new WebAssembly.Memory({
      initial: Math.max(1, Math.ceil((doubles * 8) / 65536)),
    });
    const exports = new WebAssembly.Instance(module, { env: { memory: this.#memory } }).exports;
    this.#dots = exports.dots as (...args: number[]) => void;
    this.#distances = exports.distances as (...args: number[]) => void;
    this.#poly3 = exports.poly3 as (...args: number[]) => number;
    this.#view = new Float64Array(this.#memory.buffer);
  }

  /** The memory as doubles (a new view after {@linkcode RowProducts.reserve} grew it). */
  get f64(): Float64Array {
    if (this.#view.buffer !== this.#memory.buffer) {
      this.#view = new Float64Array(this.#memory.buffer);
    }
    return this.#view;
  }

  /** Reserves `doubles` zero-filled doubles, 16-byte aligned; returns their offset. */
  reserve(doubles: number): number {
    const offset = this.#used;
    this.#used = roundUp(offset + doubles, 2);
    const bytes = this.#used * 8;
    if (bytes > this.#memory.buffer.byteLength) {
      if (bytes > 2 ** 32 - 65536) {
        throw new RangeError(`feature metrics need ${bytes} bytes of working memory, above 4 GiB`);
      }
      this.#memory.grow(Math.ceil((bytes - this.#memory.buffer.byteLength) / 65536));
    }
    return offset;
  }

  /**
   * c[i·ldc + j] = Σ_{t<len} a[i·ld + t] · b[j·ld + t] for i < m, j < n (offsets in doubles), or
   * c += that with `accumulate`.
   */
  dots(
    a: number,
    b: number,
    c: number,
    shape: { m: number; n: number; len: number; ld: number; ldc: number },
    accumulate = false,
  ): void {
    const { m, n, len, ld, ldc } = shape;
    if (m === 0 || n === 0) return;
    checkShape(a, b, m, n, len, ld);
    this.#dots(8 * a, 8 * b, 8 * c, m, n, len, ld, ldc, accumulate ? 1 : 0);
  }

  /**
   * c[i·ldc + j] = max(na[i] + nb[j] − 2 a_i·b_j, 0), the squared distances of the rows given
   * their squared norms at `na` and `nb` (offsets in doubles; rows and norms padded alike).
   */
  distances(
    a: number,
    b: number,
    c: number,
    norms: { a: number; b: number },
    shape: { m: number; n: number; len: number; ld: number; ldc: number },
  ): void {
    const { m, n, len, ld, ldc } = shape;
    if (m === 0 || n === 0) return;
    checkShape(a, b, m, n, len, ld);
    this.#distances(8 * a, 8 * b, 8 * c, 8 * norms.a, 8 * norms.b, m, n, len, ld, ldc);
  }

  /** Σ_{i<m, j<n} (scale · a_i·b_j + 1)³ over rows of a and b at stride ld (offsets in doubles). */
  poly3(
    a: number,
    b: number,
    shape: { m: number; n: number; len: number; ld: number },
    scale: number,
  ): number {
    const { m, n, len, ld } = shape;
    if (m === 0 || n === 0) return 0;
    checkShape(a, b, m, n, len, ld);
    return this.#poly3(8 * a, 8 * b, m, n, len, ld, scale);
  }

  /**
   * Copies rows of `x` (all, or those listed) to `offset` at stride `ld` ≥ x.d; the columns from
   * x.d to ld keep their values (zero in a fresh block).
   */
  copyRows(x: RowMajorMatrix, offset: number, ld: number, rows?: ArrayLike<number>): void {
    const view = this.f64, { data, d } = x;
    const count = rows ? rows.length : x.n;
    if (!rows && ld === d) {
      view.set(data.subarray(0, x.n * d), offset);
      return;
    }
    for (let r = 0; r < count; r++) {
      const source = (rows ? rows[r] : r) * d;
      view.set(data.subarray(source, source + d), offset + r * ld);
    }
  }
}

/**
 * Two rows' dot product summed in the kernels' order (even and odd terms apart, then added): the
 * same bits as the kernels with separate multiply-adds, within an ulp or so of the fused ones.
 */
export function kernelDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let even = 0, odd = 0;
  const n = a.length;
  for (let t = 0; t + 1 < n; t += 2) {
    even += a[t] * b[t];
    odd += a[t + 1] * b[t + 1];
  }
  if (n % 2) even += a[n - 1] * b[n - 1];
  return even + odd;
}
