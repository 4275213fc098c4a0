/**
 * `score`: metrics on a user's own samples or features, as pytorch-fid / torch-fidelity are used.
 *
 * @module
 */
import { readNpy } from "./data/npy.ts";
import { DATASETS } from "./data/mod.ts";
import type { FeatureMatrix } from "./metrics/features.ts";
import {
  FEATURE_METRIC_DEFAULTS,
  FEATURE_METRICS,
  type FeatureMetricOptions,
  type ScoreValue,
} from "./metrics/feature_metrics.ts";
import { METRICS } from "./metrics/mod.ts";
import { UnknownNameError } from "./registry.ts";

/** Raised for inputs `score` cannot use; one line for the user. */
export class ScoreInputError extends Error {
  override name = "ScoreInputError";
}

/** What `score` was asked for. */
export interface ScoreRequest {
  metrics: string[];
  /** Feature extractor; only `raw` (the inputs' own values, flattened) for now. */
  features: string;
  /** Mixture for the `modes` metric. */
  mixture?: string;
  inputs: string[];
  options: FeatureMetricOptions;
}

/** Feature extractors `score` accepts. */
export const FEATURE_EXTRACTORS = ["raw"];

/** Reads INPUT as an N x D feature matrix (any trailing dimensions are flattened). */
async function readFeatures(path: string): Promise<FeatureMatrix> {
  if (!path.endsWith(".npy")) {
    throw new ScoreInputError(
      `cannot read '${path}': score reads .npy arrays (N x D, or N x H x W [x C])`,
    );
  }
  const array = await readNpy(path);
  if (array.shape.length < 2 || array.shape[0] < 1) {
    throw new ScoreInputError(
      `'${path}' must hold N samples (shape N x ...), got shape [${array.shape.join(", ")}]`,
    );
  }
  const d = array.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: array.data, n: array.shape[0], d };
}

/** Runs the request; returns the JSON object `score --json` prints. */
export async function score(request: ScoreRequest): Promise<Record<string, unknown>> {
  if (!FEATURE_EXTRACTORS.includes(request.features)) {
    throw new ScoreInputError(
      `unknown feature extractor '${request.features}'; available: ${
        FEATURE_EXTRACTORS.join(", ")
      }`,
    );
  }
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
    throw new ScoreInputError(
      `${request.metrics.join(",")} need${
        expected === 2 ? " INPUT1 (generated) and INPUT2 (reference)" : "s one input"
      }, got ${request.inputs.length}`,
    );
  }
  const [generated, reference] = await Promise.all(request.inputs.map(readFeatures));
  if (reference && reference.d !== generated.d) {
    throw new ScoreInputError(
      `feature dimensions differ: '${request.inputs[0]}' has ${generated.d}, '${
        request.inputs[1]
      }' has ${reference.d}`,
    );
  }
  const output: Record<string, unknown> = { samples: generated.n, features: request.features };
  if (reference) output.reference_samples = reference.n;
  for (const name of request.metrics) {
    if (name === "modes") {
      output.modes = scoreModes(generated, request.mixture, request.inputs[0]);
      continue;
    }
    let values: Record<string, ScoreValue>;
    try {
      values = FEATURE_METRICS.get(name).compute(generated, reference, request.options);
    } catch (error) {
      if (error instanceof RangeError) throw new ScoreInputError(`${name}: ${error.message}`);
      throw error;
    }
    Object.assign(output, values);
  }
  return output;
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
  const figures = METRICS.get("modes").evaluate(Float32Array.from(samples.data), { dataset });
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [key.slice("modes.".length), value]),
  );
}

export { FEATURE_METRIC_DEFAULTS };
