/**
 * The one metric registry: every metric a suite or `score` may name, registered once here as the
 * module loads, and frozen when the command line starts (src/cli.ts `main`), so that no entry
 * appears or changes while suites run. Adding a metric is one file (a {@linkcode MetricSpec}) and
 * one entry in {@linkcode METRIC_SPECS}; the conformance tests (src/metrics/metrics_test.ts) then
 * run it.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { diracMetric } from "./dirac.ts";
import {
  densityCoverageMetric,
  fidMetric,
  inceptionScoreMetric,
  kidMetric,
  precisionRecallMetric,
} from "./feature_metrics.ts";
import { imageMetric } from "./image_metrics.ts";
import {
  type FeatureMetric,
  isFeatureMetric,
  type MetricSpec,
  type SampleMetric,
} from "./metric.ts";
import { modesMetric } from "./modes.ts";
import { spreadMetric } from "./spread.ts";
import { stackedModesMetric } from "./stacked_modes.ts";
import { translationMetric } from "./translation.ts";

/** Every metric a suite or `score` may name. */
export const METRICS: Registry<MetricSpec> = new Registry<MetricSpec>("metric");

/** The registered metrics, in registration order (the order of `list` and of table columns). */
const METRIC_SPECS: readonly MetricSpec[] = [
  modesMetric,
  diracMetric,
  imageMetric({ get: featureMetric, all: featureMetrics }),
  stackedModesMetric,
  translationMetric,
  spreadMetric,
  fidMetric,
  kidMetric,
  inceptionScoreMetric,
  precisionRecallMetric,
  densityCoverageMetric,
];
for (const spec of METRIC_SPECS) METRICS.register(spec.name, spec);

/** Every registered metric of samples (what a suite's `metrics` may name), by name. */
export function sampleMetrics(): [string, SampleMetric][] {
  return METRICS.entries().filter((entry): entry is [string, SampleMetric] =>
    !isFeatureMetric(entry[1])
  );
}

/** Every registered metric of feature sets (what `score` and the `images` metric compute). */
export function featureMetrics(): FeatureMetric[] {
  return METRICS.entries().map(([, m]) => m).filter(isFeatureMetric);
}

/**
 * The metric of samples registered as `name` (what a suite's `metrics` names).
 *
 * @throws {UnknownNameError} for an unknown name, with the closest one
 * @throws {TypeError} for a metric of feature sets, which a suite reaches through `images`
 */
export function sampleMetric(name: string): SampleMetric {
  const metric = METRICS.get(name);
  if (isFeatureMetric(metric)) throw new TypeError(notASampleMetric(name));
  return metric;
}

/**
 * The metric of feature sets registered as `name` (what `score --metrics` and a suite's
 * `featureMetrics` name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FEATURE_METRIC_DEFAULTS } from "./feature_metrics.ts";
 * import { featureMetric } from "./registry.ts";
 * // Two sets of 2-D features, the second the first shifted by (3, 4): their means are 5 apart.
 * const x = Float64Array.from([0, 0, 1, 0, 0, 1, 1, 1]);
 * const y = x.map((v, i) => v + (i % 2 ? 4 : 3));
 * const figures = featureMetric("fid").compute(
 *   { features: { data: x, n: 4, d: 2 } },
 *   { features: { data: y, n: 4, d: 2 } },
 *   FEATURE_METRIC_DEFAULTS,
 * );
 * assert.ok(Math.abs(Number(figures.fid) - 25) < 1e-9);
 * ```
 *
 * @throws {UnknownNameError} for an unknown name, with the closest one
 * @throws {TypeError} for a metric of samples
 */
export function featureMetric(name: string): FeatureMetric {
  const metric = METRICS.get(name);
  if (!isFeatureMetric(metric)) {
    throw new TypeError(
      `metric '${name}' scores a generator's samples, not feature sets; feature metrics: ${
        featureMetrics().map((m) => m.name).join(", ")
      }`,
    );
  }
  return metric;
}

/** Why a suite's `metrics` cannot name the feature metric `name`. */
export function notASampleMetric(name: string): string {
  return `metric '${name}' scores feature sets: a suite names it in 'featureMetrics' and adds 'images' to its metrics`;
}
