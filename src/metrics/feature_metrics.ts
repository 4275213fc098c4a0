/**
 * The feature-space metric registry used by `score` (and, later, by image suites): each entry
 * scores generated features, against reference features where it needs them, and names the
 * JSON keys it writes.
 *
 * @module
 */
import { Rng } from "../engine/rng.ts";
import { Registry } from "../registry.ts";
import type { Extracted } from "./extractors.ts";
import { fid } from "./fid.ts";
import { inceptionScore } from "./inception_score.ts";
import { kid } from "./kid.ts";
import { densityCoverage, precisionRecall } from "./prdc.ts";

/** One number, or a mean and std over subsets/splits. */
export type ScoreValue = number | { mean: number; std: number };

/** Options shared by the feature metrics, with torch-fidelity's defaults. */
export interface FeatureMetricOptions {
  kidSubsets: number;
  kidSubsetSize: number;
  isSplits: number;
  /** Seed of KID's subset sampling. */
  seed: number;
}

/** The defaults of {@linkcode FeatureMetricOptions}; the CLI flags are their kebab-case names. */
export const FEATURE_METRIC_DEFAULTS: FeatureMetricOptions = {
  kidSubsets: 100,
  kidSubsetSize: 1000,
  isSplits: 10,
  seed: 0,
};

/** A metric over feature matrices. */
export interface FeatureMetric {
  description: string;
  /** Whether it compares against reference features (INPUT2). */
  needsReference: boolean;
  /** Scores `generated` (against `reference`); returns JSON keys and values. */
  compute(
    generated: Extracted,
    reference: Extracted | undefined,
    options: FeatureMetricOptions,
  ): Record<string, ScoreValue>;
}

/** Every feature metric `score` may name. */
export const FEATURE_METRICS: Registry<FeatureMetric> = new Registry<FeatureMetric>("metric");
FEATURE_METRICS.register("fid", {
  description: "Fréchet distance between Gaussian fits of the two feature sets",
  needsReference: true,
  compute: (x, y) => ({ fid: fid(x.features, y!.features) }),
});
FEATURE_METRICS.register("kid", {
  description: "unbiased MMD² with a cubic polynomial kernel, mean ± std over subsets",
  needsReference: true,
  compute(x, y, options) {
    const result = kid(x.features, y!.features, new Rng(options.seed), {
      subsets: options.kidSubsets,
      subsetSize: options.kidSubsetSize,
    });
    return { kid: { mean: result.mean, std: result.std } };
  },
});
FEATURE_METRICS.register("is", {
  description:
    "Inception Score of the classifier's probabilities (with --features raw, rows of INPUT1 must be probabilities)",
  needsReference: false,
  compute(x, _y, options) {
    const probabilities = x.probabilities ?? x.features;
    for (let i = 0; i < probabilities.data.length; i++) {
      if (!(probabilities.data[i] >= 0 && probabilities.data[i] <= 1)) {
        throw new RangeError(
          "the Inception Score needs class probabilities in [0, 1]: use a classifier's features",
        );
      }
    }
    return { is: inceptionScore(probabilities, options.isSplits) };
  },
});
FEATURE_METRICS.register("prc", {
  description: "improved precision and recall (k = 3)",
  needsReference: true,
  compute: (x, y) => precisionRecall(y!.features, x.features, 3),
});
FEATURE_METRICS.register("dc", {
  description: "density and coverage (k = 5)",
  needsReference: true,
  compute: (x, y) => densityCoverage(y!.features, x.features, 5),
});
