/**
 * The metric registry. Every metric declares its figures with their direction (↑/↓), which the
 * leaderboard uses for sorting and arrows.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import type { Figure, Metric } from "./metric.ts";
import { collapseFlag, modeCoverage } from "./modes.ts";
import { DYNAMICS_FIGURES } from "./dynamics.ts";
import { diracMetric } from "./dirac.ts";
import { imageMetric } from "./image_metrics.ts";
import { stackedModesMetric } from "./stacked_modes.ts";

export type { Figure, Metric, MetricContext } from "./metric.ts";
export { dynamicsFigures } from "./dynamics.ts";

/** Every metric a suite may name. */
export const METRICS: Registry<Metric> = new Registry<Metric>("metric");
METRICS.register("modes", {
  description:
    "mode coverage on Gaussian mixtures: modes covered, high-quality share, KL to uniform",
  figures: [
    {
      key: "modes.covered",
      label: "modes",
      higherIsBetter: true,
      description: "modes that are the nearest centre of at least one high-quality sample",
    },
    {
      key: "modes.hq",
      label: "hq",
      higherIsBetter: true,
      description: "share of samples within 3 std of their nearest mode centre",
    },
    {
      key: "modes.kl",
      label: "KL",
      higherIsBetter: false,
      description: "KL(high-quality histogram over modes ‖ uniform), nats",
    },
    {
      key: "modes.collapse",
      label: "collapse",
      higherIsBetter: false,
      description:
        "1 when the last evaluation covers fewer than 75% of the most modes covered at any evaluation",
    },
  ],
  unsupportedReason: (dataset) =>
    dataset.mixture ? undefined : `dataset '${dataset.name}' is not a Gaussian mixture`,
  evaluate(samples, { dataset }) {
    const result = modeCoverage(samples, dataset.sampleShape[0], dataset.mixture!);
    return {
      "modes.covered": result.covered,
      "modes.total": result.total,
      "modes.hq": result.hq,
      "modes.kl": result.kl,
    };
  },
  summarise(evals): Record<string, number> {
    const flag = collapseFlag(
      evals.map((e) => e.metrics["modes.covered"]).filter((c) => c !== undefined),
    );
    return flag === undefined ? {} : { "modes.collapse": flag };
  },
});

METRICS.register("dirac", diracMetric);
METRICS.register("images", imageMetric);
METRICS.register("stacked-modes", stackedModesMetric);

/** Every figure a result may carry (metric figures, then dynamics), keyed by figure key. */
export function allFigures(): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  for (const [, metric] of METRICS.entries()) for (const f of metric.figures) figures.set(f.key, f);
  for (const f of DYNAMICS_FIGURES) figures.set(f.key, f);
  return figures;
}
