/**
 * The feature metrics (FID, KID, IS, precision/recall, density/coverage): each scores generated
 * features, against reference features where it needs them, and returns typed, named figures.
 * They are registered in the one metric registry (src/metrics/registry.ts); the `images` metric
 * of the suites and `score` look them up there by name and run the same `compute`.
 *
 * @module
 */
import { Rng } from "../engine/rng.ts";
import type { Extracted } from "./extractors.ts";
import { type FeatureMatrix, type GaussianStats, gaussianStats } from "./features.ts";
import { frechetDistance } from "./fid.ts";
import { inceptionScore } from "./inception_score.ts";
import { kid } from "./kid.ts";
import {
  type FeatureMetric,
  type FeatureMetricOptions,
  type FeatureSet,
  type Figure,
  type FigureBounds,
  type MeanStd,
  NON_NEGATIVE,
  SHARE,
} from "./metric.ts";
import { densityCoverage, precisionRecall } from "./prdc.ts";

export type {
  FeatureFigures,
  FeatureMetric,
  FeatureMetricOptions,
  FeatureSet,
  FeatureStatistics,
  MeanStd,
  ScoreValue,
} from "./metric.ts";

/** The defaults of {@linkcode FeatureMetricOptions}; the CLI flags are their kebab-case names. */
export const FEATURE_METRIC_DEFAULTS: FeatureMetricOptions = {
  kidSubsets: 100,
  kidSubsetSize: 1000,
  isSplits: 10,
  seed: 0,
};

/** The features of `input`; statistics reach only metrics that accept them. */
function featuresOf(input: FeatureSet | undefined, metric: string): Extracted {
  if (!input) throw new TypeError(`the ${metric} metric needs reference features`);
  if (!input.features) throw new TypeError(`the ${metric} metric needs features, not statistics`);
  return input;
}

/** The Gaussian statistics of `input`: given, or fitted to its features. */
function statisticsOf(input: FeatureSet): GaussianStats {
  return input.stats ? input.stats : gaussianStats(input.features);
}

/** Figure key of {@linkcode fidMetric}. */
export const KEY_METRIC_FID = "fid";
/** Figure key of {@linkcode kidMetric} (a mean ± std over subsets). */
export const KEY_METRIC_KID = "kid";
/** Figure key of {@linkcode inceptionScoreMetric} (a mean ± std over splits). */
export const KEY_METRIC_IS = "is";
/** Figure keys of {@linkcode precisionRecallMetric}. */
export const KEY_METRIC_PRECISION = "prc.precision";
/** @see KEY_METRIC_PRECISION */
export const KEY_METRIC_RECALL = "prc.recall";
/** Figure keys of {@linkcode densityCoverageMetric}. */
export const KEY_METRIC_DENSITY = "dc.density";
/** @see KEY_METRIC_DENSITY */
export const KEY_METRIC_COVERAGE = "dc.coverage";

/** A feature metric's figure. */
function figure(
  key: string,
  label: string,
  higherIsBetter: boolean,
  bounds: FigureBounds,
  description: string,
): Figure {
  return { key, label, higherIsBetter, bounds, description };
}

/** What {@linkcode fidMetric} returns. */
export type FidFigures = { fid: number };
/** What {@linkcode kidMetric} returns. */
export type KidFigures = { kid: MeanStd };
/** What {@linkcode inceptionScoreMetric} returns. */
export type InceptionScoreFigures = { is: MeanStd };
/** What {@linkcode precisionRecallMetric} returns. */
export type PrecisionRecallFigures = { precision: number; recall: number };
/** What {@linkcode densityCoverageMetric} returns. */
export type DensityCoverageFigures = { density: number; coverage: number };

/** `fid`: from features, or from precomputed statistics (μ, Σ) for either set. */
export const fidMetric: FeatureMetric<FidFigures> = {
  name: "fid",
  description: "Fréchet distance between Gaussian fits of the two feature sets",
  inputs: ["features", "reference-features"],
  acceptsStatistics: true,
  figures: [figure(KEY_METRIC_FID, "FID", false, NON_NEGATIVE, "Fréchet distance")],
  compute(x, y) {
    if (!y) throw new TypeError("the fid metric needs reference features");
    return { fid: frechetDistance(statisticsOf(x), statisticsOf(y)) };
  },
};

/** `kid`: mean and std of the unbiased MMD² over random subsets. */
export const kidMetric: FeatureMetric<KidFigures> = {
  name: "kid",
  description: "unbiased MMD² with a cubic polynomial kernel, mean ± std over subsets",
  inputs: ["features", "reference-features"],
  acceptsStatistics: false,
  // The unbiased MMD² estimate is negative when the sets are closer than chance.
  figures: [figure(KEY_METRIC_KID, "KID", false, {}, "kernel inception distance")],
  compute(x, y, options) {
    const result = kid(
      featuresOf(x, "kid").features,
      featuresOf(y, "kid").features,
      new Rng(options.seed),
      { subsets: options.kidSubsets, subsetSize: options.kidSubsetSize },
    );
    return { kid: { mean: result.mean, std: result.std } };
  },
};

/** How far a row of class probabilities may sum from 1 (float32 softmax rounding is ~1e-6). */
const ROW_SUM_TOLERANCE = 1e-3;

/** Refuses rows that do not sum to 1 within {@linkcode ROW_SUM_TOLERANCE}: they are no probabilities. */
function checkProbabilityRows({ data, n, d }: FeatureMatrix): void {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += data[i * d + j];
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new RangeError(
        `the Inception Score needs class probabilities: row ${i} sums to ${sum}, not 1 (within ${ROW_SUM_TOLERANCE}): use a classifier's features`,
      );
    }
  }
}

/** `is`: the Inception Score of a classifier's probabilities (or of probability rows given raw). */
export const inceptionScoreMetric: FeatureMetric<InceptionScoreFigures> = {
  description:
    "Inception Score of the classifier's probabilities (with --features raw, rows of INPUT1 must be probabilities)",
  name: "is",
  inputs: ["features"],
  acceptsStatistics: false,
  // exp(mean KL(p(y|x) ‖ p(y))) >= 1.
  figures: [figure(KEY_METRIC_IS, "IS", true, { min: 1 }, "Inception Score")],
  skipReason: (generated, options) =>
    !generated.probabilities
      ? "the feature network gives no class probabilities"
      : generated.probabilities.n < options.isSplits
      ? `fewer samples than the ${options.isSplits} splits`
      : undefined,
  compute(x, _y, options) {
    const extracted = featuresOf(x, "is");
    const probabilities = extracted.probabilities ?? extracted.features;
    for (let i = 0; i < probabilities.data.length; i++) {
      if (!(probabilities.data[i] >= 0 && probabilities.data[i] <= 1)) {
        throw new RangeError(
          "the Inception Score needs class probabilities in [0, 1]: use a classifier's features",
        );
      }
    }
    checkProbabilityRows(probabilities);
    return { is: inceptionScore(probabilities, options.isSplits) };
  },
};

/** `prc`: improved precision and recall (k = 3). */
export const precisionRecallMetric: FeatureMetric<PrecisionRecallFigures> = {
  name: "prc",
  description: "improved precision and recall (k = 3)",
  inputs: ["features", "reference-features"],
  acceptsStatistics: false,
  figures: [
    figure(KEY_METRIC_PRECISION, "precision", true, SHARE, "improved precision (k = 3)"),
    figure(KEY_METRIC_RECALL, "recall", true, SHARE, "improved recall (k = 3)"),
  ],
  compute: (x, y) =>
    precisionRecall(featuresOf(y, "prc").features, featuresOf(x, "prc").features, 3),
};

/** `dc`: density and coverage (k = 5). */
export const densityCoverageMetric: FeatureMetric<DensityCoverageFigures> = {
  name: "dc",
  description: "density and coverage (k = 5)",
  inputs: ["features", "reference-features"],
  acceptsStatistics: false,
  figures: [
    // Density counts the real k-NN balls a sample falls in, over k: above 1 where they crowd.
    figure(KEY_METRIC_DENSITY, "density", true, NON_NEGATIVE, "density (k = 5)"),
    figure(KEY_METRIC_COVERAGE, "coverage", true, SHARE, "coverage (k = 5)"),
  ],
  compute: (x, y) => densityCoverage(featuresOf(y, "dc").features, featuresOf(x, "dc").features, 5),
};
