/**
 * The one metric spec. Every metric (what a suite names, e.g. `modes`, `images`; what `score`
 * names, e.g. `fid`, `prc`) is one {@linkcode MetricSpec} in the one registry
 * (`METRICS`, src/metrics/registry.ts): its name, the inputs it needs, and its figures, each with
 * its direction, its bounds and, where it has one, a convergence threshold. A metric of samples
 * ({@linkcode SampleMetric}) scores a generator's samples of a dataset; a metric of features
 * ({@linkcode FeatureMetric}) scores a set of features, against a reference set where it needs
 * one (FID, KID, IS, precision/recall, density/coverage). Suites run the sample metrics; the
 * `images` metric runs the feature metrics a suite asks for; `score` runs the feature metrics and
 * the sample metrics that need nothing but samples and a dataset (`modes`).
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
  /** Key in results and tables: `<metric>.<figure>` (or the metric's name for its only figure). */
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
   * (modes covered ≤ `modes.total`). Every registered metric declares it on every figure (`{}`
   * for an unbounded one); the conformance tests check its values against it.
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

/**
 * What a metric reads. `samples`: a generator's samples of the cell's dataset; `discriminator`:
 * the discriminator at the evaluation step (the game's state); `translations`: a translation
 * model's outputs on held-out samples; `features`: a set of extracted features (or their
 * statistics, for a metric that accepts them); `reference-features`: a second, reference set.
 */
export type MetricInput =
  | "samples"
  | "discriminator"
  | "translations"
  | "features"
  | "reference-features";

/** How a metric judges convergence: its 0/1 figure, and the tolerance it applies. */
export interface Convergence {
  /** The binary figure that is 1 for a run that converged. */
  figure: string;
  /** The threshold behind it (e.g. distance to the equilibrium below 0.05). */
  threshold: number;
}

/** What every metric declares. */
interface MetricBase {
  /** Its registry name: the prefix of every figure key. */
  name: string;
  /**
   * Bumped whenever its figures change for the same samples (a fix, a new reference draw), so
   * that scores stored under an older version are recomputed; 1 when absent.
   */
  version?: number;
  description: string;
  /** What it reads; a sample metric reads `samples`, a feature metric `features`. */
  inputs: readonly MetricInput[];
  /** The figures shown in tables, in table order. */
  figures: readonly Figure[];
  /**
   * Keys it returns besides its figures, stored in results but never shown as columns (counts,
   * spreads, per-class values, the game's raw state): exact keys, or patterns for indexed ones.
   */
  extraKeys?: readonly (string | RegExp)[];
  /** How it judges convergence, where it does. */
  convergence?: Convergence;
}

/** What a metric sees besides the samples. */
export interface MetricContext {
  dataset: Dataset;
  /** The discriminator at the evaluation step, for metrics of the game's state (Dirac-GAN). */
  discriminator?: Discriminator;
  /** The suite's feature extractor (image metrics). */
  features?: string;
  /**
   * The feature metrics the `images` metric computes (registry names, e.g. `["fid", "kid"]`);
   * undefined: the defaults every stored image result was computed with.
   */
  featureMetrics?: readonly string[];
  /** The class each sample was generated for, when the generator is conditional. */
  labels?: Int32Array;
  /**
   * A translation model's outputs, for translation datasets, whose metrics read `samples` as
   * G(a) of the dataset's first n held-out samples a (and b = T(a) on the B side).
   */
  translations?: TranslationOutputs;
}

/** A metric of a generator's samples of a dataset: what a suite names. */
export interface SampleMetric extends MetricBase {
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

/** The name callers outside src/metrics/ use for a {@linkcode SampleMetric}. */
export type Metric = SampleMetric;

/** True when `key` is one of `metric`'s figures or extra keys. */
export function declaresKey(metric: MetricSpec, key: string): boolean {
  return metric.figures.some((f) => f.key === key) ||
    (metric.extraKeys ?? []).some((k) => (typeof k === "string" ? k === key : k.test(key)));
}

/** The name a feature metric's figure has in its `compute` result and in `score`'s JSON. */
export function figureField(metric: Pick<MetricBase, "name">, key: string): string {
  return key === metric.name ? key : key.slice(metric.name.length + 1);
}

/** A mean and standard deviation over subsets (KID) or splits (IS). */
export interface MeanStd {
  mean: number;
  std: number;
}

/** One value a feature metric returns: a number, or a mean and std. */
export type ScoreValue = number | MeanStd;

/** A feature metric's figures: field → value (declared by each metric as a type alias). */
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

/**
 * A metric over feature sets; `F` names its figures' fields (the figure keys less the metric's
 * name, see {@linkcode figureField}) and their types.
 */
export interface FeatureMetric<F extends FeatureFigures = FeatureFigures> extends MetricBase {
  /** Whether it takes {@linkcode FeatureStatistics} in place of features (FID). */
  acceptsStatistics: boolean;
  /**
   * Why the `images` metric of a suite leaves it out for `generated` (e.g. IS, when the feature
   * network gives no class probabilities), or undefined when it computes it.
   */
  skipReason?(generated: FeatureSet, options: FeatureMetricOptions): string | undefined;
  /**
   * Scores `generated` (against `reference` when its inputs name `reference-features`); returns
   * one field per figure, in order (checked for every entry by the conformance tests).
   *
   * @throws {RangeError} for inputs it cannot score (too few samples, mismatched dimensions)
   */
  compute(
    generated: FeatureSet,
    reference: FeatureSet | undefined,
    options: FeatureMetricOptions,
  ): F;
}

/** Any registered metric. */
export type MetricSpec = SampleMetric | FeatureMetric;

/** True for a metric of feature sets (what `score` and the `images` metric compute). */
export function isFeatureMetric(metric: MetricSpec): metric is FeatureMetric {
  return metric.inputs.includes("features");
}

/** True for a metric that compares against a reference set (score's INPUT2). */
export function needsReference(metric: MetricSpec): boolean {
  return metric.inputs.includes("reference-features");
}
