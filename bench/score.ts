/**
 * Scoring speed: seconds of `score --metrics fid,kid,prc,dc` (the in-process {@linkcode score}
 * function) next to the same computation in NumPy/SciPy (bench/score_numpy.py: pytorch-fid's FID,
 * torch-fidelity's KID, the prdc package's definitions with blocked distances) run in the same
 * invocation on the same .npy files, with the ganbench/NumPy ratio and both sides' values.
 *
 * Cases (`--cases`, default `gaussian,mnist`):
 * - `gaussian`: `--n` (10k) vs 10k seeded `--dim` (64) dimensional features from two Gaussians.
 * - `mnist`: the first `--n` MNIST test images vs the first `--n` training images through
 *   `--features mnist`. ganbench's "total with extraction" includes the feature network; its
 *   parts are timed again on the exported 128-d features, which are what NumPy scores. The peer's
 *   extraction is the same network rebuilt in PyTorch from the same weights
 *   (bench/extract_torch.py, Debian python3-torch), whose features are compared with ganbench's.
 * - `fid2048`: FID alone on `--n` vs `--n` 2048-dimensional Gaussian features (InceptionV3's
 *   width): covariances and the matrix square root dominate.
 *
 * The peers run without the variables that pin OpenBLAS to another CPU's kernels (`peer.ts`), and
 * the output ends with their descriptions (BLAS, kernels, threads, CPU capability); `--json` adds
 * them as `_peers`.
 *
 * Every ganbench part is its own score() call, which reads both .npy files; NumPy's parts are
 * shown with its reading time added, so both sides time "read the files, compute the part".
 * "total" is one score() call with every metric, and NumPy's reading plus all its parts. With
 * `--repeat N` every timing is the fastest of N runs, on both sides.
 *
 * Usage: deno task bench:score [--json] [--cases gaussian,mnist,fid2048] [--n 10000] [--dim 64]
 *        [--repeat 1]
 *
 * @module
 */
import { join } from "node:path";
import { dump } from "npyjs";
import { readNpy } from "../src/data/npy.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { initBackend } from "../src/engine/backend.ts";
import { parseScriptArgs } from "../src/cli_options.ts";
import { Rng } from "../src/engine/rng.ts";
import { resolveExtractor } from "../src/metrics/extractors.ts";
import { FEATURE_METRIC_DEFAULTS, score, type ScoreRequest } from "../src/score.ts";
import { describePeer, peerCommand, type PeerInfo } from "./peer.ts";

type Value = number | { mean: number; std: number };
type Values = Record<string, Value>;

/** Table parts: the metrics of one score() call, and the NumPy parts that compute the same. */
const PARTS: Record<string, { metrics: string[]; numpy: string[] }> = {
  fid: { metrics: ["fid"], numpy: ["fid"] },
  kid: { metrics: ["kid"], numpy: ["kid"] },
  prdc: { metrics: ["prc", "dc"], numpy: ["prdc"] },
};
const VALUE_KEYS = ["fid", "kid", "precision", "recall", "density", "coverage"];

interface PeerResult {
  seconds: Record<string, number>;
  values: Values;
  versions?: Record<string, string>;
  peer?: PeerInfo;
}

/** The peers' descriptions (NumPy/SciPy's, PyTorch's extraction), one line each, for the output. */
const peerLines = new Set<string>();

/** One case: seconds per part on both sides (null where NumPy did not run), and the values. */
interface CaseResult {
  skipped?: string;
  ganbench: Record<string, number>;
  numpy: Record<string, number> | null;
  ratio: Record<string, number | null>;
  values: { ganbench: Values; numpy: Values | null };
  note?: string;
}

async function writeNpy(path: string, data: Float64Array | Uint8Array, shape: number[]) {
  await Deno.writeFile(path, new Uint8Array(dump(data, shape)));
}

/**
 * Seeded n x d features: reference N(0, I); generated N(0.1, diag) with std 1.2 in the first half
 * of the dimensions and 1 in the rest.
 */
function gaussians(n: number, d: number): { generated: Float64Array; reference: Float64Array } {
  const rng = new Rng(0);
  const reference = new Float64Array(n * d), generated = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) reference[i] = rng.normal();
  for (let i = 0; i < n * d; i++) generated[i] = 0.1 + (i % d < d / 2 ? 1.2 : 1) * rng.normal();
  return { generated, reference };
}

async function writeGaussians(dir: string, n: number, d: number): Promise<string[]> {
  const { generated, reference } = gaussians(n, d);
  const paths = [join(dir, `generated_${n}x${d}.npy`), join(dir, `reference_${n}x${d}.npy`)];
  await writeNpy(paths[0], generated, [n, d]);
  await writeNpy(paths[1], reference, [n, d]);
  return paths;
}

/** Runs `compute` `--repeat` times: the last value and the fastest run's seconds. */
async function timed<T>(compute: () => Promise<T>): Promise<[T, number]> {
  let best = Infinity, value: T | undefined;
  for (let run = 0; run < repeat; run++) {
    const start = performance.now();
    value = await compute();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return [value!, best];
}

/** The Python with NumPy and SciPy (Debian's first), or the reason there is none. */
function findPython(): { python?: string; reason?: string } {
  let reason = "python3 not found";
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const probe = peerCommand(candidate, ["-c", "import numpy, scipy.linalg"], {
        stdout: "null",
        stderr: "piped",
      }).outputSync();
      if (probe.code === 0) return { python: candidate };
      reason = new TextDecoder().decode(probe.stderr).trim().split("\n").pop() ?? reason;
    } catch {
      // not installed: try the next
    }
  }
  return { reason };
}

/** Runs bench/score_numpy.py; null (with a note on stderr) when there is no peer or it fails. */
function runNumpy(
  python: string | undefined,
  paths: string[],
  parts: string[],
): PeerResult | null {
  if (!python) return null;
  const script = new URL("./score_numpy.py", import.meta.url).pathname;
  const output = peerCommand(
    python,
    [script, ...paths, "--parts", parts.join(","), "--repeat", String(repeat)],
    { stdout: "piped", stderr: "piped" },
  ).outputSync();
  if (output.code !== 0) {
    const reason = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
    console.error(`note: NumPy/SciPy peer failed on ${paths[0]}: ${reason}`);
    return null;
  }
  const result: PeerResult = JSON.parse(new TextDecoder().decode(output.stdout));
  if (result.peer) peerLines.add(`NumPy/SciPy ${describePeer(result.peer)}`);
  return result;
}

function request(metrics: string[], features: string, inputs: string[]): ScoreRequest {
  return { metrics, features, inputs, options: { ...FEATURE_METRIC_DEFAULTS } };
}

function pickValues(output: Record<string, unknown>): Values {
  return Object.fromEntries(
    VALUE_KEYS.filter((k) => k in output).map((k) => [k, output[k] as Value]),
  );
}

/**
 * Times score() once per part, then once with every part's metrics ("total"), on the same files
 * as NumPy; returns both sides' seconds (NumPy's parts with its reading time added).
 */
async function compareParts(
  paths: string[],
  features: string,
  parts: string[],
  python: string | undefined,
): Promise<CaseResult> {
  const seconds: Record<string, number> = {};
  if (parts.length > 1) {
    for (const part of parts) {
      [, seconds[part]] = await timed(() => score(request(PARTS[part].metrics, features, paths)));
    }
  }
  const all = parts.flatMap((part) => PARTS[part].metrics);
  const [output, total] = await timed(() => score(request(all, features, paths)));
  seconds.total = total;
  const peer = runNumpy(python, paths, parts.flatMap((part) => PARTS[part].numpy));
  let numpy: Record<string, number> | null = null;
  if (peer) {
    numpy = { total: peer.seconds.total };
    for (const part of parts) {
      numpy[part] = PARTS[part].numpy.reduce((s, p) => s + peer.seconds[p], peer.seconds.load);
    }
  }
  return {
    ganbench: seconds,
    numpy,
    ratio: Object.fromEntries(
      Object.entries(seconds).map(([k, v]) => [k, numpy?.[k] ? v / numpy[k] : null]),
    ),
    values: { ganbench: pickValues(output), numpy: peer?.values ?? null },
  };
}

/** JIT warm-up on a small set, so that the first timed case does not pay for compilation. */
async function warmUp(dir: string) {
  await score(request(["fid", "kid", "prc", "dc"], "raw", await writeGaussians(dir, 1200, 8)));
}

/** First `n` images of an MNIST split as an n x 28 x 28 uint8 array. */
function mnistImages(split: "train" | "test", n: number): { data: Uint8Array; n: number } {
  const set = loadMnist(split);
  const count = Math.min(n, set.count);
  return { data: set.images.subarray(0, count * 784), n: count };
}

async function mnistCase(
  dir: string,
  n: number,
  python: string | undefined,
): Promise<CaseResult> {
  const images = [mnistImages("test", n), mnistImages("train", n)];
  const paths = [join(dir, "mnist_test.npy"), join(dir, "mnist_train.npy")];
  const featurePaths = [
    join(dir, "mnist_test_features.npy"),
    join(dir, "mnist_train_features.npy"),
  ];
  // The features once, as score computes them (pixels / 255), exported for NumPy and the parts.
  await initBackend("auto");
  const extractor = resolveExtractor("mnist");
  for (const [i, set] of images.entries()) {
    await writeNpy(paths[i], set.data, [set.n, 28, 28]);
    const pixels = Float64Array.from(set.data, (v) => v / 255);
    const { features } = await extractor.extract({
      features: { data: pixels, n: set.n, d: 784 },
      image: { height: 28, width: 28, channels: 1 },
    }, paths[i]);
    await writeNpy(featurePaths[i], Float64Array.from(features.data), [features.n, features.d]);
  }
  const [output, withExtraction] = await timed(() =>
    score(request(["fid", "kid", "prc", "dc"], "mnist", paths))
  );
  const result = await compareParts(featurePaths, "raw", ["fid", "kid", "prdc"], python);
  result.ganbench["total with extraction"] = withExtraction;
  const torch = await extractWithTorch(python, paths, featurePaths, dir);
  const peerTotal = torch && result.numpy ? torch.seconds + result.numpy.total : undefined;
  if (result.numpy && peerTotal) result.numpy["total with extraction"] = peerTotal;
  result.ratio["total with extraction"] = peerTotal ? withExtraction / peerTotal : null;
  result.values.ganbench = pickValues(output);
  result.note = "ganbench's values are from the score --features mnist run on the images; " +
    "NumPy's from the features exported by the same network" +
    (torch
      ? `; the peer's extraction is mnist-net in PyTorch ${torch.torch} (${torch.threads} threads, ` +
        `${torch.seconds.toFixed(3)} s), its features within ${
          torch.difference.toExponential(1)
        } (largest difference relative to the largest feature) of ganbench's`
      : "; no PyTorch peer for the extraction (python3-torch absent)");
  return result;
}

/**
 * Times mnist-net's extraction of both image sets in PyTorch (bench/extract_torch.py), and the
 * largest difference of its features from ganbench's (relative to the largest feature).
 */
async function extractWithTorch(
  python: string | undefined,
  images: string[],
  ganbenchFeatures: string[],
  dir: string,
): Promise<{ seconds: number; threads: number; torch: string; difference: number } | null> {
  if (!python) return null;
  const out = images.map((_, i) => join(dir, `torch_features_${i}.npy`));
  const model = new URL("../fixtures/features/mnist", import.meta.url).pathname;
  const script = new URL("./extract_torch.py", import.meta.url).pathname;
  const output = peerCommand(python, [script, model, ...images, "--out", ...out], {
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (output.code !== 0) {
    const reason = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
    console.error(`note: PyTorch extraction peer skipped (${reason})`);
    return null;
  }
  const { peer: info, ...peer } = JSON.parse(new TextDecoder().decode(output.stdout));
  if (info) peerLines.add(`PyTorch extraction ${describePeer(info)}`);
  let largest = 0, difference = 0;
  for (const [i, path] of out.entries()) {
    const [theirs, ours] = (await Promise.all([path, ganbenchFeatures[i]].map((file) =>
      readNpy(file)
    ))).map((a) => a.data);
    for (let j = 0; j < ours.length; j++) {
      largest = Math.max(largest, Math.abs(ours[j]));
      difference = Math.max(difference, Math.abs(ours[j] - theirs[j]));
    }
  }
  return { ...peer, difference: difference / largest };
}

function format(value: Value | undefined): string {
  if (value === undefined) return "—";
  if (typeof value === "number") return value.toPrecision(7);
  return `${value.mean.toPrecision(5)} ± ${value.std.toPrecision(3)}`;
}

function relativeDifference(a: Value | undefined, b: Value | undefined): string {
  if (a === undefined || b === undefined) return "—";
  const x = typeof a === "number" ? a : a.mean, y = typeof b === "number" ? b : b.mean;
  if (x === y) return "0";
  return (Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y))).toExponential(1);
}

function printTables(results: Record<string, CaseResult>, versions: string) {
  console.log(`| case | part | ganbench s | NumPy/SciPy s (${versions}) | ratio |`);
  console.log("|---|---|---|---|---|");
  for (const [label, result] of Object.entries(results)) {
    if (result.skipped) {
      console.log(`| ${label} | skipped: ${result.skipped} | | | |`);
      continue;
    }
    for (const [part, seconds] of Object.entries(result.ganbench)) {
      const peer = result.numpy?.[part], ratio = result.ratio[part];
      console.log(
        `| ${label} | ${part} | ${seconds.toFixed(3)} | ${peer?.toFixed(3) ?? "—"} | ${
          ratio?.toFixed(2) ?? "—"
        } |`,
      );
    }
  }
  console.log("\n| case | value | ganbench | NumPy/SciPy | relative difference |");
  console.log("|---|---|---|---|---|");
  for (const [label, result] of Object.entries(results)) {
    for (const [key, value] of Object.entries(result.values.ganbench)) {
      const peer = result.values.numpy?.[key];
      console.log(
        `| ${label} | ${key} | ${format(value)} | ${format(peer)} | ${
          relativeDifference(value, peer)
        } |`,
      );
    }
  }
  for (const [label, result] of Object.entries(results)) {
    if (result.note) console.log(`\n${label}: ${result.note}.`);
  }
  console.log(
    "\nEach ganbench part is one score() call (reading both .npy files); NumPy's parts include its " +
      "reading time. KID's subsets come from different RNGs, so KID agrees only within its std.",
  );
}

/** NumPy's and SciPy's versions, for the table header. */
function runNumpyVersions(python: string): string {
  const output = peerCommand(python, [
    "-c",
    "import numpy, scipy; print(f'NumPy {numpy.__version__}, SciPy {scipy.__version__}')",
  ], { stdout: "piped" }).outputSync();
  return new TextDecoder().decode(output.stdout).trim();
}

const CASES = ["gaussian", "mnist", "fid2048"];
const { values: args } = parseScriptArgs("bench:score", {
  summary: "seconds of score's metrics next to NumPy/SciPy",
  options: {
    json: { type: "boolean", description: "print the results as one line of JSON" },
    cases: {
      type: "string",
      value: "gaussian,mnist,fid2048",
      default: "gaussian,mnist",
      description: "the cases to time",
    },
    n: { type: "string", value: "N", default: "10000", description: "samples per side (>= 10)" },
    dim: {
      type: "string",
      value: "D",
      default: "64",
      description: "width of the Gaussian features",
    },
    repeat: { type: "string", value: "N", default: "1", description: "runs; the fastest counts" },
  },
});
const n = Number(args.n), dim = Number(args.dim), repeat = Number(args.repeat);
const cases = args.cases.split(",");
for (const name of cases) {
  if (!CASES.includes(name)) {
    console.error(`Unknown case '${name}'. Available: ${CASES.join(", ")}`);
    Deno.exit(2);
  }
}
if (![n - 10, dim - 1, repeat - 1].every((v) => Number.isInteger(v) && v >= 0)) {
  console.error(
    `--n must be an integer >= 10, --dim and --repeat >= 1; got ${args.n}, ${args.dim}, ${args.repeat}`,
  );
  Deno.exit(2);
}
const { python, reason: noPython } = findPython();
if (!python) {
  console.error(`note: NumPy/SciPy peer skipped (${noPython}); install python3-scipy to compare`);
}
const dir = await Deno.makeTempDir({ prefix: "ganbench-bench-score-" });
const results: Record<string, CaseResult> = {};
let versions = python ? "" : "absent";
try {
  await warmUp(dir);
  for (const name of cases) {
    const label = name === "gaussian"
      ? `gaussian-${n}x${dim}`
      : name === "mnist"
      ? `mnist-${n}`
      : `fid-${n}x2048`;
    try {
      if (name === "gaussian") {
        const paths = await writeGaussians(dir, n, dim);
        results[label] = await compareParts(paths, "raw", ["fid", "kid", "prdc"], python);
      } else if (name === "mnist") {
        results[label] = await mnistCase(dir, n, python);
      } else {
        results[label] = await compareParts(
          await writeGaussians(dir, n, 2048),
          "raw",
          ["fid"],
          python,
        );
      }
    } catch (error) {
      results[label] = {
        skipped: (error as Error).message.split("\n")[0],
        ganbench: {},
        numpy: null,
        ratio: {},
        values: { ganbench: {}, numpy: null },
      };
    }
  }
  if (python) versions = runNumpyVersions(python);
} finally {
  await Deno.remove(dir, { recursive: true });
}

if (args.json) console.log(JSON.stringify({ ...results, _peers: [...peerLines] }));
else {
  printTables(results, versions);
  for (const line of peerLines) console.log(`\n${line}`);
}
