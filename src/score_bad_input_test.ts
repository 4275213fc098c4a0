/**
 * Bad input of every kind for `score` and suite files (issue #15): each case goes through the
 * function the command line calls (`score`, `parseSuite`/`loadSuite`, `buildMatrix`) and must
 * give one line naming the problem, with the right exit code, never a silent number. A few run
 * the command line to check the exit code and the single stderr line: the first in a subprocess
 * (the real entry point), the others through `main()` in this process (less a Deno start-up each).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { cli, runMain } from "../testing/cli.ts";
import { npyBytes, uniform } from "../testing/fuzz_corpus.ts";
import { TEST_SUITE } from "../testing/suites.ts";
import { FileSystemError, UsageError, UserError, userErrorFromOs } from "./errors.ts";
import { readNpz, writeNpz } from "./data/npz.ts";
import { readNpy } from "./data/npy.ts";
import { buildMatrix } from "./runner/cells.ts";
import { loadSuite, parseSuite, SUITE_LIMITS } from "./runner/suite.ts";
import { FEATURE_METRIC_DEFAULTS, score, type ScoreRequest } from "./score.ts";
import { MAX_STATS_WIDTH, readInput } from "./score_input.ts";

// ---------------------------------------------------------------------------------------------
// Inputs, written into a temporary folder.

const f8 = (shape: number[], values: ArrayLike<number>) =>
  npyBytes("<f8", shape, new Uint8Array(Float64Array.from(values).buffer));
const f4 = (shape: number[], values: ArrayLike<number>) =>
  npyBytes("<f4", shape, new Uint8Array(Float32Array.from(values).buffer));
const u1 = (shape: number[], values: ArrayLike<number>) =>
  npyBytes("|u1", shape, Uint8Array.from(values));

/** 40 "images" of 6x6 grey pixels, quantised to k/255 so that every scaling is exact. */
const N = 40, SIDE = 6;
const PIXELS = uniform(N * SIDE * SIDE, 7).map((v) => Math.round(v * 255));
const REFERENCE = uniform(N * SIDE * SIDE, 11).map((v) => Math.round(v * 255));

const dir = await Deno.makeTempDir({ prefix: "ganbench-bad-input-" });
const path = (name: string) => join(dir, name);
const files: Record<string, Uint8Array> = {
  "images_u8.npy": u1([N, SIDE, SIDE], PIXELS),
  "images_01.npy": f8([N, SIDE, SIDE], PIXELS.map((v) => v / 255)),
  "images_pm1.npy": f8([N, SIDE, SIDE, 1], PIXELS.map((v) => (v / 255) * 2 - 1)),
  "images_0255.npy": f8([N, SIDE, SIDE], PIXELS),
  "reference_u8.npy": u1([N, SIDE, SIDE], REFERENCE),
  "images_01_over.npy": f4([N, SIDE, SIDE], PIXELS.map((v, i) => (i === 100 ? 1.0001 : v / 255))),
  "images_01_under.npy": f4([N, SIDE, SIDE], PIXELS.map((v, i) => (i === 7 ? -0.0001 : v / 255))),
  "images_wide.npy": f8([N, SIDE, SIDE], PIXELS.map((v) => v / 30 - 3)),
  "features.npy": f8([N, 8], uniform(N * 8, 3)),
  "features_ref.npy": f8([N, 8], uniform(N * 8, 5)),
  "few.npy": f8([3, 128], uniform(3 * 128, 9)),
  "few_ref.npy": f8([3, 128], uniform(3 * 128, 13)),
  "empty.npy": f8([3, 0], []),
  "wide.npy": f4([3, 70_000], uniform(3 * 70_000, 17)),
  "nan.npy": f8([4, 3], [0, 1, 2, 3, 4, 5, 6, NaN, 8, 9, 10, 11]),
  "inf.npy": f8([4, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -Infinity, 11]),
  "huge.npy": f8([4, 3], [0, 1, 2, 1e308, 4, 5, 6, 7, 8, 9, 10, 11]),
  "complex.npy": npyBytes("<c16", [4, 2], new Uint8Array(4 * 2 * 16)),
  "strings.npy": npyBytes("<U3", [4, 2], new Uint8Array(4 * 2 * 12)),
  "int64.npy": npyBytes("<i8", [4, 2], new Uint8Array(4 * 2 * 8)),
  "big_endian.npy": npyBytes(">f8", [4, 2], new Uint8Array(4 * 2 * 8)),
  "structured.npy": new TextEncoder().encode("\x93NUMPY"),
  "not_npy.npy": new TextEncoder().encode("just text, not an array"),
  // The header promises 10^6 x 1000 float64 (8 GB); the file holds 96 bytes.
  "short_data.npy": npyBytes("<f8", [1_000_000, 1000], new Uint8Array(96)),
  "long_data.npy": npyBytes("<f8", [2, 2], new Uint8Array(64)),
};
const intact = f8([N, 8], uniform(N * 8, 3));
files["truncated.npy"] = intact.subarray(0, intact.length - 1000);
for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(path(name), bytes);

/** FID statistics with the sigma given (d = 3). */
async function stats(name: string, mu: number[], sigma: number[], shape = [3, 3]) {
  await writeNpz(path(name), {
    mu: { data: Float64Array.from(mu), shape: [mu.length] },
    sigma: { data: Float64Array.from(sigma), shape },
  });
}
await stats("stats_ok.npz", [0, 0, 0], [2, 0.5, 0, 0.5, 1, 0, 0, 0, 1]);
await stats("stats_not_psd.npz", [0, 0, 0], [1, 2, 0, 2, 1, 0, 0, 0, 1]);
await stats("stats_negative_variance.npz", [0, 0, 0], [1, 0, 0, 0, -1, 0, 0, 0, 1]);
await stats("stats_asymmetric.npz", [0, 0, 0], [1, 0.5, 0, 0.1, 1, 0, 0, 0, 1]);
await stats("stats_nan.npz", [0, NaN, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
await stats("stats_shape.npz", [0, 0, 0], [1, 0, 0, 1], [2, 2]);
await writeNpz(path("no_sigma.npz"), { mu: { data: Float64Array.from([1]), shape: [1] } });

/** Grey PNGs of side `side` (or RGB ones with `channels` 3) in a new folder. */
async function pngFolder(name: string, side: number, channels: 1 | 3): Promise<string> {
  const folder = path(name);
  await Deno.mkdir(folder);
  for (let i = 0; i < 4; i++) {
    const pixels = new Uint8Array(side * side * channels).map((_, p) => (p * 7 + i * 31) % 256);
    let image = sharp(pixels, { raw: { width: side, height: side, channels } });
    if (channels === 1) image = image.toColourspace("b-w"); // a grey PNG (colour type 0)
    await image.png().toFile(join(folder, `${i}.png`));
  }
  return folder;
}
const greyFolder = await pngFolder("grey28", 28, 1);
const colourFolder = await pngFolder("rgb32", 32, 3);
await Deno.writeTextFile(path("a_file"), "not a folder");

// ---------------------------------------------------------------------------------------------
// score, in process.

/** A score request with defaults (raw features, KID with 5 subsets); warnings are collected. */
function request(inputs: string[], more: Partial<ScoreRequest> = {}) {
  const warnings: string[] = [];
  const options = { ...FEATURE_METRIC_DEFAULTS, kidSubsets: 5, ...more.options };
  const full: ScoreRequest = {
    metrics: ["fid"],
    features: "raw",
    inputs: inputs.map(path),
    ...more,
    options,
    warn: (message) => warnings.push(message),
  };
  return { request: full, warnings };
}

const fidOf = async (inputs: string[], more: Partial<ScoreRequest> = {}) =>
  (await score(request(inputs, more).request)).fid as number;

/** [name, inputs, request overrides, error class, pattern of the message]. */
type BadCase = [
  string,
  string[],
  Partial<ScoreRequest>,
  abstract new (...args: never[]) => UserError,
  RegExp,
];
const BAD_SCORE_INPUTS: BadCase[] = [
  [
    "a [0, 1] image array with one pixel at 1.0001",
    ["images_01_over.npy", "reference_u8.npy"],
    {},
    UserError,
    /^Cannot tell the value range of the images in '.*images_01_over\.npy': found min 0, max 1\.000\d+ \(float32\), just outside \[0, 1\].*--range 0-1\|0-255\|-1-1/,
  ],
  [
    "a [0, 1] image array with one pixel at -0.0001",
    ["images_01_under.npy", "reference_u8.npy"],
    {},
    UserError,
    /found min -0\.000\d+, max 1 \(float32\), just outside \[0, 1\]/,
  ],
  [
    "an image array in no range",
    ["images_wide.npy", "reference_u8.npy"],
    {},
    UserError,
    /found min -[\d.]+, max [\d.]+ \(float64\), within none of \[0, 1\], \[-1, 1\], \[0, 255\]/,
  ],
  [
    "a value outside the stated --range",
    ["images_01_over.npy", "reference_u8.npy"],
    { range: "0-1" },
    UserError,
    /holds 1\.000\d+ at index \[2, 4, 4\], outside the stated --range 0-1$/,
  ],
  [
    "uint8 images stated as -1-1",
    ["images_u8.npy", "reference_u8.npy"],
    { range: "-1-1" },
    UserError,
    /holds \d+ at index \[\d+, \d+, \d+\], outside the stated --range -1-1$/,
  ],
  [
    "--range with feature vectors only",
    ["features.npy", "features_ref.npy"],
    { range: "0-1" },
    UsageError,
    /^--range applies to \.npy image arrays .*none of/,
  ],
  [
    "a truncated .npy",
    ["truncated.npy", "features_ref.npy"],
    {},
    UserError,
    /^Cannot read '.*truncated\.npy': the file is truncated: shape \[40, 8\] of float64 needs 2560 bytes of data, it holds 1560$/,
  ],
  [
    "a header shape larger than the data",
    ["short_data.npy", "features_ref.npy"],
    {},
    UserError,
    /the file is truncated: shape \[1000000, 1000\] of float64 needs 8000000000 bytes/,
  ],
  [
    "more data than the header says",
    ["long_data.npy", "features_ref.npy"],
    {},
    UserError,
    /the file is longer than its header says/,
  ],
  ["NaN", ["nan.npy", "features_ref.npy"], {}, UserError, /holds NaN at row 2, column 1: /],
  [
    "-Infinity",
    ["inf.npy", "features_ref.npy"],
    {},
    UserError,
    /holds -Infinity at row 3, column 1/,
  ],
  ["1e308", ["huge.npy", "features_ref.npy"], {}, UserError, /holds 1e\+308, beyond ±1e\+50/],
  ["complex128", ["complex.npy", "features_ref.npy"], {}, UserError, /dtype <c16 holds complex/],
  ["a string dtype", ["strings.npy", "features_ref.npy"], {}, UserError, /dtype <U3 holds strings/],
  ["int64", ["int64.npy", "features_ref.npy"], {}, UserError, /dtype <i8 is an integer type wider/],
  ["big-endian", ["big_endian.npy", "features_ref.npy"], {}, UserError, /is big-endian/],
  ["a cut header", ["structured.npy", "features_ref.npy"], {}, UserError, /\.npy magic bytes/],
  ["not an array", ["not_npy.npy", "features_ref.npy"], {}, UserError, /\.npy magic bytes/],
  [
    "an N x 0 array",
    ["empty.npy", "features_ref.npy"],
    {},
    UserError,
    /holds no values: shape \[3, 0\] has a dimension of 0$/,
  ],
  [
    "a sigma that is not positive semi-definite",
    ["stats_not_psd.npz", "stats_ok.npz"],
    {},
    UserError,
    /stats_not_psd\.npz:sigma' is no covariance: it is not positive semi-definite/,
  ],
  [
    "a negative variance",
    ["stats_negative_variance.npz", "stats_ok.npz"],
    {},
    UserError,
    /is no covariance: a negative variance -1 at row 1, column 1$/,
  ],
  [
    "an asymmetric sigma",
    ["stats_asymmetric.npz", "stats_ok.npz"],
    {},
    UserError,
    /is no covariance: it is not symmetric \(0\.5 at row 0, column 1, 0\.1 at row 1, column 0\)$/,
  ],
  ["NaN in mu", ["stats_nan.npz", "stats_ok.npz"], {}, UserError, /:mu' holds NaN at index \[1\]/],
  [
    "mu and sigma of different sizes",
    ["stats_shape.npz", "stats_ok.npz"],
    {},
    UserError,
    /got mu \[3\] and sigma \[2, 2\]$/,
  ],
  ["no sigma", ["no_sigma.npz", "stats_ok.npz"], {}, UserError, /; it holds mu$/],
  [
    "grey 28x28 PNGs against 32x32 RGB ones",
    ["grey28", "rgb32"],
    {},
    UserError,
    /^feature dimensions differ: '.*grey28' holds 28x28x1 images \(784 values each\), '.*rgb32' holds 32x32x3 images \(3072 values each\)$/,
  ],
  [
    "--kid-subset-size 1",
    ["features.npy", "features_ref.npy"],
    { metrics: ["kid"], options: { ...FEATURE_METRIC_DEFAULTS, kidSubsetSize: 1 } },
    UsageError,
    /^--kid-subset-size must be >= 2 .*, got 1$/,
  ],
  [
    "an empty --metrics",
    ["features.npy"],
    { metrics: [] },
    UsageError,
    /^--metrics names no metric/,
  ],
  [
    "--kid-subsets 20000",
    ["features.npy", "features_ref.npy"],
    { metrics: ["kid"], options: { ...FEATURE_METRIC_DEFAULTS, kidSubsets: 20_000 } },
    UsageError,
    /^--kid-subsets must be <= 10000, got 20000$/,
  ],
  [
    "FID of 70,000-wide features",
    ["wide.npy", "wide.npy"],
    { metrics: ["fid"] },
    UserError,
    /^fid: features of 70000 values are too wide: 70000 x 70000 covariances would need 78 GB/,
  ],
  [
    "KID of 70,000-wide features",
    ["wide.npy", "wide.npy"],
    { metrics: ["kid", "prc"] },
    UserError,
    /^kid,prc: features of 70000 values are too wide for the float64 kernels' 4 GB memory/,
  ],
  [
    "a missing input",
    ["missing.npy", "features.npy"],
    {},
    FileSystemError,
    /^Cannot read '.*missing\.npy': no such file or folder \(ENOENT\)$/,
  ],
  [
    "a path through a file",
    ["a_file/x.npy", "features.npy"],
    {},
    FileSystemError,
    /^Cannot read '.*a_file\/x\.npy': a part of the path is a file, not a folder \(ENOTDIR\)$/,
  ],
  [
    "--save-stats under a file",
    ["features.npy"],
    { metrics: [], saveStats: join(dir, "a_file", "sub", "stats.npz") },
    FileSystemError,
    /^Cannot create the folder '.*a_file\/sub': a part of the path is a file, not a folder \(ENOTDIR\)$/,
  ],
];

for (const [name, inputs, more, kind, pattern] of BAD_SCORE_INPUTS) {
  Deno.test(`score refuses ${name} with one line`, async () => {
    await assert.rejects(
      () => score(request(inputs, more).request),
      (error: Error) => {
        assert.ok(error instanceof kind, `${error.name}: ${error.message}`);
        assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
        assert.match(error.message, pattern);
        return true;
      },
    );
  });
}

Deno.test("score reads a header whose shape exceeds the data without allocating it", async () => {
  const started = performance.now();
  await assert.rejects(() => readNpy(path("short_data.npy")), /truncated/);
  assert.ok(performance.now() - started < 1000, "refused before reading 8 GB");
});

Deno.test("score maps every unambiguous image range to [0, 1] as before", async () => {
  // The same pixels as uint8, [0, 1] floats, [-1, 1] floats and [0, 255] floats give one FID.
  const reference = await fidOf(["images_u8.npy", "reference_u8.npy"]);
  assert.ok(reference > 0);
  for (const name of ["images_01.npy", "images_0255.npy"]) {
    assert.ok(Math.abs((await fidOf([name, "reference_u8.npy"])) - reference) < 1e-9, name);
  }
  // [-1, 1] maps through (v + 1) / 2, the same values up to rounding (N x 6 x 6 x 1: 36 wide).
  const pm1 = await fidOf(["images_pm1.npy", "reference_u8.npy"]);
  assert.ok(Math.abs(pm1 - reference) < 1e-9, `${pm1} vs ${reference}`);
});

Deno.test("score's --range overrides the guess", async () => {
  // Stated as 0-255, [0, 1] floats are divided by 255 again: nearly black images.
  const guessed = await fidOf(["images_01.npy", "reference_u8.npy"]);
  const stated = await fidOf(["images_01.npy", "reference_u8.npy"], { range: "0-255" });
  assert.notEqual(stated, guessed);
  const darkened = await fidOf(["images_u8.npy", "reference_u8.npy"], { range: "0-255" });
  assert.equal(darkened, guessed);
  // An ambiguous array is scored once the range is stated and it fits.
  const clipped = f4([N, SIDE, SIDE], PIXELS.map((v) => v / 255 - 0.0001));
  await Deno.writeFile(path("images_shifted.npy"), clipped);
  await assert.rejects(() => fidOf(["images_shifted.npy", "reference_u8.npy"]), /value range/);
  await assert.rejects(
    () => fidOf(["images_shifted.npy", "reference_u8.npy"], { range: "0-1" }),
    /outside the stated --range 0-1/,
  );
  // A stated range applies to every .npy image input: here both are read as [-1, 1].
  assert.ok(await fidOf(["images_shifted.npy", "images_pm1.npy"], { range: "-1-1" }) > 0);
});

Deno.test("score warns when FID or KID rest on too few samples and says what KID used", async () => {
  const few = request(["few.npy", "few_ref.npy"], { metrics: ["fid", "kid"] });
  const output = await score(few.request);
  assert.ok(Number.isFinite(output.fid as number));
  assert.equal(output.kid_subset_size, 3);
  assert.equal(output.kid_subsets, 5);
  assert.equal(few.warnings.length, 4, few.warnings.join("\n"));
  assert.match(few.warnings[0], /^fid: '.*few\.npy' has 3 samples of 128 features, no more/);
  assert.match(few.warnings[2], /^kid: subsets of 3 samples are the whole of '.*few\.npy'/);
  const plenty = request(["features.npy", "features_ref.npy"], {
    metrics: ["fid", "kid"],
    options: { ...FEATURE_METRIC_DEFAULTS, kidSubsets: 5, kidSubsetSize: 20 },
  });
  const quiet = await score(plenty.request);
  assert.deepEqual(plenty.warnings, []);
  assert.equal(quiet.kid_subset_size, 20);
});

Deno.test("score reads grey PNGs as one channel and colour ones as three", async () => {
  const grey = await readInput(greyFolder);
  assert.deepEqual(grey.image, { height: 28, width: 28, channels: 1 });
  assert.deepEqual([grey.features?.n, grey.features?.d], [4, 784]);
  // The first grey pixel of image 0 is (0 * 7 + 0) % 256 = 0, the second 7: one value each.
  assert.deepEqual(Array.from(grey.features!.data.subarray(0, 2)), [0, 7 / 255]);
  const colour = await readInput(colourFolder);
  assert.deepEqual(colour.image, { height: 32, width: 32, channels: 3 });
  assert.equal(colour.features?.d, 32 * 32 * 3);
});

Deno.test("--save-stats replaces a stats file atomically and a failed write keeps it", async () => {
  const target = path("saved.npz");
  await writeNpz(target, { mu: { data: Float64Array.from([9]), shape: [1] } });
  await score(request(["features.npy"], { metrics: [], saveStats: target }).request);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.ok(!names.some((name) => name.includes(".tmp-")), names.join(", "));
  const stored = await readNpz(target);
  assert.deepEqual(stored.sigma.shape, [8, 8]);
  // A rename onto a folder fails after the temporary file is written: no temporary file is left.
  await Deno.mkdir(path("occupied.npz/inside"), { recursive: true });
  await assert.rejects(
    () =>
      score(request(["features.npy"], { metrics: [], saveStats: path("occupied.npz") }).request),
    (error: Error) => error instanceof FileSystemError && /occupied\.npz/.test(error.message),
  );
  assert.ok(![...Deno.readDirSync(dir)].some((e) => e.name.includes(".tmp-")));
});

Deno.test("--save-stats writes statistics as wide as score reads back, and refuses wider features", async () => {
  // MAX_STATS_WIDTH features; more samples than features, so that sigma is positive definite.
  const d = MAX_STATS_WIDTH, n = d + 256;
  await Deno.writeFile(path("at_limit.npy"), f8([n, d], uniform(n * d, 19)));
  await score(request(["at_limit.npy"], { metrics: [], saveStats: path("at_limit.npz") }).request);
  const read = await readInput(path("at_limit.npz"));
  assert.equal(read.stats?.mean.length, d);
  assert.equal(read.stats?.covariance.rows, d);
  await Deno.writeFile(path("over_limit.npy"), f8([3, d + 1], uniform(3 * (d + 1), 23)));
  await assert.rejects(
    () => score(request(["over_limit.npy"], { metrics: [], saveStats: path("over.npz") }).request),
    (error: Error) => {
      assert.ok(error instanceof UserError, `${error.name}: ${error.message}`);
      assert.match(
        error.message,
        new RegExp(`^--save-stats: features of ${d + 1} values are wider than the ${d} that`),
      );
      return true;
    },
  );
  assert.ok(
    ![...Deno.readDirSync(dir)].some((entry) => entry.name === "over.npz"),
    "nothing written",
  );
});

Deno.test("userErrorFromOs names the path and the OS reason of file-system faults", async () => {
  const constructed: [Error, RegExp][] = [
    [
      Object.assign(new Error("No space left on device (os error 28): writefile '/x/a.tmp'"), {
        code: "ENOSPC",
      }),
      /^Cannot write 'out\/a\.npz': no space left on device \(ENOSPC\)$/,
    ],
    [
      Object.assign(new Error("Read-only file system (os error 30): mkdir '/ro/x'"), {
        code: "EROFS",
      }),
      /^Cannot create the folder 'out\/a\.npz': read-only file system \(EROFS\)$/,
    ],
    [
      Object.assign(new Error("EACCES: permission denied, open '/x'"), {
        code: "EACCES",
        syscall: "open",
      }),
      /^Cannot open 'out\/a\.npz': permission denied \(EACCES\)$/,
    ],
    [new Deno.errors.NotFound("gone"), /^Cannot use 'out\/a\.npz': no such file or folder/],
  ];
  for (const [error, pattern] of constructed) {
    const user = userErrorFromOs(error, "out/a.npz");
    assert.ok(user instanceof FileSystemError);
    assert.equal(user.exitCode, 1);
    assert.match(user.message, pattern);
  }
  assert.equal(userErrorFromOs(new TypeError("a bug")), undefined);
  assert.equal(userErrorFromOs(new UsageError("already a user error")), undefined);
  // A real full disk: /dev/full answers every write with ENOSPC.
  const full = await Deno.writeFile("/dev/full", new Uint8Array(8)).catch((error) => error);
  assert.match(userErrorFromOs(full)!.message, /^Cannot write '\/dev\/full': no space left/);
  // A read-only folder stops only a user without root's override.
  if (Deno.uid() !== 0) {
    const readOnly = path("read-only");
    await Deno.mkdir(readOnly, { mode: 0o555 });
    const denied = await Deno.writeTextFile(join(readOnly, "x"), "x").catch((error) => error);
    assert.match(userErrorFromOs(denied)!.message, /permission denied \(EACCES\)$/);
  }
});

// ---------------------------------------------------------------------------------------------
// Suite files.

type SuiteJson = typeof TEST_SUITE & Record<string, unknown>;

/** [name, the suite's text (or a change to the valid suite), pattern of the message]. */
const BAD_SUITES: [string, string | ((suite: SuiteJson) => void), RegExp][] = [
  [
    "batchSize 1e9",
    (s) => (s.profiles.quick.batchSize = 1e9),
    /profiles\.quick\.batchSize: Too big: expected number to be <=65536, got 1000000000$/,
  ],
  ["latentDim 1e9", (s) => (s.latentDim = 1e9), /latentDim: Too big: .*<=4096, got 1000000000/],
  [
    "evalSamples 1e9",
    (s) => Object.assign(s.profiles.full, { evalSamples: 1e9 }),
    /profiles\.full\.evalSamples: Too big: .*<=200000/,
  ],
  [
    "2,001 seeds",
    (s) => (s.seeds = Array.from({ length: 2001 }, (_, i) => i)),
    /^Cannot parse suite 'suites\/t\.json': seeds: Too big: expected array to have <=1000 items, got \[0,1,2,3,.{0,80}\.\.\.( \(and .*\))?$/,
  ],
  [
    "a grid of 200,000 cells",
    (s) => {
      (s as Record<string, unknown>).variants = Array.from(
        { length: 200 },
        (_, i) => ({ name: "nsgan", label: `v${i}` }),
      );
      s.seeds = Array.from({ length: 1000 }, (_, i) => i);
    },
    /profiles\.smoke: 200000 cells \(1 datasets x 200 variants x 1000 seeds\), more than 100000/,
  ],
  [
    "logging every step of 10 million",
    (s) => Object.assign(s.profiles.full, { steps: 10_000_000, evalEvery: 1000, logEvery: 1 }),
    /profiles\.full\.logEvery: must be >= 100: steps \/ logEvery = 10000000 points per run/,
  ],
  [
    "a 68 MB-like wrong-type value",
    (s) => ((s as Record<string, unknown>).variants = "x".repeat(1_000_000)),
    /variants: Invalid input: expected array, received string, got "x{79}\.\.\.( \(and 1 more problem\))?$/,
  ],
  [
    "1e999",
    '{"version": 1e999}',
    /^Cannot parse suite 'suites\/t\.json': version: Invalid input: expected a finite number \(the value is out of range\), got Infinity/,
  ],
  [
    "invalid JSON",
    '{\n  "version": 1,\n  "datasets": ["ring8",],\n}',
    /^Cannot parse suite 'suites\/t\.json': invalid JSON at line 3, column 24: Unexpected token '\]'$/,
  ],
  [
    "10,000-deep nesting",
    `{"model": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
    /JSON nested more than 64 levels deep, at model\[0\]\[0\]/,
  ],
];

for (const [name, change, pattern] of BAD_SUITES) {
  Deno.test(`parseSuite refuses ${name} with one line`, () => {
    let text: string;
    if (typeof change === "string") {
      text = change;
    } else {
      const suite = structuredClone(TEST_SUITE) as SuiteJson;
      change(suite);
      text = JSON.stringify(suite);
    }
    assert.throws(
      () => parseSuite(text, "t", "suites/t.json"),
      (error: Error) => {
        assert.ok(error instanceof UserError, error.name);
        assert.ok(!error.message.includes("\n"), "one line");
        assert.ok(error.message.length < 400, `short: ${error.message.length} characters`);
        assert.match(error.message, pattern);
        return true;
      },
    );
  });
}

Deno.test("parseSuite and buildMatrix refuse model sizes beyond the bounds and absurd grids", () => {
  const wide = structuredClone(TEST_SUITE) as SuiteJson;
  wide.model = { generator: { hidden: [1e9] } };
  assert.throws(
    () =>
      buildMatrix(parseSuite(JSON.stringify(wide), "t", "t.json"), {
        profile: "quick",
        backend: "cpu",
      }),
    /model\.generator\.hidden\[0\]: Too big: expected number to be <=16384, got 1000000000/,
  );
  const suite = parseSuite(JSON.stringify(TEST_SUITE), "t", "t.json");
  const seeds = Array.from({ length: SUITE_LIMITS.cells + 1 }, (_, i) => i);
  assert.throws(
    () => buildMatrix(suite, { profile: "quick", backend: "cpu", seeds }),
    (error: Error) =>
      error instanceof UserError &&
      error.message ===
        "Suite 't' at profile 'quick': 100001 cells (1 datasets x 1 variants x 100001 seeds), more than 100000",
  );
});

Deno.test("loadSuite refuses suite files whose name is empty or a dot", async () => {
  for (const name of [".json", "..json"]) {
    const file = path(name);
    await Deno.writeTextFile(file, JSON.stringify(TEST_SUITE));
    assert.throws(
      () => loadSuite(file),
      (error: Error) =>
        error instanceof UserError &&
        /its name \(the file name without \.json\) must be letters, digits/.test(error.message),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// The command line: exit codes and the single stderr line.

Deno.test("the command line answers bad input with one stderr line and exit 1 or 2", async () => {
  await Deno.writeTextFile(path("infinite.json"), '{"version": 1e999}');
  const cases: [string[], number, RegExp][] = [
    [
      ["score", "--metrics", "fid", path("truncated.npy"), path("features_ref.npy")],
      1,
      /^ganbench: Cannot read '.*truncated\.npy': the file is truncated/,
    ],
    [
      ["score", "--range", "0-2", path("images_01.npy"), path("reference_u8.npy")],
      2,
      /--range/,
    ],
    [
      [
        "score",
        "--metrics",
        "kid",
        "--kid-subset-size",
        "1",
        path("features.npy"),
        path("features.npy"),
      ],
      2,
      /^ganbench: --kid-subset-size must be >= 2/,
    ],
    [["score", "--metrics", ",", path("features.npy")], 2, /^ganbench: --metrics/],
    [
      ["score", "--save-stats", "/proc/ganbench/stats.npz", path("features.npy")],
      1,
      /^ganbench: Cannot create the folder '\/proc\/ganbench': no such file or folder \(ENOENT\)$/,
    ],
    [["suite", path("infinite.json")], 1, /version: Invalid input: expected a finite number/],
  ];
  for (const [i, [args, code, pattern]] of cases.entries()) {
    const run = await (i === 0 ? cli : runMain)(...args);
    assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one stderr line for ${args.join(" ")}: ${run.stderr}`);
    assert.match(lines[0], pattern);
  }
});

Deno.test("score's warnings go to stderr and its JSON says the KID subset size used", async () => {
  const run = await runMain(
    "score",
    "--metrics",
    "kid",
    "--kid-subsets",
    "3",
    "--json",
    path("few.npy"),
    path("few_ref.npy"),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).kid_subset_size, 3);
  assert.match(run.stderr, /^ganbench: warning: kid: subsets of 3 samples are the whole/m);
});

Deno.test({
  name: "remove the temporary inputs",
  fn: () => Deno.remove(dir, { recursive: true }),
});
