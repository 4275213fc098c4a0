/**
 * The chart kinds: training curves (median over seeds with a min–max band), metric curves,
 * final spread over seeds, mode coverage, generated points, and Dirac-GAN phase portraits.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { CellResult } from "../../runner/store.ts";
import { type ChartContext, type ChartKind, figureLabel, SCHEMA, variantColour } from "./chart.ts";

type Row = Record<string, string | number>;

const WIDTH = 320;
const HEIGHT = 200;

/** A median line over seeds with a min–max band, per variant, one column per dataset. */
function bandedCurves(
  context: ChartContext,
  rows: Row[],
  x: { field: string; title: string },
  y: { title: string; log?: boolean },
  rowFacet?: string,
): TopLevelSpec {
  const scale = y.log ? { type: "log" as const } : { zero: false };
  return {
    $schema: SCHEMA,
    data: { values: rows },
    facet: {
      column: { field: "dataset", type: "nominal", title: null },
      ...(rowFacet ? { row: { field: rowFacet, type: "nominal", title: null } } : {}),
    },
    resolve: { scale: { y: "independent", x: "independent" } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x: { field: x.field, type: "quantitative", title: x.title },
            y: { aggregate: "min", field: "value", type: "quantitative", scale, title: y.title },
            y2: { aggregate: "max", field: "value" },
            color: variantColour(context.results),
          },
        },
        {
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: x.field, type: "quantitative" },
            y: { aggregate: "median", field: "value", type: "quantitative", scale },
            color: variantColour(context.results),
          },
        },
      ],
    },
  } as TopLevelSpec;
}

function curveRows(results: CellResult[], pick: (r: CellResult) => Row[]): Row[] {
  return results.flatMap(pick);
}

/** The variant axis of per-variant charts. */
const VARIANT_AXIS = {
  field: "variant",
  type: "nominal" as const,
  title: null,
  sort: "ascending" as const,
};

/** A spec with `rows` as data and one column per dataset, each panel drawn by `spec`. */
function perDataset(
  rows: Row[],
  independent: "x" | "y" | "both",
  spec: Record<string, unknown>,
): TopLevelSpec {
  const scale = independent === "both"
    ? { x: "independent", y: "independent" }
    : { [independent]: "independent" };
  return {
    $schema: SCHEMA,
    data: { values: rows },
    facet: { column: { field: "dataset", type: "nominal", title: null } },
    resolve: { scale },
    spec,
  } as unknown as TopLevelSpec;
}

const base = (r: CellResult) => ({
  dataset: r.config.dataset,
  variant: r.config.variant,
  seed: r.config.seed,
});

/** Loss curves of D and G. */
const lossCurves: ChartKind = {
  description: "D and G loss against generator steps: median over seeds, min–max band",
  spec(context) {
    const rows = curveRows(context.results, (r) =>
      r.curves.flatMap((p) => [
        { ...base(r), step: p.step, network: "D loss", value: p.lossD },
        { ...base(r), step: p.step, network: "G loss", value: p.lossG },
      ]));
    if (!rows.length) return undefined;
    return bandedCurves(context, rows, { field: "step", title: "generator step" }, {
      title: "loss",
    }, "network");
  },
};

/** Gradient norms of D and G (log scale). */
const gradientNorms: ChartKind = {
  description: "‖∇D‖ and ‖∇G‖ against generator steps (log scale): median over seeds, min–max band",
  spec(context) {
    const rows = curveRows(context.results, (r) =>
      r.curves.flatMap((p) =>
        [
          { ...base(r), step: p.step, network: "‖∇D‖", value: p.gradNormD },
          { ...base(r), step: p.step, network: "‖∇G‖", value: p.gradNormG },
        ].filter((row) => row.value > 0)
      ));
    if (!rows.length) return undefined;
    return bandedCurves(
      context,
      rows,
      { field: "step", title: "generator step" },
      { title: "gradient norm", log: true },
      "network",
    );
  },
};

function primaryRows(context: ChartContext): Row[] {
  return curveRows(
    context.results,
    (r) =>
      r.evals.filter((e) => Number.isFinite(e.metrics[context.primary])).map((e) => ({
        ...base(r),
        step: e.step,
        seconds: Math.round(e.seconds * 1000) / 1000,
        value: e.metrics[context.primary],
      })),
  );
}

/** The primary figure against generator steps. */
const primaryByStep: ChartKind = {
  description: "the suite's primary figure at every evaluation against generator steps",
  spec(context) {
    const rows = primaryRows(context);
    if (!rows.length) return undefined;
    return bandedCurves(context, rows, { field: "step", title: "generator step" }, {
      title: figureLabel(context, context.primary),
    });
  },
};

/** The primary figure against training seconds. */
const primaryBySeconds: ChartKind = {
  description: "the suite's primary figure at every evaluation against training wall-clock seconds",
  spec(context) {
    const rows = primaryRows(context);
    if (!rows.length) return undefined;
    return perDataset(rows, "both", {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: "line", strokeWidth: 1, opacity: 0.8 },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "training seconds" },
        y: {
          field: "value",
          type: "quantitative",
          title: figureLabel(context, context.primary),
          scale: { zero: false },
        },
        color: variantColour(context.results),
        detail: { field: "seed", type: "nominal" },
      },
    });
  },
};

/** Final primary figure per seed, as a strip plot with the mean marked. */
const finalSpread: ChartKind = {
  description: "final value of the primary figure per seed (dots) and its mean (tick), per variant",
  spec(context) {
    const rows = context.results.filter((r) => Number.isFinite(r.final[context.primary])).map((
      r,
    ) => ({
      ...base(r),
      value: r.final[context.primary],
    }));
    if (!rows.length) return undefined;
    return perDataset(rows, "x", {
      width: WIDTH,
      layer: [
        {
          mark: { type: "point", filled: true, opacity: 0.7 },
          encoding: {
            x: {
              field: "value",
              type: "quantitative",
              title: figureLabel(context, context.primary),
              scale: { zero: false },
            },
            y: VARIANT_AXIS,
            color: variantColour(context.results),
          },
        },
        {
          mark: { type: "tick", color: "black", thickness: 2 },
          encoding: {
            x: { aggregate: "mean", field: "value", type: "quantitative" },
            y: VARIANT_AXIS,
          },
        },
      ],
    });
  },
};

/** Modes covered per variant: mean bar and per-seed dots. */
const modeCoverage: ChartKind = {
  description: "modes covered at the end per variant: mean (bar) and each seed (dots)",
  spec(context) {
    const rows = context.results.filter((r) => Number.isFinite(r.final["modes.covered"])).map((
      r,
    ) => ({
      ...base(r),
      value: r.final["modes.covered"],
      total: r.final["modes.total"],
    }));
    if (!rows.length) return undefined;
    return perDataset(rows, "y", {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          mark: { type: "bar", opacity: 0.6 },
          encoding: {
            x: VARIANT_AXIS,
            y: { aggregate: "mean", field: "value", type: "quantitative", title: "modes covered" },
            color: variantColour(context.results),
          },
        },
        {
          mark: { type: "point", filled: true, color: "black", size: 18 },
          encoding: { x: VARIANT_AXIS, y: { field: "value", type: "quantitative" } },
        },
        {
          mark: { type: "rule", strokeDash: [4, 3] },
          encoding: { y: { aggregate: "max", field: "total" } },
        },
      ],
    });
  },
};

/** Generated points of the first seed over the mixture's centres, one small multiple per variant. */
const samplesScatter: ChartKind = {
  description: "generated points (first seed, last evaluation) per variant and dataset",
  spec(context) {
    const firstSeed = new Map<string, CellResult>();
    for (const r of context.results) {
      const key = `${r.config.dataset}/${r.config.variant}`;
      if (
        r.samples?.length &&
        (!firstSeed.has(key) || r.config.seed < firstSeed.get(key)!.config.seed)
      ) {
        firstSeed.set(key, r);
      }
    }
    const rows = [...firstSeed.values()].flatMap((r) =>
      r.samples!.map(([x, y]) => ({ dataset: r.config.dataset, variant: r.config.variant, x, y }))
    );
    if (!rows.length) return undefined;
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: {
        row: { field: "dataset", type: "nominal", title: null },
        column: { field: "variant", type: "nominal", title: null, sort: "ascending" },
      },
      resolve: { scale: { x: "independent", y: "independent" } },
      spec: {
        width: 130,
        height: 130,
        mark: { type: "circle", size: 6, opacity: 0.5 },
        encoding: {
          x: { field: "x", type: "quantitative", title: null, scale: { zero: false } },
          y: { field: "y", type: "quantitative", title: null, scale: { zero: false } },
          color: variantColour(context.results),
        },
      },
    } as TopLevelSpec;
  },
};

/** Dirac-GAN trajectories in the (θ, ψ) plane. */
const diracPhase: ChartKind = {
  description: "Dirac-GAN trajectories (θ, ψ) from (1, 1), first seed, one panel per variant",
  spec(context) {
    const rows = context.results.filter((r) =>
      r.config.seed === Math.min(...context.results.map((c) => c.config.seed))
    )
      .flatMap((r) =>
        r.evals.filter((e) =>
          Number.isFinite(e.metrics["dirac.theta"]) && Number.isFinite(e.metrics["dirac.psi"])
        )
          .map((e) => ({
            variant: r.config.variant,
            step: e.step,
            theta: Math.round(e.metrics["dirac.theta"] * 1e5) / 1e5,
            psi: Math.round(e.metrics["dirac.psi"] * 1e5) / 1e5,
          }))
      );
    if (!rows.length) return undefined;
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: { field: "variant", type: "nominal", title: null, sort: "ascending" },
      columns: 4,
      spec: {
        width: 150,
        height: 150,
        layer: [
          {
            mark: { type: "line", strokeWidth: 1, point: false },
            encoding: {
              x: {
                field: "theta",
                type: "quantitative",
                title: "θ",
                scale: { domain: [-2.5, 2.5], clamp: true },
              },
              y: {
                field: "psi",
                type: "quantitative",
                title: "ψ",
                scale: { domain: [-2.5, 2.5], clamp: true },
              },
              order: { field: "step", type: "quantitative" },
              color: variantColour(context.results),
            },
          },
          {
            mark: { type: "point", shape: "cross", color: "black", size: 60 },
            encoding: {
              x: { datum: 0, type: "quantitative" },
              y: { datum: 0, type: "quantitative" },
            },
          },
        ],
      },
    } as TopLevelSpec;
  },
};

/** Every chart kind, in page order. */
export const CHART_KINDS: [string, ChartKind][] = [
  ["loss-curves", lossCurves],
  ["gradient-norms", gradientNorms],
  ["primary-by-step", primaryByStep],
  ["primary-by-seconds", primaryBySeconds],
  ["final-spread", finalSpread],
  ["mode-coverage", modeCoverage],
  ["samples", samplesScatter],
  ["dirac-phase", diracPhase],
];
