/**
 * Improved precision and recall (Kynkäänniemi et al. 2019, k = 3) and density and coverage
 * (Naeem et al. 2020, k = 5), with the definitions of the reference `prdc` package: the radius of
 * a sample is the distance to its k-th nearest neighbour in its own set (self excluded).
 *
 * Written here because no JavaScript package computes these. Squared Euclidean distances (which
 * order exactly like the distances) are computed in float64 as |x|² + |y|² − 2 x·y, tile by tile
 * in {@linkcode RowProducts} (WebAssembly SIMD), so N x N never sits in memory. The work is shared where the figures allow:
 *
 * - one pass over the pairs of a set (each pair once) keeps every sample's 5 nearest distances,
 *   which give the radii of both k = 3 and k = 5;
 * - one pass over the real x generated pairs yields all four figures;
 * - both passes run on every core (parallel.ts), one block of rows per job: each job keeps its own
 *   nearest lists or flags, merged afterwards into what one thread would have found (the k
 *   smallest distances, and which samples lie in which balls, do not depend on the order);
 * - both are cached by the feature matrices' data arrays (and checked against a fingerprint of
 *   their values), so `prc` then `dc` on the same sets, or one reference set scored against many
 *   generated ones, do not repeat them.
 *
 * @module
 */
import { RowProducts } from "@ganbench/wasm-kernels";
import { type FeatureMatrix, fingerprint, roundUp, squaredNorms } from "./features.ts";
import { type JobInputs, registerJob, runJobs, sharedFloat64 } from "./parallel.ts";

/** Rows per block of the pairwise-distance passes. */
export const DEFAULT_BLOCK = 512;
/** Doubles of the other set per kernel call (256 KiB), so that they stay in cache. */
const COLUMN_BLOCK_DOUBLES = 32768;
/** Default neighbourhood sizes: precision/recall, and density/coverage. */
const K_PRECISION_RECALL = 3, K_DENSITY_COVERAGE = 5;
/** Nearest distances kept per sample by a radius pass (at least the density/coverage k). */
const KEEP = K_DENSITY_COVERAGE;

/** Two row sets placed in one workspace (b may be a itself), with their squared norms. */
interface Placement {
  kernel: RowProducts;
  ld: number;
  a: { rows: number; norms: number; n: number };
  b: { rows: number; norms: number; n: number };
  tile: number;
  blockColumns: number;
}

/** Places `a` and `b` (or `a` alone when b is undefined) for tiles of `tileRows` rows. */
function place(a: FeatureMatrix, b: FeatureMatrix | undefined, tileRows: number): Placement {
  const ld = roundUp(a.d, 2);
  const blockColumns = Math.max(4, Math.min(512, 4 * Math.floor(COLUMN_BLOCK_DOUBLES / ld / 4)));
  const kernel = new RowProducts();
  const put = (x: FeatureMatrix) => {
    const rows = kernel.reserve(roundUp(x.n, 4) * ld), norms = kernel.reserve(roundUp(x.n, 4));
    kernel.copyRows(x, rows, ld);
    kernel.f64.set(squaredNorms(x), norms);
    return { rows, norms, n: x.n };
  };
  const placedA = put(a);
  const placedB = b ? put(b) : placedA;
  const tile = kernel.reserve(roundUp(tileRows, 4) * blockColumns);
  return { kernel, ld, a: placedA, b: placedB, tile, blockColumns };
}

/**
 * Calls `visit` with tiles of the squared distances |a_i|² + |b_j|² − 2 a_i·b_j (clipped at 0)
 * between rows i0..i1 of a and the rows of b (with `upper`, only from column i0 on): the
 * distance of rows i and j is `view[offset + (i − i0) · ldc + (j − j0)]`.
 */
function forEachDistanceTile(
  placed: Placement,
  [i0, i1]: [number, number],
  upper: boolean,
  visit: (j0: number, j1: number, view: Float64Array, offset: number, ldc: number) => void,
): void {
  const { kernel, ld, a, b, tile, blockColumns } = placed;
  for (let j0 = upper ? i0 : 0; j0 < b.n; j0 += blockColumns) {
    const j1 = Math.min(b.n, j0 + blockColumns);
    kernel.distances(
      a.rows + i0 * ld,
      b.rows + j0 * ld,
      tile,
      { a: a.norms + i0, b: b.norms + j0 },
      { m: roundUp(i1 - i0, 2), n: roundUp(j1 - j0, 4), len: ld, ld, ldc: blockColumns },
    );
    visit(j0, j1, kernel.f64, tile, blockColumns);
  }
}

/** Rows per job of a pass over `n` rows: blocks of `block` rows, merged so that a pass has at most 64 jobs. */
function rowsPerJob(n: number, block: number): number {
  return roundUp(Math.max(Math.min(block, n), Math.ceil(n / 64)), 4);
}

/**
 * The workspace of the batch `inputs.numbers.batch` in this thread: the matrices of the batch
 * placed once, the previous batch's released.
 */
function placementFor(inputs: JobInputs, local: Map<string, unknown>): Placement {
  const cached = local.get("prdc") as { batch: number; placement: Placement } | undefined;
  if (cached?.batch === inputs.numbers.batch) return cached.placement;
  const { d, jobRows } = inputs.numbers;
  const matrix = (name: string) => {
    const data = new Float64Array(inputs.arrays[name]);
    return { data, n: data.length / d, d };
  };
  const placement = place(matrix("a"), inputs.arrays.b ? matrix("b") : undefined, jobRows);
  local.set("prdc", { batch: inputs.numbers.batch, placement });
  return placement;
}

let batches = 0;

/** Inserts `value` into the ascending list lists[start .. start + keep), dropping its last. */
function insertSorted(lists: Float64Array, start: number, keep: number, value: number): void {
  let p = start + keep - 1;
  while (p > start && lists[p - 1] > value) {
    lists[p] = lists[p - 1];
    p--;
  }
  lists[p] = value;
}

/**
 * Job `prdc-neighbours` b: the pairs (i, j), i in row block b and j > i, into the job's own
 * nearest lists (every row's `keep` smallest distances among those pairs).
 */
function neighboursJob(inputs: JobInputs, job: number, local: Map<string, unknown>): void {
  const placed = placementFor(inputs, local);
  const { keep, jobRows } = inputs.numbers;
  const n = placed.a.n, last = keep - 1;
  const lists = new Float64Array(inputs.arrays.lists, 8 * job * n * keep, n * keep);
  const i0 = job * jobRows, i1 = Math.min(n, i0 + jobRows);
  forEachDistanceTile(placed, [i0, i1], true, (j0, j1, view, offset, ldc) => {
    for (let i = i0; i < i1; i++) {
      const base = offset + (i - i0) * ldc - j0, startI = i * keep;
      for (let j = Math.max(j0, i + 1); j < j1; j++) {
        const value = view[base + j];
        if (value < lists[startI + last]) insertSorted(lists, startI, keep, value);
        if (value < lists[j * keep + last]) insertSorted(lists, j * keep, keep, value);
      }
    }
  });
}
registerJob("prdc-neighbours", neighboursJob);

/** The `keep` smallest squared distances of every row to the other rows, ascending (Infinity-padded). */
interface Neighbours {
  keep: number;
  lists: Float64Array;
  fingerprint: number;
}

const neighbourCache = new WeakMap<object, Neighbours>();

/** Every row's `keep` nearest squared distances, in one pass over the pairs (each pair once). */
function nearestDistances(x: FeatureMatrix, keep: number, block: number): Neighbours {
  const print = fingerprint(x);
  const cached = neighbourCache.get(x.data);
  if (cached && cached.fingerprint === print && cached.keep >= keep) return cached;
  const jobRows = rowsPerJob(x.n, block);
  const jobs = Math.ceil(x.n / jobRows);
  const partial = new SharedArrayBuffer(8 * jobs * x.n * keep);
  new Float64Array(partial).fill(Infinity);
  runJobs(
    "prdc-neighbours",
    {
      arrays: { a: sharedFloat64(x.data), lists: partial },
      numbers: { d: x.d, keep, jobRows, batch: ++batches },
    },
    jobs,
    { work: (x.n * x.n * x.d) / 2 },
  );
  // Merge the jobs' lists: each row's `keep` smallest of all.
  const lists = new Float64Array(x.n * keep).fill(Infinity);
  const parts = new Float64Array(partial), last = keep - 1;
  for (let job = 0; job < jobs; job++) {
    for (let i = 0, from = job * x.n * keep; i < x.n; i++, from += keep) {
      for (let r = 0; r < keep && parts[from + r] < lists[i * keep + last]; r++) {
        insertSorted(lists, i * keep, keep, parts[from + r]);
      }
    }
  }
  const neighbours = { keep, lists, fingerprint: print };
  neighbourCache.set(x.data, neighbours);
  return neighbours;
}

/** Squared distance of every row of `x` to its k-th nearest other row (the (k+1)-th smallest, self included). */
export function kthNeighbourSquaredDistances(
  x: FeatureMatrix,
  k: number,
  block = DEFAULT_BLOCK,
): Float64Array {
  if (x.n < k + 1) {
    throw new RangeError(
      `k-nearest-neighbour radii with k = ${k} need at least ${k + 1} samples, got ${x.n}`,
    );
  }
  const { keep, lists } = nearestDistances(x, Math.max(k, KEEP), block);
  return Float64Array.from({ length: x.n }, (_, i) => lists[i * keep + k - 1]);
}

/** Precision, recall, density and coverage of `fake` against `real`. */
export interface PrdcResult {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
}

/** Options: neighbourhood sizes (defaults 3 for precision/recall, 5 for density/coverage). */
export interface PrdcOptions {
  kPrecisionRecall?: number;
  kDensityCoverage?: number;
  block?: number;
}

function checkSets(real: FeatureMatrix, fake: FeatureMatrix): void {
  if (real.d !== fake.d) throw new RangeError(`feature dimensions differ: ${real.d} vs ${fake.d}`);
}

/** What one real x generated pass computed; a figure is absent when its k was not asked for. */
interface PassFigures {
  kPrecisionRecall?: number;
  kDensityCoverage?: number;
  precision?: number;
  recall?: number;
  density?: number;
  coverage?: number;
}

const passCache = new WeakMap<
  object,
  WeakMap<object, { prints: [number, number]; figures: PassFigures[] }>
>();

function cachedPass(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  wanted: (figures: PassFigures) => boolean,
): { prints: [number, number]; found?: PassFigures } {
  const prints: [number, number] = [fingerprint(real), fingerprint(fake)];
  const entry = passCache.get(real.data)?.get(fake.data);
  if (!entry || entry.prints[0] !== prints[0] || entry.prints[1] !== prints[1]) return { prints };
  return { prints, found: entry.figures.find(wanted) };
}

function storePass(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  prints: [number, number],
  figures: PassFigures,
): void {
  let byFake = passCache.get(real.data);
  if (!byFake) passCache.set(real.data, byFake = new WeakMap());
  const entry = byFake.get(fake.data);
  if (entry && entry.prints[0] === prints[0] && entry.prints[1] === prints[1]) {
    entry.figures.push(figures);
  } else byFake.set(fake.data, { prints, figures: [figures] });
}

/**
 * Job `prdc-pass` b: the pairs of real rows in block b with every generated row. Writes the
 * block's generated samples inside a real precision ball (its own flags, OR-ed afterwards), its
 * real samples' recall and coverage flags, and its count of (real, generated) pairs inside a
 * density ball.
 */
function passJob(inputs: JobInputs, job: number, local: Map<string, unknown>): void {
  const placed = placementFor(inputs, local);
  const { jobRows } = inputs.numbers;
  const nFake = placed.b.n;
  const radiiPr = new Float64Array(inputs.arrays.radiiPr);
  const radiiDc = new Float64Array(inputs.arrays.radiiDc);
  const fakeRadii = new Float64Array(inputs.arrays.fakeRadii);
  const fakeInReal = new Uint8Array(inputs.arrays.fakeInReal, job * nFake, nFake);
  const realInFake = new Uint8Array(inputs.arrays.realInFake);
  const covered = new Uint8Array(inputs.arrays.covered);
  const i0 = job * jobRows, i1 = Math.min(placed.a.n, i0 + jobRows);
  let inside = 0;
  forEachDistanceTile(placed, [i0, i1], false, (j0, j1, view, offset, ldc) => {
    for (let i = i0; i < i1; i++) {
      const radiusPr = radiiPr[i], radiusDc = radiiDc[i];
      const base = offset + (i - i0) * ldc - j0;
      let insideI = 0, found = 0;
      for (let j = j0; j < j1; j++) {
        const value = view[base + j];
        if (value < radiusPr) fakeInReal[j] = 1;
        if (value < radiusDc) insideI++;
        if (value < fakeRadii[j]) found = 1;
      }
      inside += insideI;
      if (insideI) covered[i] = 1;
      if (found) realInFake[i] = 1;
    }
  });
  new Float64Array(inputs.arrays.inside)[job] = inside;
}
registerJob("prdc-pass", passJob);

/**
 * One pass over the real x generated pairs: precision (with real radii at `kPrecisionRecall`),
 * recall (also generated radii at that k, when `recall`), density and coverage (real radii at
 * `kDensityCoverage`).
 */
function realFakePass(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  ks: { kPrecisionRecall?: number; kDensityCoverage?: number; recall: boolean },
  block: number,
): PassFigures {
  const { kPrecisionRecall: kPr, kDensityCoverage: kDc } = ks;
  const none = () => new Float64Array(real.n).fill(-Infinity); // no distance is below −∞
  const radiiPr = kPr ? kthNeighbourSquaredDistances(real, kPr, block) : none();
  const radiiDc = kDc ? kthNeighbourSquaredDistances(real, kDc, block) : none();
  const fakeRadii = ks.recall && kPr
    ? kthNeighbourSquaredDistances(fake, kPr, block)
    : new Float64Array(fake.n).fill(-Infinity);
  const jobRows = rowsPerJob(real.n, block);
  const jobs = Math.ceil(real.n / jobRows);
  const arrays = {
    a: sharedFloat64(real.data),
    b: sharedFloat64(fake.data),
    radiiPr: sharedFloat64(radiiPr),
    radiiDc: sharedFloat64(radiiDc),
    fakeRadii: sharedFloat64(fakeRadii),
    fakeInReal: new SharedArrayBuffer(jobs * fake.n),
    realInFake: new SharedArrayBuffer(real.n),
    covered: new SharedArrayBuffer(real.n),
    inside: new SharedArrayBuffer(8 * jobs),
  };
  runJobs(
    "prdc-pass",
    {
      arrays,
      numbers: { d: real.d, jobRows, batch: ++batches },
    },
    jobs,
    { work: real.n * fake.n * real.d },
  );
  const flagged = new Uint8Array(arrays.fakeInReal);
  let precise = 0;
  for (let j = 0; j < fake.n; j++) {
    let any = 0;
    for (let job = 0; job < jobs && !any; job++) any = flagged[job * fake.n + j];
    precise += any;
  }
  const count = (buffer: SharedArrayBuffer) => new Uint8Array(buffer).reduce((s, v) => s + v, 0);
  const inside = new Float64Array(arrays.inside).reduce((s, v) => s + v, 0);
  const figures: PassFigures = {};
  if (kPr) {
    figures.kPrecisionRecall = kPr;
    figures.precision = precise / fake.n;
    if (ks.recall) figures.recall = count(arrays.realInFake) / real.n;
  }
  if (kDc) {
    figures.kDensityCoverage = kDc;
    figures.density = inside / (kDc * fake.n);
    figures.coverage = count(arrays.covered) / real.n;
  }
  return figures;
}

/** Improved precision and recall with k-NN radii (k = 3 by default). */
export function precisionRecall(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  k = K_PRECISION_RECALL,
  block = DEFAULT_BLOCK,
): { precision: number; recall: number } {
  checkSets(real, fake);
  const { prints, found } = cachedPass(
    real,
    fake,
    (f) => f.kPrecisionRecall === k && f.recall !== undefined,
  );
  // Density and coverage at their default k come free with the pass, for a later `dc`.
  const figures = found ?? realFakePass(real, fake, {
    kPrecisionRecall: k,
    kDensityCoverage: real.n > K_DENSITY_COVERAGE ? K_DENSITY_COVERAGE : undefined,
    recall: true,
  }, block);
  if (!found) storePass(real, fake, prints, figures);
  return { precision: figures.precision!, recall: figures.recall! };
}

/** Density and coverage with real k-NN radii (k = 5 by default). */
export function densityCoverage(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  k = K_DENSITY_COVERAGE,
  block = DEFAULT_BLOCK,
): { density: number; coverage: number } {
  checkSets(real, fake);
  const { prints, found } = cachedPass(real, fake, (f) => f.kDensityCoverage === k);
  const figures = found ?? realFakePass(real, fake, {
    kPrecisionRecall: real.n > K_PRECISION_RECALL ? K_PRECISION_RECALL : undefined,
    kDensityCoverage: k,
    recall: false,
  }, block);
  if (!found) storePass(real, fake, prints, figures);
  return { density: figures.density!, coverage: figures.coverage! };
}

/** All four figures, from one real x generated pass (not cached). */
export function prdc(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  options: PrdcOptions = {},
): PrdcResult {
  checkSets(real, fake);
  const figures = realFakePass(real, fake, {
    kPrecisionRecall: options.kPrecisionRecall ?? K_PRECISION_RECALL,
    kDensityCoverage: options.kDensityCoverage ?? K_DENSITY_COVERAGE,
    recall: true,
  }, options.block ?? DEFAULT_BLOCK);
  return {
    precision: figures.precision!,
    recall: figures.recall!,
    density: figures.density!,
    coverage: figures.coverage!,
  };
}
