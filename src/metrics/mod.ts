/**
 * The metric registry. Every metric declares its figures with their direction (↑/↓), which the
 * leaderboard uses for sorting and arrows.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import type { Figure, Metric } from "./metric.ts";
import { modesMetric } from "./modes.ts";
import { DYNAMICS_FIGURES, NETWORK_DYNAMICS_FIGURES } from "./dynamics.ts";
import { diracMetric } from "./dirac.ts";
import { imageMetric } from "./image_metrics.ts";
import { stackedModesMetric } from "./stacked_modes.ts";
import { translationMetric } from "./translation.ts";

export type {
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
  ScoreValue,
} from "./metric.ts";
export { declaresKey } from "./metric.ts";
export { dynamicsFigures } from "./dynamics.ts";

/** Every metric a suite may name. */
export const METRICS: Registry<Metric> = new Registry<Metric>("metric");
METRICS.register("modes", modesMetric);
METRICS.register("dirac", diracMetric);
METRICS.register("images", imageMetric);
METRICS.register("stacked-modes", stackedModesMetric);
METRICS.register("translation", translationMetric);

/** Every figure a result may carry (metric figures, then dynamics), keyed by figure key. */
export function allFigures(): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  for (const [, metric] of METRICS.entries()) for (const f of metric.figures) figures.set(f.key, f);
  for (const f of [...DYNAMICS_FIGURES, ...NETWORK_DYNAMICS_FIGURES]) figures.set(f.key, f);
  return figures;
}
