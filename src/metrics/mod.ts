/**
 * The metrics: one spec per metric ({@linkcode MetricSpec}), one registry
 * ({@linkcode METRICS}). Every metric declares its figures with their direction (↑/↓) and bounds,
 * which the leaderboard uses for sorting, arrows and intervals.
 *
 * @module
 */
import { DYNAMICS_FIGURES, NETWORK_DYNAMICS_FIGURES } from "./dynamics.ts";
import type { Figure } from "./metric.ts";
import { sampleMetrics } from "./registry.ts";

export type {
  Convergence,
  FeatureFigures,
  FeatureMetric,
  FeatureMetricOptions,
  FeatureSet,
  FeatureStatistics,
  Figure,
  FigureBounds,
  MeanStd,
  Metric,
  MetricContext,
  MetricInput,
  MetricSpec,
  SampleMetric,
  ScoreValue,
} from "./metric.ts";
export {
  declaresKey,
  figureField,
  isFeatureMetric,
  needsReference,
  NON_NEGATIVE,
  SHARE,
} from "./metric.ts";
export { dynamicsFigures } from "./dynamics.ts";
export {
  featureMetric,
  featureMetrics,
  METRICS,
  notASampleMetric,
  sampleMetric,
  sampleMetrics,
} from "./registry.ts";

/**
 * Every figure a result may carry (the figures of the metrics of samples, then dynamics), keyed
 * by figure key.
 */
export function allFigures(): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  for (const [, metric] of sampleMetrics()) for (const f of metric.figures) figures.set(f.key, f);
  for (const f of [...DYNAMICS_FIGURES, ...NETWORK_DYNAMICS_FIGURES]) figures.set(f.key, f);
  return figures;
}
