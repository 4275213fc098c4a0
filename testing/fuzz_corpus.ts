/**
 * A corpus of bad inputs for `score`, suite files and `report` (issue #30), each with the answer
 * the command line must give: its exit code and the one stderr line (or, for an input that is
 * fine, exit 0). `writeCorpus(dir, "small")` writes kilobyte-sized cases for the normal test run
 * (src/fuzz_corpus_test.ts); `"large"` writes the sizes the issue reproduced (sparse gigabyte
 * files, a million curve points) for `deno task fuzz` (testing/fuzz.ts), which also measures time
 * and peak memory.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { zipSync } from "fflate";
import { dump } from "npyjs";
import { pngBytes } from "./png.ts";
import { TEST_SUITE } from "./suites.ts";
import type { CellConfig } from "../src/runner/cells.ts";
import { legacyHash, trainingHash } from "../src/runner/cell_keys.ts";

/** How large the cases are: `small` for the test run, `large` as the issue reproduced them. */
export type Scale = "small" | "large";

/** One case: the command line, and what it must answer. */
export interface FuzzCase {
  /** What the case is, as a sentence fragment ("a .npy that is a symlink to /dev/zero"). */
  name: string;
  /** The defect class of the issue it covers. */
  kind: "bounded" | "format" | "usage" | "suite" | "report";
  args: string[];
  /** The exit code: 0 for an input that must be read, 1 for bad input, 2 for a usage mistake. */
  code: 0 | 1 | 2;
  /** The single stderr line (for code 1 and 2). */
  stderr?: RegExp;
  /**
   * Whether the run is shared with other cases (one `report` over many damaged folders): its
   * stderr then holds their lines too, and exactly one must match {@linkcode stderr}.
   */
  shared?: boolean;
  /** A check after the run (a file left unchanged, a leaderboard's count). */
  after?: () => Promise<void>;
}

/** The bytes of a .npy file (format 1.0) with the header given, padded as NumPy pads it. */
export function npyBytes(
  descr: string,
  shape: number[],
  data: Uint8Array,
  fortran = false,
): Uint8Array {
  const dims = shape.join(", ") + (shape.length === 1 ? "," : "");
  let header = `{'descr': '${descr}', 'fortran_order': ${
    fortran ? "True" : "False"
  }, 'shape': (${dims}), }`;
  header = header.padEnd(header.length + (64 - ((10 + header.length + 1) % 64)) % 64, " ") + "\n";
  const bytes = new Uint8Array(10 + header.length + data.length);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  bytes.set(data, 10 + header.length);
  return bytes;
}

/** A float64 .npy of `shape` holding `values`. */
export function f8(shape: number[], values: ArrayLike<number>): Uint8Array {
  return npyBytes("<f8", shape, new Uint8Array(Float64Array.from(values).buffer));
}

/** A seeded sequence in [0, 1) (a linear congruential generator: test data, not statistics). */
export function uniform(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32;
  }
  return out;
}

/** An .npz (stored, as numpy.savez writes) of float64 arrays, plus raw .npy members. */
export function npzBytes(
  arrays: Record<string, { data: ArrayLike<number>; shape: number[] }>,
  raw: Record<string, Uint8Array> = {},
): Uint8Array {
  const files: Record<string, Uint8Array> = { ...raw };
  for (const [name, { data, shape }] of Object.entries(arrays)) {
    files[`${name}.npy`] = new Uint8Array(dump(Float64Array.from(data), shape));
  }
  return zipSync(files, { level: 0 });
}

/**
 * `zip` with the uncompressed size its central directory declares for member `name` set to
 * `size` (the member itself unchanged): what a small archive claiming a huge array looks like.
 */
export function withDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const encoded = new TextEncoder().encode(name);
  for (let at = 0; at + 46 < out.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const length = view.getUint16(at + 28, true);
    const found = out.subarray(at + 46, at + 46 + length);
    if (length === encoded.length && found.every((b, i) => b === encoded[i])) {
      view.setUint32(at + 24, size, true);
      return out;
    }
  }
  throw new Error(`no member ${name}`);
}

/** An identity covariance of `d` features, or one with an eigenvalue below 0 when `psd` is false. */
function covariance(d: number, psd: boolean): Float64Array {
  const sigma = new Float64Array(d * d);
  for (let i = 0; i < d; i++) sigma[i * d + i] = 1;
  if (!psd) {
    // The last three features correlated 0.9, 0.9 and −0.9: every 2 x 2 minor is fine, the 3 x 3
    // block has a negative eigenvalue; the Cholesky check meets it in its last row (worst case).
    const [a, b, c] = [d - 3, d - 2, d - 1];
    sigma[a * d + b] = sigma[b * d + a] = 0.9;
    sigma[b * d + c] = sigma[c * d + b] = 0.9;
    sigma[a * d + c] = sigma[c * d + a] = -0.9;
  }
  return sigma;
}

/** Writes `bytes` to `path`, creating its folder. */
async function write(path: string, bytes: Uint8Array | string): Promise<string> {
  await Deno.mkdir(dirname(path), { recursive: true });
  if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
  else await Deno.writeFile(path, bytes);
  return path;
}

/** Makes a sparse file of `size` bytes starting with `head`. */
async function sparse(path: string, head: Uint8Array, size: number): Promise<string> {
  await write(path, head);
  await Deno.truncate(path, size);
  return path;
}

/** Asserts that `file` holds `bytes`; for cases where nothing stored may be replaced. */
async function unchanged(file: string, bytes: Uint8Array): Promise<void> {
  const now = await Deno.readFile(file);
  if (now.length !== bytes.length || now.some((b, i) => b !== bytes[i])) {
    throw new Error(`'${file}' was replaced`);
  }
}

/** Score cases: inputs bounded before they are read, and read as their format means. */
async function scoreCases(dir: string, scale: Scale): Promise<FuzzCase[]> {
  const at = (name: string) => join(dir, "score", name);
  const large = scale === "large";
  const gen = await write(at("gen.npy"), f8([64, 3], uniform(64 * 3, 1)));
  const ref = await write(at("ref.npy"), f8([64, 3], uniform(64 * 3, 2)));
  const refBytes = await Deno.readFile(ref);
  await Deno.symlink("/dev/zero", at("zero.npy"));
  const fifo = await new Deno.Command("mkfifo", { args: [at("fifo.npy")] }).output();
  // The header promises 10^12 float64 values; the file is 3 GB of holes (large) or 1 kB.
  const header = npyBytes("<f8", [1_000_000, 1_000_000], new Uint8Array(0));
  await sparse(at("sparse.npy"), header, large ? 3e9 : 1024);
  const wideRows = large ? 10_000 : 2;
  const wide = npyBytes("<f4", [wideRows, 30_000], new Uint8Array(0));
  await sparse(at("wide.npy"), wide, wide.length + wideRows * 30_000 * 4);
  // sigma.npy of 30,000² float64 declared (7.2 GB won't fit 32 bits: 20,000², 3.2 GB).
  const small = npzBytes({
    mu: { data: [0, 0, 0], shape: [3] },
    sigma: { data: covariance(3, true), shape: [3, 3] },
  });
  await write(at("big_sigma.npz"), withDeclaredSize(small, "sigma.npy", 20_000 ** 2 * 8 + 128));
  for (let i = 0; i < 4; i++) {
    await write(
      at(`huge_png/${i}.png`),
      pngBytes({ width: 16_000, height: 16_000, colourType: 0, bitDepth: 8 }),
    );
  }
  const d = large ? 2048 : 256;
  await write(
    at("not_psd.npz"),
    npzBytes({
      mu: { data: new Float64Array(d), shape: [d] },
      sigma: { data: covariance(d, false), shape: [d, d] },
    }),
  );
  // A stored sigma.npy with one byte of its data changed after zipping: its CRC-32 fails.
  const damaged = npzBytes({
    mu: { data: [0, 0, 0], shape: [3] },
    sigma: { data: covariance(3, true), shape: [3, 3] },
  });
  damaged[damaged.length - 200] ^= 0x01;
  await write(at("crc.npz"), damaged);
  await write(
    at("pixels.npy"),
    npyBytes("|u1", [16, 6, 6], Uint8Array.from(uniform(576, 3), (v) => v * 255)),
  );
  await write(at("rows5.npy"), f8([16, 5], new Float64Array(80).fill(1)));
  const n = npyBytes("<i8", [], new Uint8Array(new BigInt64Array([64n]).buffer));
  await write(
    at("stats_n.npz"),
    npzBytes({
      mu: { data: [0.5, 0.5, 0.5], shape: [3] },
      sigma: { data: covariance(3, true).map((v) => v / 12), shape: [3, 3] },
    }, { "n.npy": n }),
  );
  const pm1 = (seed: number) => f8([16, 4, 4], uniform(256, seed).map((v) => v * 2 - 1));
  await write(at("pm1_a.npy"), pm1(4));
  await write(at("pm1_b.npy"), pm1(5));
  await write(at("-h.npy"), await Deno.readFile(gen));
  await write(at("escape.npy"), npyBytes("<\x1b[31mf9", [2, 2], new Uint8Array(0)));
  const cases: FuzzCase[] = [
    {
      name: "a .npy that is a symlink to /dev/zero",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("zero.npy"), ref],
      code: 1,
      stderr:
        /zero\.npy' as a \.npy array: it is a symlink to a character device, not a regular file$/,
    },
    {
      name: "a FIFO named x.npy",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("fifo.npy"), ref],
      code: 1,
      stderr: /fifo\.npy' as a \.npy array: it is a FIFO \(named pipe\), not a regular file$/,
    },
    {
      name: "a sparse .npy whose header says 1e6 x 1e6",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("sparse.npy"), ref],
      code: 1,
      stderr:
        /sparse\.npy'( as a \.npy array)?: (the file is truncated|it is 3 GB, more than the 1\.6 GB)|features of 1000000 values are too wide/,
    },
    {
      name: "a D = 30,000 array for FID",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("wide.npy"), at("wide.npy")],
      code: 1,
      stderr: /fid: features of 30000 values are too wide/,
    },
    {
      name: "an .npz declaring a 20,000² sigma",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("big_sigma.npz"), ref],
      code: 1,
      stderr: /member sigma\.npy holds 3\.2 GB uncompressed, more than the 33\.6 MB ganbench reads/,
    },
    {
      name: "four 16,000² grey PNGs",
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("huge_png"), at("huge_png")],
      code: 1,
      stderr: /declares 16000 x 16000 pixels, more than the 16777216/,
    },
    {
      name: `a non-PSD sigma at d = ${d}`,
      kind: "bounded",
      args: ["score", "--metrics", "fid", at("not_psd.npz"), at("not_psd.npz")],
      code: 1,
      stderr: /is no covariance: it is not positive semi-definite/,
    },
    {
      name: "an .npz whose sigma.npy fails its CRC-32",
      kind: "format",
      args: ["score", "--metrics", "fid", at("crc.npz"), ref],
      code: 1,
      stderr: /crc\.npz:sigma\.npy': it fails its CRC-32 check/,
    },
    {
      name: "--metrics is on pixel rows",
      kind: "format",
      args: ["score", "--metrics", "is", at("pixels.npy")],
      code: 1,
      stderr: /^ganbench: is: '.*pixels\.npy' holds images \(6x6x1 images/,
    },
    {
      name: "--metrics is on rows summing to 5",
      kind: "format",
      args: ["score", "--metrics", "is", at("rows5.npy")],
      code: 1,
      stderr: /row 0 sums to 5, not 1/,
    },
    {
      name: "--save-stats naming an input",
      kind: "usage",
      args: ["score", "--metrics", "fid", "--save-stats", ref, gen, ref],
      code: 2,
      stderr: /--save-stats '.*ref\.npy' is the input/,
      after: () => unchanged(ref, refBytes),
    },
    {
      name: "--metrics fid --save-stats OUT with one input",
      kind: "usage",
      args: ["score", "--metrics", "fid", "--save-stats", at("out.npz"), gen],
      code: 0,
      after: async () => void (await Deno.stat(at("out.npz"))),
    },
    {
      name: "a stats file with an extra int64 n",
      kind: "usage",
      args: ["score", "--metrics", "fid", gen, at("stats_n.npz")],
      code: 0,
    },
    {
      name: "--range -1-1 as the docs write it",
      kind: "usage",
      args: ["score", "--metrics", "fid", "--range", "-1-1", at("pm1_a.npy"), at("pm1_b.npy")],
      code: 0,
    },
    {
      name: "-h.npy as an input",
      kind: "usage",
      args: ["score", "-h.npy", ref],
      code: 2,
      stderr: /Unknown option '-h\.npy'.*write '\.\/-h\.npy'$/,
    },
    {
      name: "--features incepton",
      kind: "usage",
      args: ["score", "--features", "incepton", gen, ref],
      code: 2,
      stderr: /got 'incepton'\. Did you mean 'inception=PATH'\?$/,
    },
    {
      name: "a corrupt .npy whose dtype holds an escape byte",
      kind: "usage",
      args: ["score", "--metrics", "fid", at("escape.npy"), ref],
      code: 1,
      stderr: /dtype <\\x1b\[31mf9 is not a type/,
    },
  ];
  return fifo.success ? cases : cases.filter((c) => !c.name.includes("FIFO"));
}

/** Suite cases, each a change to the valid test suite, checked by `plan`. */
async function suiteCases(dir: string, scale: Scale): Promise<FuzzCase[]> {
  type Suite = Record<string, unknown> & typeof TEST_SUITE;
  const changes: [string, (s: Suite) => unknown, 1, RegExp][] = [
    ["duplicate seeds", (s) => (s.seeds = [0, 1, 0]), 1, /seeds\[2\]: seed 0 is listed twice/],
    [
      "duplicate datasets",
      (s) => (s.datasets = ["ring8", "ring8"]),
      1,
      /datasets\[1\]: dataset "ring8" is listed twice/,
    ],
    [
      "duplicate metrics",
      (s) => (s.metrics = ["modes", "modes"]),
      1,
      /metrics\[1\]: metric "modes" is listed twice/,
    ],
    [
      "duplicate variants",
      (s) => (s.variants = ["nsgan", "nsgan"]),
      1,
      /duplicate variant 'nsgan'/,
    ],
    [
      "a profile listing a variant twice",
      (s) => ((s.profiles.smoke as Record<string, unknown>).variants = ["nsgan", "nsgan"]),
      1,
      /profiles\.smoke\.variants\[1\]: variant "nsgan" is listed twice/,
    ],
    [
      "seed 4294967296 (seed 0 modulo 2^32)",
      (s) => (s.seeds = [0, 4294967296]),
      1,
      /seeds\[1\]: Too big: expected number to be <=2147483647/,
    ],
    [
      "a suite-level model typo under a profile's model",
      (s) => {
        s.model = { generator: { hiden: [8] } };
        (s.profiles.smoke as Record<string, unknown>).model = { generator: { hidden: [8] } };
      },
      1,
      /model\.generator: Unrecognized key: "hiden"/,
    ],
    ["a __proto__ key", () => undefined, 1, /a key "__proto__" at model/],
    [
      "a primary figure of a metric the suite lacks",
      (s) => (s.primary = "dirac.distance"),
      1,
      /primary: figure 'dirac\.distance' comes from metric 'dirac', which the suite's metrics \(modes\) leave out/,
    ],
    [
      "Dirac θ = 1e308",
      (s) =>
        Object.assign(s, {
          architecture: "dirac",
          datasets: ["dirac"],
          metrics: ["dirac"],
          primary: "dirac.distance",
          latentDim: 1,
          model: { theta: 1e308 },
        }),
      1,
      /model\.theta: Too big: expected number to be <=1000000/,
    ],
    [
      "hidden widths of 16,384 x 32 layers",
      (s) => (s.model = { generator: { hidden: Array(32).fill(16_384) } }),
      1,
      /hold at least \d+ parameters, more than 100000000$/,
    ],
    [
      "16,384 x 2 at batch 65,536",
      (s) => {
        s.model = { generator: { hidden: [16_384, 16_384] } };
        (s.profiles.smoke as Record<string, unknown>).batchSize = 65_536;
      },
      1,
      /hold at least \d+ parameters, more than 100000000$/,
    ],
    [
      "4,096 x 2 at batch 65,536",
      (s) => {
        s.model = { generator: { hidden: [4096, 4096] } };
        (s.profiles.smoke as Record<string, unknown>).batchSize = 65_536;
      },
      1,
      /\d+ activations per sample, \d+ per batch of 65536, more than 256000000$/,
    ],
  ];
  const cases: FuzzCase[] = [];
  for (const [name, change, code, stderr] of changes) {
    const suite = structuredClone(TEST_SUITE) as Suite;
    change(suite);
    let text = JSON.stringify(suite);
    if (name.includes("__proto__")) {
      text = text.replace('"version":1', '"model":{"__proto__":{"x":1}},"version":1');
    }
    const file = await write(join(dir, "suites", `${cases.length}.json`), text);
    cases.push({ name, kind: "suite", args: ["plan", file, "--profile", "smoke"], code, stderr });
  }
  // Millions of seeds (large: 7 million, 52 MB) or a padded 1.1 MB file: refused before parsing.
  const seeds = large(scale) ? Array.from({ length: 7_000_000 }, (_, i) => i) : [0];
  const huge = JSON.stringify({ ...TEST_SUITE, seeds }) + " ".repeat(large(scale) ? 0 : 1_100_000);
  const file = await write(join(dir, "suites", "huge.json"), huge);
  cases.push({
    name: "a suite file of millions of seeds",
    kind: "suite",
    args: ["plan", file, "--profile", "smoke"],
    code: 1,
    stderr: /more than 1048576 \(1 MiB\)/,
  });
  return cases;
}

function large(scale: Scale): boolean {
  return scale === "large";
}

/** Copies the folder `from` to `to`. */
async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** The stored test results (three suites at profile smoke). */
const FIXTURE = new URL("./testdata/results/", import.meta.url).pathname;

/** Report cases: each a copy of the mixtures fixture with one cell (or suite.json) damaged. */
async function reportCases(dir: string, scale: Scale): Promise<FuzzCase[]> {
  const cell = "grid25__nsgan__seed0.json";
  type Cell = Record<string, unknown> & {
    config: Record<string, unknown>;
    final: Record<string, number>;
    curves: Record<string, unknown>[];
  };
  const changes: [string, (cells: string, cell: Cell) => Promise<void> | void, RegExp][] = [
    [
      "a copy '…seed0 (copy).json'",
      async (cells) => {
        await Deno.copyFile(join(cells, cell), join(cells, "grid25__nsgan__seed0 (copy).json"));
      },
      /seed0 \(copy\)\.json' left out: its config \(grid25, nsgan, seed 0\) names the file 'grid25__nsgan__seed0\.json'$/,
    ],
    [
      "a cell whose config.variant is not its file name's",
      (_, c) => void (c.config.variant = "wgan-gp"),
      /left out: its config \(grid25, wgan-gp, seed 0\) names the file/,
    ],
    [
      "a cell of another suite",
      (_, c) => void (c.config.suite = "dirac"),
      /left out: it is a cell of dirac\/smoke, in the folder of m\d+\/smoke$/,
    ],
    [
      "a cell whose hash is not its config's",
      (_, c) => void (c.config.steps = 1_000_000),
      /left out: its hash [0-9a-f]{16} is not its config's/,
    ],
    [
      "final: {}",
      (_, c) => void (c.final = {}),
      /left out: it did not diverge, yet holds no final figures$/,
    ],
    [
      "modes.covered = -5",
      (_, c) => void (c.final["modes.covered"] = -5),
      /left out: modes\.covered = -5 is outside its range/,
    ],
    [
      "modes.mass = 1e308",
      (_, c) => void (c.final["modes.mass"] = 1e308),
      /left out: modes\.mass = 1e\+308 is outside its range \(0 to 1\)$/,
    ],
    [
      "a null loss in a curve",
      (_, c) => void (c.curves[1].lossD = null),
      /left out: curve point 1 has lossD = null$/,
    ],
    [
      "a garbage curve point",
      (_, c) => void (c.curves[2].step = -3.5),
      /left out: curve point 2 has step = -3\.5$/,
    ],
    [
      `${large(scale) ? "1,000,000" : "100,001"} curve points`,
      (_, c) => {
        const point = c.curves[0];
        c.curves = Array.from(
          { length: large(scale) ? 1_000_000 : 100_001 },
          (_, step) => ({ ...point, step }),
        );
      },
      large(scale)
        ? /more than a cell writes/
        : /its curve holds 100001 points, more than a suite logs \(100000\)$/,
    ],
    ["a corrupt suite.json", async (cells) => {
      await Deno.writeTextFile(join(cells, "..", "suite.json"), "{ not json");
    }, /suite\.json' cannot be read: its leaderboard is not rebuilt/],
    [
      "a missing suite.json",
      async (cells) => await Deno.remove(join(cells, "..", "suite.json")),
      /suite\.json' is missing: its leaderboard is not rebuilt/,
    ],
  ];
  // One results folder, one report run: each case damages a copy of the mixtures results renamed
  // to suite m<i> (its cells' configs and hashes rewritten to match), and names its own line.
  const root = join(dir, "report");
  const cases: FuzzCase[] = [];
  for (const [name, change, stderr] of changes) {
    const suite = `m${cases.length}`;
    const folder = join(root, suite, "smoke");
    await copyDir(join(FIXTURE, "mixtures", "smoke"), folder);
    const meta = JSON.parse(await Deno.readTextFile(join(folder, "suite.json")));
    await Deno.writeTextFile(join(folder, "suite.json"), JSON.stringify({ ...meta, suite }));
    const cells = join(folder, "cells");
    for await (const entry of Deno.readDir(cells)) {
      if (!entry.name.endsWith(".json")) continue;
      const result = JSON.parse(await Deno.readTextFile(join(cells, entry.name))) as Cell;
      result.config.suite = suite;
      const config = result.config as unknown as CellConfig;
      result.hash = (result as { scoreKey?: string }).scoreKey
        ? trainingHash(config)
        : legacyHash(config);
      await Deno.writeTextFile(join(cells, entry.name), JSON.stringify(result));
    }
    const result = JSON.parse(await Deno.readTextFile(join(cells, cell))) as Cell;
    await change(cells, result);
    await Deno.writeTextFile(join(cells, cell), JSON.stringify(result));
    const counted = !name.includes("suite.json");
    cases.push({
      name,
      kind: "report",
      args: ["report", "--results", root],
      code: 1,
      stderr: new RegExp(`/${suite}/smoke/.*${stderr.source}`),
      shared: true,
      after: counted
        ? async () => {
          const board = await Deno.readTextFile(join(folder, "leaderboard.md"));
          if (!board.includes("1 stored cell was left out")) {
            throw new Error("the leaderboard does not count the cell left out");
          }
        }
        : undefined,
    });
  }
  return cases;
}

/** Writes the corpus of `scale` under `dir`; returns its cases. */
export async function writeCorpus(dir: string, scale: Scale): Promise<FuzzCase[]> {
  return [
    ...await scoreCases(dir, scale),
    ...await suiteCases(dir, scale),
    ...await reportCases(dir, scale),
  ];
}
