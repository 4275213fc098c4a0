/**
 * `score`: metrics on a user's own samples or features, as pytorch-fid / torch-fidelity are used.
 *
 * @module
 */
import { join } from "node:path";
import { Matrix } from "ml-matrix";
import sharp from "sharp";
import { DATASETS } from "./data/mod.ts";
import { readNpy } from "./data/npy.ts";
import { readNpz, writeNpz } from "./data/npz.ts";
import { type FeatureMatrix, type GaussianStats, gaussianStats } from "./metrics/features.ts";
import {
  FEATURE_METRIC_DEFAULTS,
  FEATURE_METRICS,
  type FeatureMetricOptions,
  type ScoreValue,
} from "./metrics/feature_metrics.ts";
import { frechetDistance } from "./metrics/fid.ts";
import { METRICS } from "./metrics/mod.ts";
import { type Extracted, resolveExtractor } from "./metrics/extractors.ts";
import { initBackend } from "./engine/backend.ts";
import { UnknownNameError } from "./registry.ts";

/** Raised for inputs `score` cannot use; one line for the user. */
export class ScoreInputError extends Error {
  override name = "ScoreInputError";
}

/** What `score` was asked for. */
export interface ScoreRequest {
  metrics: string[];
  /** Feature extractor: `raw`, `mnist`, `fashion` or `inception=PATH` (see extractors.ts). */
  features: string;
  /** For `inception=PATH`: the model's square input size and feature node. */
  model?: { inputSize: number; node?: string };
  /** Mixture for the `modes` metric. */
  mixture?: string;
  inputs: string[];
  options: FeatureMetricOptions;
  /** Where to write INPUT1's FID statistics (mu, sigma) as .npz. */
  saveStats?: string;
}

/** An input's image layout, when it holds images. */
type ImageShape = { height: number; width: number; channels: number };

/** An input: features (with class probabilities from a classifier), or precomputed FID statistics. */
type Input = {
  features: FeatureMatrix;
  probabilities?: FeatureMatrix;
  image?: ImageShape;
  stats?: undefined;
} | {
  features?: undefined;
  probabilities?: undefined;
  image?: undefined;
  stats: GaussianStats;
};

/** Reads a folder of PNG images (sorted by name) as N x (H·W·C) pixel values in [0, 1]. */
async function readPngFolder(path: string): Promise<Input> {
  const names = [...Deno.readDirSync(path)]
    .filter((e) => e.isFile && /\.png$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  if (!names.length) throw new ScoreInputError(`'${path}' holds no .png images`);
  let shape = "";
  let image: ImageShape | undefined;
  const rows: Uint8Array[] = [];
  for (const name of names) {
    let decoded;
    try {
      decoded = await sharp(join(path, name)).raw().toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new ScoreInputError(
        `cannot read image '${join(path, name)}': ${(error as Error).message}`,
      );
    }
    const { width, height, channels } = decoded.info;
    const thisShape = `${height}x${width}x${channels}`;
    if (shape && thisShape !== shape) {
      throw new ScoreInputError(
        `'${join(path, name)}' is ${thisShape}, the other images are ${shape}`,
      );
    }
    shape = thisShape;
    rows.push(new Uint8Array(decoded.data));
    image = { height, width, channels };
  }
  const d = rows[0].length;
  const data = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) data[i * d + j] = r[j] / 255;
  });
  return { features: { data, n: rows.length, d }, image };
}

/**
 * Scales image arrays to [0, 1]: uint8 and any float array above 1 are divided by 255, a float
 * array with negative values is taken as [−1, 1] (a tanh generator's output).
 */
function unitScale(data: Float64Array, dtype: string): Float64Array {
  let min = Infinity, max = -Infinity;
  for (const v of data) [min, max] = [Math.min(min, v), Math.max(max, v)];
  if (dtype.includes("u1") || max > 1) return data.map((v) => v / 255);
  if (min < 0) return data.map((v) => (v + 1) / 2);
  return data;
}

/** FID statistics from an .npz holding `mu` (d) and `sigma` (d x d), as pytorch-fid writes them. */
async function readStats(path: string): Promise<GaussianStats> {
  const { mu, sigma } = await readNpz(path);
  const d = mu?.data.length ?? 0;
  if (!mu || !sigma || sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new ScoreInputError(`'${path}' must hold FID statistics: mu (d) and sigma (d x d)`);
  }
  const rows = Array.from(
    { length: d },
    (_, i) => Array.from(sigma.data.subarray(i * d, (i + 1) * d)),
  );
  return { mean: mu.data, covariance: new Matrix(rows), n: Number.NaN };
}

/** Reads INPUT: a folder of PNGs, an .npy array (N x ..., flattened) or an .npz with mu and sigma. */
async function readInput(path: string): Promise<Input> {
  let isFolder: boolean;
  try {
    isFolder = Deno.statSync(path).isDirectory;
  } catch {
    throw new ScoreInputError(`Cannot read '${path}': no such file or folder`);
  }
  if (isFolder) return await readPngFolder(path);
  if (path.endsWith(".npz")) return { stats: await readStats(path) };
  if (!path.endsWith(".npy")) {
    throw new ScoreInputError(
      `cannot read '${path}': score reads .npy arrays, .npz statistics or folders of PNG images`,
    );
  }
  const array = await readNpy(path);
  if (array.shape.length < 2 || array.shape[0] < 1) {
    throw new ScoreInputError(
      `'${path}' must hold N samples (shape N x ...), got shape [${array.shape.join(", ")}]`,
    );
  }
  const d = array.shape.slice(1).reduce((a, b) => a * b, 1);
  if (array.shape.length >= 3) {
    const [, height, width, channels = 1] = array.shape;
    const data = unitScale(array.data, array.dtype);
    return { features: { data, n: array.shape[0], d }, image: { height, width, channels } };
  }
  return { features: { data: array.data, n: array.shape[0], d } };
}

/** The width of an input's features. */
function widthOf(input: Input): number {
  return input.features ? input.features.d : input.stats.mean.length;
}

/** Runs `compute`, turning a metric's RangeError (too few samples, ...) into an input error. */
function guarded<T>(name: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof RangeError) throw new ScoreInputError(`${name}: ${error.message}`);
    throw error;
  }
}

function checkRequest(request: ScoreRequest): void {
  resolveExtractor(request.features);
  const known = [...FEATURE_METRICS.names(), "modes"];
  for (const name of request.metrics) {
    if (!known.includes(name)) {
      throw new UnknownNameError(`Unknown metric '${name}'. Available: ${known.join(", ")}`);
    }
  }
  const needsReference = request.metrics.some((m) =>
    m !== "modes" && FEATURE_METRICS.get(m).needsReference
  );
  const expected = needsReference ? 2 : 1;
  if (request.inputs.length !== expected) {
    const wanted = expected === 2
      ? "need INPUT1 (generated) and INPUT2 (reference)"
      : "need one input";
    throw new ScoreInputError(
      `${request.metrics.join(",")} ${wanted}, got ${request.inputs.length}`,
    );
  }
}

/** Runs the request; returns the JSON object `score --json` prints. */
export async function score(request: ScoreRequest): Promise<Record<string, unknown>> {
  checkRequest(request);
  const inputs = await extractFeatures(await Promise.all(request.inputs.map(readInput)), request);
  const [first, second] = inputs;
  if (second && widthOf(second) !== widthOf(first)) {
    throw new ScoreInputError(
      `feature dimensions differ: '${request.inputs[0]}' has ${widthOf(first)}, '${
        request.inputs[1]
      }' has ${widthOf(second)}`,
    );
  }
  const output: Record<string, unknown> = {
    features: request.features,
    feature_label: resolveExtractor(request.features).label,
  };
  if (first.features) output.samples = first.features.n;
  if (second?.features) output.reference_samples = second.features.n;
  const extractedOf = (input: Input, i: number): Extracted => {
    if (!input.features) {
      throw new ScoreInputError(
        `'${request.inputs[i]}' holds FID statistics: only the fid metric can use it`,
      );
    }
    return input;
  };
  const featuresOf = (input: Input, i: number) => extractedOf(input, i).features;
  for (const name of request.metrics) {
    if (name === "fid") {
      // FID also takes precomputed statistics for either input.
      const stats = (input: Input) => input.stats ?? gaussianStats(input.features!);
      output.fid = guarded(name, () => frechetDistance(stats(first), stats(second!)));
    } else if (name === "modes") {
      output.modes = scoreModes(featuresOf(first, 0), request.mixture, request.inputs[0]);
    } else {
      const extracted = inputs.map(extractedOf);
      const values: Record<string, ScoreValue> = guarded(
        name,
        () => FEATURE_METRICS.get(name).compute(extracted[0], extracted[1], request.options),
      );
      Object.assign(output, values);
    }
  }
  if (request.saveStats) {
    const stats = guarded("--save-stats", () => gaussianStats(featuresOf(first, 0)));
    const d = stats.mean.length;
    await writeNpz(request.saveStats, {
      mu: { data: stats.mean, shape: [d] },
      sigma: { data: Float64Array.from(stats.covariance.to1DArray()), shape: [d, d] },
    });
    output.saved_stats = request.saveStats;
  }
  return output;
}

/** Replaces the inputs' samples by the features of `--features` (statistics pass through). */
async function extractFeatures(inputs: Input[], request: ScoreRequest): Promise<Input[]> {
  if (request.features === "raw") return inputs;
  const extractor = resolveExtractor(request.features, request.model);
  await initBackend("auto");
  const extracted: Input[] = [];
  for (const [i, input] of inputs.entries()) {
    extracted.push(input.stats ? input : await extractor.extract(input, request.inputs[i]));
  }
  return extracted;
}

function scoreModes(samples: FeatureMatrix, mixture: string | undefined, path: string) {
  if (!mixture) throw new ScoreInputError("the modes metric needs --mixture ring8|grid25");
  const dataset = DATASETS.get(mixture);
  const reason = METRICS.get("modes").unsupportedReason(dataset);
  if (reason) throw new ScoreInputError(`metric 'modes' cannot score: ${reason}`);
  if (samples.d !== dataset.sampleShape[0]) {
    throw new ScoreInputError(
      `'${path}' must be an N x ${dataset.sampleShape[0]} array, got N x ${samples.d}`,
    );
  }
  const figures = METRICS.get("modes").evaluate(Float32Array.from(samples.data), {
    dataset,
  }) as Record<
    string,
    number
  >;
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [key.slice("modes.".length), value]),
  );
}

export { FEATURE_METRIC_DEFAULTS };
