/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² with the cubic polynomial
 * kernel k(a, b) = (a·b/d + 1)³, averaged over random subsets as torch-fidelity does. The kernel
 * sums are float64, computed block by block in WebAssembly SIMD (features.ts), never as m x m
 * matrices; subsets run on every core (parallel.ts), each on one thread, so the figures do not
 * depend on the number of threads.
 *
 * @module
 */
import { mean, standardDeviation } from "simple-statistics";
import type { Rng } from "../engine/rng.ts";
import { kernelDot, RowProducts } from "@ganbench/wasm-kernels";
import { type FeatureMatrix, roundUp } from "./features.ts";
import { type JobInputs, registerJob, runJobs, sharedFloat64, sharedInt32 } from "./parallel.ts";

/** KID options (torch-fidelity's defaults). */
export interface KidOptions {
  /** Number of subsets (default 100). */
  subsets?: number;
  /** Samples per subset (default 1000, clipped to the smaller set). */
  subsetSize?: number;
}

/** Rows per block of the kernel sums (each block pair is one kernel call). */
const BLOCK = 64;

/** (a·b/d + 1)³, with the dot product summed in the kernels' order (features.ts). */
function kernel(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  const u = kernelDot(a, b) * (1 / d) + 1;
  return u * u * u;
}

/** Room for two subsets of `size` rows of d features, reused across subsets. */
interface Workspace {
  products: RowProducts;
  x: number;
  y: number;
  /** Rows per subset with padding (a multiple of 4), and the row stride. */
  rows: number;
  ld: number;
}

function workspace(size: number, d: number): Workspace {
  const rows = roundUp(size, 4), ld = roundUp(d, 2);
  const products = new RowProducts(2 * rows * ld);
  return { products, x: products.reserve(rows * ld), y: products.reserve(rows * ld), rows, ld };
}

/**
 * Σ k(a_i, b_j) over all i, j of two blocks of `rows` rows (the same block when `a === b`: then
 * only block pairs on or above the diagonal are computed, those above counted twice). Zero
 * padding rows add exactly k = 1 each, taken off again.
 */
function kernelSum(space: Workspace, a: number, b: number, m: number, d: number): number {
  const { products, rows, ld } = space;
  const symmetric = a === b;
  let sum = 0;
  for (let i0 = 0; i0 < rows; i0 += BLOCK) {
    for (let j0 = symmetric ? i0 : 0; j0 < rows; j0 += BLOCK) {
      const shape = { m: Math.min(BLOCK, rows - i0), n: Math.min(BLOCK, rows - j0), len: ld, ld };
      const block = products.poly3(a + i0 * ld, b + j0 * ld, shape, 1 / d);
      sum += symmetric && j0 > i0 ? 2 * block : block;
    }
  }
  return sum - (rows * rows - m * m);
}

/** The unbiased MMD² of the subsets already copied into `space` (m rows each). */
function subsetMmd2(space: Workspace, m: number, d: number): number {
  const { products, x, y, ld } = space;
  const view = products.f64;
  let diagonalX = 0, diagonalY = 0;
  for (let i = 0; i < m; i++) {
    const xi = view.subarray(x + i * ld, x + i * ld + d);
    const yi = view.subarray(y + i * ld, y + i * ld + d);
    diagonalX += kernel(xi, xi, d);
    diagonalY += kernel(yi, yi, d);
  }
  const kxx = kernelSum(space, x, x, m, d) - diagonalX;
  const kyy = kernelSum(space, y, y, m, d) - diagonalY;
  const kxy = kernelSum(space, x, y, m, d);
  return kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/**
 * Unbiased MMD² between the rows `ix` of `x` and `iy` of `y` (equal sizes m ≥ 2). The kernel
 * sums run in {@linkcode RowProducts} (float64, WebAssembly SIMD), block by block of rows.
 */
export function unbiasedMmd2(
  x: FeatureMatrix,
  y: FeatureMatrix,
  ix: number[],
  iy: number[],
): number {
  const space = workspace(ix.length, x.d);
  space.products.copyRows(x, space.x, space.ld, ix);
  space.products.copyRows(y, space.y, space.ld, iy);
  return subsetMmd2(space, ix.length, x.d);
}

/** `size` distinct indices from [0, n), as numpy.random.choice(n, size, replace=False). */
function choose(n: number, size: number, rng: Rng): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size);
}

/** Job `kid-subset` s: the MMD² of subset s (its indices at 2·s·size in `subsets`) into values[s]. */
function subsetJob(inputs: JobInputs, s: number, local: Map<string, unknown>): void {
  const { d, size, nx, ny } = inputs.numbers;
  const x = { data: new Float64Array(inputs.arrays.x), n: nx, d };
  const y = { data: new Float64Array(inputs.arrays.y), n: ny, d };
  const indices = new Int32Array(inputs.arrays.subsets, 8 * s * size, 2 * size);
  const key = `kid:${size}:${d}`;
  let space = local.get(key) as Workspace | undefined;
  if (!space) local.set(key, space = workspace(size, d));
  space.products.copyRows(x, space.x, space.ld, indices.subarray(0, size));
  space.products.copyRows(y, space.y, space.ld, indices.subarray(size));
  new Float64Array(inputs.arrays.values)[s] = subsetMmd2(space, size, d);
}
registerJob("kid-subset", subsetJob);

/**
 * KID: mean and (population) std of the unbiased MMD² over random subsets, drawn in order from
 * `rng` as numpy.random.choice would be called, then computed on every core.
 *
 * @throws {RangeError} for mismatched dimensions or fewer than 2 samples
 */
export function kid(x: FeatureMatrix, y: FeatureMatrix, rng: Rng, options: KidOptions = {}) {
  if (x.d !== y.d) throw new RangeError(`feature dimensions differ: ${x.d} vs ${y.d}`);
  const size = Math.min(options.subsetSize ?? 1000, x.n, y.n);
  if (size < 2) {
    throw new RangeError(`KID needs at least 2 samples per set, got ${Math.min(x.n, y.n)}`);
  }
  const count = options.subsets ?? 100;
  const subsets = new Int32Array(2 * size * count);
  for (let s = 0; s < count; s++) {
    subsets.set(choose(x.n, size, rng), 2 * s * size);
    subsets.set(choose(y.n, size, rng), (2 * s + 1) * size);
  }
  const values = new SharedArrayBuffer(8 * count);
  runJobs(
    "kid-subset",
    {
      arrays: {
        x: sharedFloat64(x.data),
        y: sharedFloat64(y.data),
        subsets: sharedInt32(subsets),
        values,
      },
      numbers: { d: x.d, size, nx: x.n, ny: y.n },
    },
    count,
    { work: 3 * count * size * size * x.d },
  );
  const results = Array.from(new Float64Array(values));
  return {
    mean: mean(results),
    std: results.length > 1 ? standardDeviation(results) : 0,
    subsetSize: size,
  };
}
