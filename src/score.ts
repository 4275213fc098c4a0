/**
 * `score`: metrics on a user's own samples or features, as pytorch-fid / torch-fidelity are used.
 *
 * @module
 */
import { DATASETS, sampleSize } from "./data/mod.ts";
import { writeNpz } from "./data/npz.ts";
import { type FeatureMatrix, gaussianStats } from "./metrics/features.ts";
import { FEATURE_METRIC_DEFAULTS, type FeatureMetricOptions } from "./metrics/feature_metrics.ts";
import {
  featureMetrics,
  figureField,
  isFeatureMetric,
  METRICS,
  needsReference,
  sampleMetric,
  sampleMetrics,
} from "./metrics/mod.ts";
import {
  type Extracted,
  EXTRACTORS,
  type FidResize,
  resolveExtractor,
} from "./metrics/extractors.ts";
import { initBackend } from "./engine/backend.ts";
import { resolve } from "node:path";
import { didYouMean, UnknownNameError, unknownNameMessage } from "./registry.ts";
import { UsageError } from "./errors.ts";
import {
  describeInput,
  type Input,
  MAX_STATS_WIDTH,
  readInputs,
  ScoreInputError,
  type ValueRange,
} from "./score_input.ts";

export { ScoreInputError, VALUE_RANGES, type ValueRange } from "./score_input.ts";

/** What `score` was asked for. */
export interface ScoreRequest {
  metrics: string[];
  /** Feature extractor: `raw`, `mnist`, `fashion` or `inception=PATH` (see extractors.ts). */
  features: string;
  /** For `inception=PATH`: the model's square input size and feature node. */
  model?: { inputSize: number; node?: string };
  /** Mixture for the `modes` metric. */
  mixture?: string;
  /** How the FID Inception resizes images to 299x299 (`--fid-resize`); default `tf1`. */
  fidResize?: FidResize;
  inputs: string[];
  options: FeatureMetricOptions;
  /** Where to write INPUT1's FID statistics (mu, sigma) as .npz. */
  saveStats?: string;
  /** The value range of `.npy` image inputs (`--range`); guessed from dtype and values if unset. */
  range?: ValueRange;
  /** Where warnings go (too few samples for a figure to mean much); default: stderr. */
  warn?: (message: string) => void;
}

/** The request's extractor, with its model options and FID resize. */
function extractorOf(request: ScoreRequest) {
  return resolveExtractor(request.features, {
    ...request.model,
    ...(request.fidResize ? { fidResize: request.fidResize } : {}),
  });
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

/** `--features` resolved, or a usage error with the closest name (exit 2). */
function checkFeatures(features: string): void {
  try {
    resolveExtractor(features);
  } catch (error) {
    if (!(error instanceof UnknownNameError)) throw error;
    const forms: Record<string, string> = {
      ...Object.fromEntries(EXTRACTORS.names().map((name) => [name, name])),
      "inception-fid": "inception-fid=DIR",
      inception: "inception=PATH",
    };
    const guess = /'(.*)'/.exec(didYouMean(features, Object.keys(forms)))?.[1];
    throw new UsageError(
      `--features must be one of ${Object.values(forms).join(", ")}, got '${features}'${
        guess ? `. Did you mean '${forms[guess]}'?` : ""
      }`,
    );
  }
}

/** Refuses a `--save-stats` path that is one of the inputs: writing it would replace an input. */
function checkOutput(request: ScoreRequest): void {
  if (!request.saveStats) return;
  const same = (path: string) => {
    try {
      return Deno.realPathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const output = same(request.saveStats);
  const input = request.inputs.find((path) => same(path) === output);
  if (input !== undefined) {
    throw new UsageError(
      `--save-stats '${request.saveStats}' is the input '${input}': writing it would replace that input; name another file`,
    );
  }
}

function checkRequest(request: ScoreRequest): void {
  checkFeatures(request.features);
  checkOutput(request);
  extractorOf(request);
  if (!request.metrics.length && !request.saveStats) {
    throw new UsageError(
      `--metrics names no metric; available: ${scoreMetricNames().join(", ")}`,
    );
  }
  if (request.metrics.includes("kid") && request.options.kidSubsetSize < 2) {
    throw new UsageError(
      `--kid-subset-size must be >= 2 (the unbiased MMD² needs 2 samples per subset), got ${request.options.kidSubsetSize}`,
    );
  }
  if (request.options.kidSubsets > MAX_KID_SUBSETS) {
    throw new UsageError(
      `--kid-subsets must be <= ${MAX_KID_SUBSETS}, got ${request.options.kidSubsets}`,
    );
  }
  const known = scoreMetricNames();
  for (const name of request.metrics) {
    if (!known.includes(name)) {
      throw new UnknownNameError(unknownNameMessage("metric", name, known));
    }
  }
  const expected = request.metrics.some((m) => needsReference(METRICS.get(m))) ? 2 : 1;
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
  // With one input, --save-stats saves its statistics; FID itself needs a second input.
  if (request.saveStats && request.inputs.length === 1) {
    request = { ...request, metrics: request.metrics.filter((name) => name !== "fid") };
  }
  checkRequest(request);
  const read = await readInputs(request.inputs, {
    range: request.range,
    // Raw values are the features: their width is known from an .npy header, before its data.
    checkWidth: request.features === "raw" ? (d) => checkFeatureWidth(d, request) : undefined,
  });
  checkProbabilityInputs(read, request);
  const inputs = await extractFeatures(read, request);
  checkWidths(inputs, read, request);
  checkFeatureSizes(inputs, request);
  const [first, second] = inputs;
  sampleSizeWarnings(inputs, request).forEach(request.warn ?? warnOnStderr);
  const output: Record<string, unknown> = {
    features: request.features,
    feature_label: extractorOf(request).label,
  };
  // Every FID Inception figure says which resize fed the network (they are not comparable).
  const resize = extractorOf(request).resize;
  if (resize) output.fid_resize = resize;
  if (first.features) output.samples = first.features.n;
  if (second?.features) output.reference_samples = second.features.n;
  const extractedOf = (input: Input, i: number): Extracted => {
    if (!input.features) {
      const only = statisticsMetrics();
      throw new ScoreInputError(
        `'${request.inputs[i]}' holds FID statistics: only the ${only} metric can use it`,
      );
    }
    return input;
  };
  const featuresOf = (input: Input, i: number) => extractedOf(input, i).features;
  for (const name of request.metrics) {
    const metric = METRICS.get(name);
    if (isFeatureMetric(metric)) {
      // Statistics (an .npz) reach only the metrics that accept them (FID).
      const sets = metric.acceptsStatistics ? inputs : inputs.map(extractedOf);
      Object.assign(
        output,
        guarded(name, () => metric.compute(sets[0], sets[1], request.options)),
      );
    } else {
      const samples = featuresOf(first, 0);
      output[name] = await scoreSamples(name, samples, request.mixture, request.inputs[0]);
    }
  }
  Object.assign(output, sampleSizesUsed(inputs, request));
  checkFigures(output, request);
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

/** Refuses inputs of different widths, saying what each holds. */
function checkWidths(inputs: Input[], read: Input[], request: ScoreRequest): void {
  const [first, second] = inputs;
  if (!second || widthOf(second) === widthOf(first)) return;
  const label = extractorOf(request).label;
  const holds = (i: number) =>
    `'${request.inputs[i]}' holds ${
      read[i].stats || request.features === "raw"
        ? describeInput(read[i])
        : `${widthOf(inputs[i])}-d ${label} features`
    }`;
  throw new ScoreInputError(`feature dimensions differ: ${holds(0)}, ${holds(1)}`);
}

/** The most KID subsets (torch-fidelity draws 100); their indices are held at once. */
const MAX_KID_SUBSETS = 10_000;
/**
 * The widest features scored: the float64 WebAssembly kernels hold blocks of rows (512 for
 * precision/recall, a KID subset of up to 1,000) in one 4 GB memory per thread.
 */
const MAX_FEATURE_WIDTH = 65_536;
/** The widest features FID takes: its d x d covariances, in float64. */
const MAX_FID_WIDTH = 16_384;

/** Refuses images given raw to the Inception Score, which needs a classifier's probabilities. */
function checkProbabilityInputs(read: Input[], request: ScoreRequest): void {
  if (request.features !== "raw" || !request.metrics.includes("is") || !read[0].image) return;
  throw new ScoreInputError(
    `is: '${request.inputs[0]}' holds images (${
      describeInput(read[0])
    }), not class probabilities: score them through a classifier with --features`,
  );
}

/** Refuses features too wide for the kernels' memory, before a worker runs out of it. */
function checkFeatureSizes(inputs: Input[], request: ScoreRequest): void {
  checkFeatureWidth(widthOf(inputs[0]), request);
}

/** Refuses features of `d` values that the request's metrics cannot take. */
function checkFeatureWidth(d: number, request: ScoreRequest): void {
  const others = ["kid", "prc", "dc"].filter((m) => request.metrics.includes(m));
  const advice = "use --features to score images through a network";
  if (request.metrics.includes("fid") && d > MAX_FID_WIDTH) {
    const gigabytes = Math.round((2 * d * d * 8) / 1e9).toLocaleString("en-US");
    throw new ScoreInputError(
      `fid: features of ${d} values are too wide: ${d} x ${d} covariances would need ${gigabytes} GB (at most ${MAX_FID_WIDTH} features); ${advice}`,
    );
  }
  // What --save-stats writes, score must read back: one limit for both.
  if (request.saveStats !== undefined && d > MAX_STATS_WIDTH) {
    throw new ScoreInputError(
      `--save-stats: features of ${d} values are wider than the ${MAX_STATS_WIDTH} that FID statistics files are read at; ${advice}`,
    );
  }
  if (others.length && d > MAX_FEATURE_WIDTH) {
    throw new ScoreInputError(
      `${
        others.join(",")
      }: features of ${d} values are too wide for the float64 kernels' 4 GB memory (at most ${MAX_FEATURE_WIDTH}); ${advice}`,
    );
  }
}

function warnOnStderr(message: string): void {
  console.error(`ganbench: warning: ${message}`);
}

/** The samples per KID subset: `--kid-subset-size`, clipped to the smaller set (as kid() does). */
function kidSubsetSize(inputs: Input[], request: ScoreRequest): number {
  return Math.min(request.options.kidSubsetSize, ...inputs.map((input) => input.features!.n));
}

/**
 * Warnings for figures computed from too few samples: FID from no more samples than features
 * (the covariance is singular), KID from subsets that are a whole input (every subset holds the
 * same samples, so the std over subsets says nothing).
 */
function sampleSizeWarnings(inputs: Input[], request: ScoreRequest): string[] {
  const warnings: string[] = [];
  if (request.metrics.includes("fid")) {
    inputs.forEach((input, i) => {
      if (input.features && input.features.n <= input.features.d) {
        warnings.push(
          `fid: '${
            request.inputs[i]
          }' has ${input.features.n} samples of ${input.features.d} features, no more samples than features: its covariance is singular and FID is unreliable (use well over ${input.features.d} samples)`,
        );
      }
    });
  }
  if (request.metrics.includes("kid") && inputs.every((input) => input.features)) {
    const size = kidSubsetSize(inputs, request);
    inputs.forEach((input, i) => {
      if (size >= 2 && size === input.features!.n) {
        warnings.push(
          `kid: subsets of ${size} samples are the whole of '${
            request.inputs[i]
          }': every subset holds the same samples of it, so KID's std understates its spread (use --kid-subset-size below ${size}, or more samples)`,
        );
      }
    });
  }
  return warnings;
}

/** The sample sizes figures were computed from, when they are not the inputs' whole sizes. */
function sampleSizesUsed(inputs: Input[], request: ScoreRequest): Record<string, number> {
  if (!request.metrics.includes("kid")) return {};
  return {
    kid_subsets: request.options.kidSubsets,
    kid_subset_size: kidSubsetSize(inputs, request),
  };
}

/**
 * Refuses a figure that came out NaN or infinite (JSON would print it as null): inputs too
 * degenerate or too large to score.
 */
function checkFigures(output: Record<string, unknown>, request: ScoreRequest): void {
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new ScoreInputError(
        `${key} came out ${value}: the values of ${
          request.inputs.map((p) => `'${p}'`).join(" and ")
        } are too large or too degenerate to score`,
      );
    }
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, `${key}.${k}`);
    }
  };
  for (const [key, value] of Object.entries(output)) walk(value, key);
}

/** Replaces the inputs' samples by the features of `--features` (statistics pass through). */
async function extractFeatures(inputs: Input[], request: ScoreRequest): Promise<Input[]> {
  if (request.features === "raw") return inputs;
  const extractor = extractorOf(request);
  await initBackend("auto");
  const extracted: Input[] = [];
  for (const [i, input] of inputs.entries()) {
    extracted.push(input.stats ? input : await extractor.extract(input, request.inputs[i]));
  }
  return extracted;
}

/**
 * What `score` can name: every feature metric, then every sample metric that needs nothing but
 * the samples and a dataset (`modes`).
 */
export function scoreMetricNames(): string[] {
  const ofSamples = sampleMetrics().filter(([, metric]) => metric.scoresUserSamples);
  return [...featureMetrics().map((m) => m.name), ...ofSamples.map(([name]) => name)];
}

/** The feature metrics that take FID statistics in place of features, for messages. */
function statisticsMetrics(): string {
  return featureMetrics().filter((m) => m.acceptsStatistics).map((m) => m.name).join(", ");
}

/**
 * Runs the sample metric `name` (as a suite runs it) on a user's samples against the dataset
 * `--mixture` names; its figures `<name>.<figure>` come back as `{ <figure>: value }`.
 */
async function scoreSamples(
  name: string,
  samples: FeatureMatrix,
  datasetName: string | undefined,
  path: string,
): Promise<Record<string, number>> {
  const metric = sampleMetric(name);
  if (!datasetName) {
    const fitting = DATASETS.entries().filter(([, d]) => !metric.unsupportedReason(d));
    throw new ScoreInputError(
      `the ${name} metric needs --mixture ${fitting.map(([n]) => n).join("|")}`,
    );
  }
  const dataset = DATASETS.get(datasetName);
  const reason = metric.unsupportedReason(dataset);
  if (reason) throw new ScoreInputError(`metric '${name}' cannot score: ${reason}`);
  const width = sampleSize(dataset);
  if (samples.d !== width) {
    throw new ScoreInputError(`'${path}' must be an N x ${width} array, got N x ${samples.d}`);
  }
  const figures = await metric.evaluate(Float32Array.from(samples.data), { dataset });
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [figureField(metric, key), value]),
  );
}

export { FEATURE_METRIC_DEFAULTS };
