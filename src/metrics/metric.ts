/**
 * The two metric interfaces. A {@linkcode Metric} scores generated samples of a dataset (what a
 * suite names, e.g. `modes`, `images`); a {@linkcode FeatureMetric} scores a set of features
 * against a reference set (FID, KID, IS, precision/recall, density/coverage) and returns typed,
 * named figures. The `images` metric and the `score` command call the same feature metrics, and
 * `score` runs the sample metrics that need nothing but the samples and a dataset (`modes`).
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { Discriminator } from "../models/network.ts";
import type { TranslationOutputs } from "../models/translation.ts";
import type { Extracted } from "./extractors.ts";
import type { GaussianStats } from "./features.ts";
import type { EvalPoint } from "../train/mod.ts";

/** One number a metric reports, with its direction. */
export interface Figure {
  /** Key in results and tables, `<metric>.<figure>`. */
  key: string;
  /** Short column label. */
  label: string;
  /** true ↑, false ↓, undefined when neither is better. */
  higherIsBetter?: boolean;
  description: string;
  /** A 0/1 flag per seed (collapse, converged): tables count the seeds flagged ("1/3"). */
  binary?: boolean;
  /**
   * Whether the figure's expected value changes with the number of generated samples it is
   * computed from (FID, modes covered: yes; a share such as hq: no). Undefined counts as yes: the
   * leaderboard then reports the best value over evaluations only when every evaluation used the
   * final figures' sample count.
   */
  dependsOnSampleSize?: boolean;
  /** Leaderboard rows whose mean of this figure is below this value are marked "not converged". */
  notConvergedBelow?: number;
  /**
   * The values the figure can take, when bounded (a share in [0, 1], a distance ≥ 0): intervals
   * over seeds are cut at them. `max` may name a key of the same result that holds the bound
   * (modes covered ≤ `modes.total`).
   */
  bounds?: FigureBounds;
}

/** The range of a bounded figure (see {@linkcode Figure.bounds}). */
export interface FigureBounds {
  min?: number;
  /** A number, or the result key that holds it. */
  max?: number | string;
}

/** A share: a value in [0, 1]. */
export const SHARE: FigureBounds = { min: 0, max: 1 };
/** A value that cannot be negative (distances, divergences, errors, counts). */
export const NON_NEGATIVE: FigureBounds = { min: 0 };

/** What a metric sees besides the samples. */
export interface MetricContext {
  dataset: Dataset;
  /** The discriminator at the evaluation step, for metrics of the game's state (Dirac-GAN). */
  discriminator?: Discriminator;
  /** The suite's feature extractor (image metrics). */
  features?: string;
  /** The class each sample was generated for, when the generator is conditional. */
  labels?: Int32Array;
  /**
   * A translation model's outputs, for translation datasets, whose metrics read `samples` as
   * G(a) of the dataset's first n held-out samples a (and b = T(a) on the B side).
   */
  translations?: TranslationOutputs;
}

/** A metric of generated samples. */
export interface Metric {
  description: string;
  /** The figures shown in tables, which `evaluate` and `summarise` return. */
  figures: Figure[];
  /**
   * Keys it returns besides its figures, stored in results but never shown as columns (counts,
   * spreads, per-class values, the game's raw state): exact keys, or patterns for indexed ones.
   */
  extraKeys?: readonly (string | RegExp)[];
  /**
   * True when it needs nothing but the samples and the dataset, so that `score` can run it on a
   * user's samples (against the dataset `--mixture` names).
   */
  scoresUserSamples?: boolean;
  /** Why the metric cannot score `dataset`, or undefined when it can. */
  unsupportedReason(dataset: Dataset): string | undefined;
  /** Scores `samples` (row-major, one sample per `dataset.sampleShape`); keys are figure keys. */
  evaluate(
    samples: Float32Array,
    context: MetricContext,
  ): Record<string, number> | Promise<Record<string, number>>;
  /** Final figures computed from the whole evaluation curve (added to the result's `final`). */
  summarise?(evals: EvalPoint[]): Record<string, number>;
}

/** True when `key` is one of `metric`'s figures or extra keys. */
export function declaresKey(metric: Metric, key: string): boolean {
  return metric.figures.some((f) => f.key === key) ||
    (metric.extraKeys ?? []).some((k) => (typeof k === "string" ? k === key : k.test(key)));
}

/** A mean and standard deviation over subsets (KID) or splits (IS). */
export interface MeanStd {
  mean: number;
  std: number;
}

/** One value a feature metric returns: a number, or a mean and std. */
export type ScoreValue = number | MeanStd;

/** A feature metric's figures: JSON key → value (declared by each metric as a type alias). */
export type FeatureFigures = Record<string, ScoreValue>;

/** Options shared by the feature metrics, with torch-fidelity's defaults. */
export interface FeatureMetricOptions {
  kidSubsets: number;
  kidSubsetSize: number;
  isSplits: number;
  /** Seed of KID's subset sampling. */
  seed: number;
}

/** Precomputed Gaussian statistics (μ, Σ) of a feature set, in place of the features. */
export interface FeatureStatistics {
  stats: GaussianStats;
  features?: undefined;
  probabilities?: undefined;
}

/** What a feature metric scores: extracted features, or (for FID) their Gaussian statistics. */
export type FeatureSet = (Extracted & { stats?: undefined }) | FeatureStatistics;

/** A metric over feature sets; `F` names its figures and their types. */
export interface FeatureMetric<F extends FeatureFigures = FeatureFigures> {
  description: string;
  /** Whether it compares against a reference set (score's INPUT2). */
  needsReference: boolean;
  /** Whether it takes {@linkcode FeatureStatistics} in place of features (FID). */
  acceptsStatistics: boolean;
  /** The keys `compute` returns, in order (checked for every entry by the conformance tests). */
  figures: readonly string[];
  /**
   * Scores `generated` (against `reference` when it needs one).
   *
   * @throws {RangeError} for inputs it cannot score (too few samples, mismatched dimensions)
   */
  compute(
    generated: FeatureSet,
    reference: FeatureSet | undefined,
    options: FeatureMetricOptions,
  ): F;
}
