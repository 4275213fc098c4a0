/**
 * The chart kinds: training curves (median over seeds with a min–max band), metric curves,
 * final spread over seeds, mode coverage, generated points, and Dirac-GAN phase portraits.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { quantileSorted } from "simple-statistics";
import type { TopLevelSpec } from "vega-lite";
import { DATASETS, type MixtureSpec } from "../../data/mod.ts";
import { KEY_DIRAC_PSI, KEY_DIRAC_THETA } from "../../metrics/dirac.ts";
import { KEY_MODES_COVERED, KEY_MODES_TOTAL } from "../../metrics/modes.ts";
import type { CellResult } from "../../runner/store.ts";
import {
  type ChartContext,
  type ChartKind,
  figureLabel,
  GRID_COLOUR,
  logAxis,
  NUMBER_AXIS,
  SCHEMA,
  valueAxis,
  variantColour,
  variantDash,
} from "./chart.ts";

type Row = Record<string, string | number>;

const WIDTH = 320;
const HEIGHT = 200;

/** Pixels from a panel's top edge at which divergence marks sit. */
const MARK_TOP = 8;

/** A ✕ as an SVG path for point marks (vega's "cross" is a plus sign). */
const X_SHAPE = "M-1,-1L1,1M-1,1L1,-1";

/** Line and band layers draw curve rows only; divergence marks are rows of their own. */
const CURVE_ROWS = { filter: "isValid(datum.value)" };

/**
 * The layer that marks divergence: a ✕ at the step (or second) where a seed's loss became NaN/Inf,
 * at the panel's top edge, in the variant's colour. Its values are left out of every scale.
 */
function divergenceLayer(context: ChartContext, x: string) {
  return {
    transform: [{ filter: "datum.diverged === 1" }],
    mark: { type: "point", shape: X_SHAPE, size: 60, strokeWidth: 2.5, filled: false, opacity: 1 },
    encoding: {
      x: { field: x, type: "quantitative" },
      y: { value: MARK_TOP },
      color: variantColour(context.results),
      tooltip: [{ field: "variant" }, { field: "seed" }, { field: x, title: "diverged at" }],
    },
  };
}

/** Divergence-mark rows of the diverged cells among `results` (see {@linkcode divergenceLayer}). */
function divergenceRows(results: CellResult[], extra?: (r: CellResult) => Row): Row[] {
  return results.filter((r) => r.status === "diverged" && r.divergence).map((r) => ({
    ...base(r),
    diverged: 1,
    step: r.divergence!.step,
    seconds: Math.round(r.timing.trainSeconds * 1000) / 1000,
    ...extra?.(r),
  }));
}

/**
 * A median line over seeds with a min–max band, per variant, one column per dataset (and one row
 * per `rowFacet`). Diverged seeds are marked, not drawn.
 */
function bandedCurves(
  context: ChartContext,
  rows: Row[],
  x: { field: string; title: string },
  y: { title: string; log?: boolean },
  rowFacet?: string,
): TopLevelSpec {
  const values = rows.flatMap((r) => (typeof r.value === "number" ? [r.value] : []));
  const { scale, axis } = y.log ? logAxis(values) : valueAxis(values);
  return {
    $schema: SCHEMA,
    data: { values: rows },
    facet: {
      column: { field: "dataset", type: "nominal", title: null },
      ...(rowFacet ? { row: { field: rowFacet, type: "nominal", title: null } } : {}),
    },
    resolve: { scale: { y: "independent", x: "independent" } },
    // The legend shows the lines' colours and dashes, not the pale band's.
    config: { legend: { symbolOpacity: 1, symbolType: "stroke", symbolStrokeWidth: 2 } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          transform: [CURVE_ROWS],
          mark: { type: "area", opacity: 0.15 },
          encoding: {
            x: { field: x.field, type: "quantitative", title: x.title },
            y: {
              aggregate: "min",
              field: "value",
              type: "quantitative",
              scale,
              title: y.title,
              axis,
            },
            y2: { aggregate: "max", field: "value" },
            color: variantColour(context.results),
          },
        },
        {
          transform: [CURVE_ROWS],
          mark: { type: "line", strokeWidth: 1.6 },
          encoding: {
            x: { field: x.field, type: "quantitative" },
            y: { aggregate: "median", field: "value", type: "quantitative", scale, axis },
            color: variantColour(context.results),
            strokeDash: variantDash(context.results),
          },
        },
        divergenceLayer(context, x.field),
      ],
    },
  } as TopLevelSpec;
}

/** The rows `pick` makes of every cell that did not diverge (diverged cells are only marked). */
function curveRows(results: CellResult[], pick: (r: CellResult) => Row[]): Row[] {
  return results.filter((r) => r.status !== "diverged").flatMap(pick);
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

/** Columns of the per-variant small multiples before they wrap. */
const PANEL_COLUMNS = 4;

/**
 * Loss curves of D and G, one panel per (dataset, variant) with its own y scale: the losses differ
 * in meaning and scale between variants (a Wasserstein critic's, a VAE's negative ELBO), so a
 * shared axis would flatten most of them. Each panel carries its own axes, so a last row that is
 * not full ends without empty axis-only panels; diverged seeds are marked, not drawn.
 */
const lossCurves: ChartKind = {
  description:
    "D and G loss against generator steps, one panel per variant with its own scale: median over seeds, min–max band; ✕ at the top: a seed that diverged there (left out of the scale)",
  spec(context) {
    const datasets = new Set(context.results.map((r) => r.config.dataset));
    const panel = (r: CellResult) =>
      datasets.size > 1 ? `${r.config.dataset} · ${r.config.variant}` : r.config.variant;
    const rows = [
      ...curveRows(context.results, (r) =>
        r.curves.flatMap((p) => [
          { ...base(r), panel: panel(r), step: p.step, network: "D", value: p.lossD },
          { ...base(r), panel: panel(r), step: p.step, network: "G", value: p.lossG },
        ])),
      ...divergenceRows(context.results, (r) => ({ panel: panel(r), network: "D" })),
    ];
    if (!rows.length) return undefined;
    const panels = new Set(rows.map((r) => r.panel)).size;
    const colour = {
      field: "network",
      type: "nominal",
      title: "loss of",
      scale: { domain: ["D", "G"], range: ["#4c78a8", "#e45756"] },
    };
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: { field: "panel", type: "nominal", title: null, sort: "ascending" },
      columns: Math.min(PANEL_COLUMNS, panels),
      // Each panel its own step axis too: a suite's datasets may have different budgets
      // (CycleGAN: 800 steps on MNIST, 4,000 on the ring).
      resolve: { scale: { x: "independent", y: "independent" } },
      config: { legend: { symbolOpacity: 1, symbolType: "stroke", symbolStrokeWidth: 2 } },
      spec: {
        width: WIDTH * 0.65,
        height: HEIGHT * 0.7,
        layer: [
          {
            transform: [CURVE_ROWS],
            mark: { type: "area", opacity: 0.18 },
            encoding: {
              x: { field: "step", type: "quantitative", title: "generator step" },
              y: {
                aggregate: "min",
                field: "value",
                type: "quantitative",
                scale: { zero: false },
                title: "loss",
                axis: { ...NUMBER_AXIS, gridColor: GRID_COLOUR },
              },
              y2: { aggregate: "max", field: "value" },
              color: colour,
            },
          },
          {
            transform: [CURVE_ROWS],
            mark: { type: "line", strokeWidth: 1.5 },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { aggregate: "median", field: "value", type: "quantitative" },
              color: colour,
            },
          },
          {
            transform: [{ filter: "datum.diverged === 1" }],
            mark: { type: "point", shape: X_SHAPE, size: 60, strokeWidth: 2.5, filled: false },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { value: MARK_TOP },
              color: { value: "black" },
              tooltip: [{ field: "seed" }, { field: "step", title: "diverged at" }],
            },
          },
          {
            transform: [
              { filter: "datum.diverged === 1" },
              { aggregate: [{ op: "min", field: "step", as: "step" }], groupby: ["panel"] },
            ],
            mark: { type: "text", align: "left", baseline: "middle", dx: 8, fontSize: 10 },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { value: MARK_TOP },
              text: { value: "diverged" },
            },
          },
        ],
      },
    } as TopLevelSpec;
  },
};

/** Gradient norms of D and G (log scale). */
const gradientNorms: ChartKind = {
  description:
    "‖∇D‖ and ‖∇G‖ against generator steps (log scale): median over seeds, min–max band; ✕ at the top: a seed that diverged there (left out of the scale)",
  spec(context) {
    const rows = curveRows(context.results, (r) =>
      r.curves.flatMap((p) =>
        [
          { ...base(r), step: p.step, network: "‖∇D‖", value: p.gradNormD },
          { ...base(r), step: p.step, network: "‖∇G‖", value: p.gradNormG },
        ].filter((row) => row.value > 0)
      ));
    if (!rows.length) return undefined;
    for (const network of ["‖∇D‖", "‖∇G‖"]) {
      rows.push(...divergenceRows(context.results, () => ({ network })));
    }
    return bandedCurves(
      context,
      rows,
      { field: "step", title: "generator step" },
      { title: "gradient norm", log: true },
      "network",
    );
  },
};

/** The primary figure at every evaluation of the cells that did not diverge. */
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
  description:
    "the suite's primary figure at every evaluation against generator steps (log scale where it spans decades): median over seeds, min–max band; ✕ at the top: a seed that diverged there (left out of the scale)",
  spec(context) {
    const rows = primaryRows(context);
    if (!rows.length) return undefined;
    rows.push(...divergenceRows(context.results));
    return bandedCurves(context, rows, { field: "step", title: "generator step" }, {
      title: figureLabel(context, context.primary),
    });
  },
};

/** The primary figure against training seconds. */
const primaryBySeconds: ChartKind = {
  description:
    "the suite's primary figure at every evaluation against training wall-clock seconds, one line per seed; ✕ at the top: a seed that diverged there (left out of the scale)",
  spec(context) {
    const rows = primaryRows(context);
    if (!rows.length) return undefined;
    const { scale, axis } = valueAxis(rows.map((r) => r.value as number));
    rows.push(...divergenceRows(context.results));
    return perDataset(rows, "both", {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          transform: [CURVE_ROWS],
          mark: { type: "line", strokeWidth: 1.2, opacity: 0.85 },
          encoding: {
            x: { field: "seconds", type: "quantitative", title: "training seconds" },
            y: {
              field: "value",
              type: "quantitative",
              title: figureLabel(context, context.primary),
              scale,
              axis,
            },
            color: variantColour(context.results),
            strokeDash: variantDash(context.results),
            detail: { field: "seed", type: "nominal" },
          },
        },
        divergenceLayer(context, "seconds"),
      ],
    });
  },
};

/** Final primary figure per seed, as a strip plot with the mean marked. */
const finalSpread: ChartKind = {
  description:
    "final value of the primary figure per seed (dots) and its mean (tick), per variant (log scale where it spans decades); diverged seeds have none",
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
              ...valueAxis(rows.map((r) => r.value)),
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

/** Modes covered per variant: mean bar, ± std error bar, per-seed dots and the number of modes. */
const modeCoverage: ChartKind = {
  description:
    "modes covered at the end per variant: mean over seeds (bar) ± sample std (error bar), each seed (dots); dashed: all modes",
  spec(context) {
    const rows = context.results.filter((r) => Number.isFinite(r.final[KEY_MODES_COVERED])).map((
      r,
    ) => ({
      ...base(r),
      value: r.final[KEY_MODES_COVERED],
      total: r.final[KEY_MODES_TOTAL],
    }));
    if (!rows.length) return undefined;
    return perDataset(rows, "y", {
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          mark: { type: "bar", opacity: 0.75 },
          encoding: {
            x: VARIANT_AXIS,
            y: { aggregate: "mean", field: "value", type: "quantitative", title: "modes covered" },
            color: variantColour(context.results),
          },
        },
        {
          // Mean ± sample std over seeds, cut at 0 and at the number of modes.
          transform: [
            {
              aggregate: [
                { op: "mean", field: "value", as: "mean" },
                { op: "stdev", field: "value", as: "std" },
                { op: "max", field: "total", as: "total" },
              ],
              groupby: ["variant"],
            },
            { calculate: "max(0, datum.mean - (datum.std || 0))", as: "low" },
            { calculate: "min(datum.total, datum.mean + (datum.std || 0))", as: "high" },
          ],
          mark: { type: "errorbar", ticks: { size: 8 }, color: "black" },
          encoding: {
            x: VARIANT_AXIS,
            y: { field: "low", type: "quantitative", title: "modes covered" },
            y2: { field: "high" },
          },
        },
        {
          mark: { type: "point", filled: true, color: "#555", size: 14, opacity: 0.8 },
          encoding: {
            x: VARIANT_AXIS,
            y: { field: "value", type: "quantitative", title: "modes covered" },
          },
        },
        {
          mark: { type: "rule", strokeDash: [4, 3] },
          encoding: { y: { aggregate: "max", field: "total" } },
        },
      ],
    });
  },
};

/** The mixture behind a dataset name, when the dataset registry knows one. */
function mixtureOf(dataset: string): MixtureSpec | undefined {
  if (!DATASETS.has(dataset)) return undefined;
  const { mixture, translation } = DATASETS.get(dataset);
  // A translation cell stores its G(a), which belong on the target domain's modes.
  return mixture ?? translation?.mixtures?.b;
}

/**
 * One square domain for both axes of a dataset's panels, so that every variant is drawn on the
 * same frame: the true centres padded by a quarter of their extent, widened to hold the middle 98%
 * of the generated points (stragglers beyond are clipped).
 */
function scatterDomain(centres: number[][], points: number[][]): [number, number] {
  const coordinates = (rows: number[][]) => rows.flatMap(([x, y]) => [x, y]).sort((a, b) => a - b);
  let [low, high] = [Infinity, -Infinity];
  if (centres.length) {
    const c = coordinates(centres);
    const pad = Math.max((c[c.length - 1] - c[0]) / 4, 0.5);
    [low, high] = [c[0] - pad, c[c.length - 1] + pad];
  }
  if (points.length) {
    const p = coordinates(points);
    low = Math.min(low, quantileSorted(p, 0.01));
    high = Math.max(high, quantileSorted(p, 0.99));
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return [round(low), round(high)];
}

/** Side of a generated-points panel, in pixels: a suite's lead picture, readable at a glance. */
const SCATTER_SIZE = 160;

/** The columns of the generated-points small multiples before they wrap. */
const SCATTER_COLUMNS = 6;

/**
 * Generated points of the first seed over the mixture's true centres: one small multiple per
 * variant, one block per dataset. Reads a cell's optional `samples` (see `CellResult`); results
 * without them get no chart.
 */
const samplesScatter: ChartKind = {
  picture: true,
  description:
    "generated points of the first seed at the last evaluation (dots) over the true mode centres (black rings), one panel per variant",
  spec(context) {
    const firstSeed = new Map<string, CellResult>();
    for (const r of context.results) {
      const key = `${r.config.dataset}\u0000${r.config.variant}`;
      const held = firstSeed.get(key);
      if (r.samples?.length && (!held || r.config.seed < held.config.seed)) firstSeed.set(key, r);
    }
    if (!firstSeed.size) return undefined;
    const datasets = [...new Set([...firstSeed.values()].map((r) => r.config.dataset))].sort();
    const blocks = datasets.map((dataset) => {
      const cells = [...firstSeed.values()].filter((r) => r.config.dataset === dataset)
        .sort((a, b) => a.config.variant.localeCompare(b.config.variant));
      const centres = mixtureOf(dataset)?.centres.filter((c) => c.length === 2) ?? [];
      const points = cells.flatMap((r) => r.samples!.filter((p) => p.length === 2));
      const domain = scatterDomain(centres, points);
      const rows: Row[] = cells.flatMap((r) => [
        ...r.samples!.map(([x, y]) => ({ variant: r.config.variant, kind: "sample", x, y })),
        ...centres.map(([x, y]) => ({ variant: r.config.variant, kind: "centre", x, y })),
      ]);
      const axis = (field: string) => ({
        field,
        type: "quantitative",
        title: null,
        scale: { domain, nice: false },
        axis: { tickCount: 5 },
      });
      return {
        title: { text: dataset, anchor: "start" },
        data: { values: rows },
        facet: { field: "variant", type: "nominal", title: null, sort: "ascending" },
        // As many columns as balance the rows, at most SCATTER_COLUMNS; each panel its own x
        // axis, so a last row that is not full leaves no empty axis-only panels.
        columns: Math.ceil(cells.length / Math.ceil(cells.length / SCATTER_COLUMNS)),
        resolve: { axis: { x: "independent" } },
        spec: {
          width: SCATTER_SIZE,
          height: SCATTER_SIZE,
          layer: [
            {
              transform: [{ filter: "datum.kind === 'sample'" }],
              mark: { type: "circle", size: 5, fillOpacity: 0.45, clip: true, aria: false },
              encoding: { x: axis("x"), y: axis("y"), color: variantColour(context.results) },
            },
            {
              transform: [{ filter: "datum.kind === 'centre'" }],
              mark: {
                type: "point",
                size: 40,
                stroke: "black",
                strokeWidth: 1,
                filled: false,
                clip: true,
                aria: false,
              },
              encoding: { x: axis("x"), y: axis("y") },
            },
          ],
        },
      };
    });
    return {
      $schema: SCHEMA,
      vconcat: blocks,
      resolve: { scale: { color: "shared" } },
    } as unknown as TopLevelSpec;
  },
};

/** Dirac-GAN trajectories in the (θ, ψ) plane. */
const diracPhase: ChartKind = {
  picture: true,
  description: "Dirac-GAN trajectories (θ, ψ) from (1, 1), first seed, one panel per variant",
  spec(context) {
    const rows = context.results.filter((r) =>
      r.config.seed === Math.min(...context.results.map((c) => c.config.seed))
    )
      .flatMap((r) =>
        r.evals.filter((e) =>
          Number.isFinite(e.metrics[KEY_DIRAC_THETA]) && Number.isFinite(e.metrics[KEY_DIRAC_PSI])
        )
          .map((e) => ({
            variant: r.config.variant,
            step: e.step,
            theta: Math.round(e.metrics[KEY_DIRAC_THETA] * 1e5) / 1e5,
            psi: Math.round(e.metrics[KEY_DIRAC_PSI] * 1e5) / 1e5,
          }))
      );
    if (!rows.length) return undefined;
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: { field: "variant", type: "nominal", title: null, sort: "ascending" },
      columns: 4,
      resolve: { axis: { x: "independent" } },
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

/** Width of a picture panel, in pixels (the sample grid is square at this width). */
const PICTURE_SIZE = 224;
/** Height of the interpolation strip under a grid (its PNG is about 2.5 times wider than high). */
const STRIP_HEIGHT = 90;
const PICTURE_GAP = 8;

/**
 * Each variant's last sample grid (first seed) with its latent interpolation strip below, as
 * image marks holding the stored PNGs as data URLs, so the chart stands alone offline; the
 * variants wrap after {@linkcode PANEL_COLUMNS}.
 */
const sampleGrids: ChartKind = {
  picture: true,
  description:
    "samples of each variant's generator at the end (first seed, fixed latent batch; a conditional G shows one row per class) above a latent interpolation strip",
  spec(context) {
    if (!context.picture) return undefined;
    const firstSeed = new Map<string, CellResult>();
    for (const r of context.results) {
      const held = firstSeed.get(r.config.variant);
      if (r.images && (!held || r.config.seed < held.config.seed)) {
        firstSeed.set(r.config.variant, r);
      }
    }
    const dataUrl = (bytes: Uint8Array) =>
      `data:image/png;base64,${Buffer.from(bytes).toString("base64")}`;
    const rows: Row[] = [];
    for (const [variant, result] of [...firstSeed].sort(([a], [b]) => a.localeCompare(b))) {
      const grid = Object.keys(result.images!).filter((n) => n.startsWith("grid-")).sort().at(-1);
      const panels: [string, string | undefined, number, number][] = [
        ["samples", grid, PICTURE_SIZE / 2, PICTURE_SIZE],
        [
          "interpolation",
          "interpolation",
          PICTURE_SIZE + PICTURE_GAP + STRIP_HEIGHT / 2,
          STRIP_HEIGHT,
        ],
      ];
      for (const [panel, name, y, height] of panels) {
        const bytes = name ? context.picture(result, name) : undefined;
        if (bytes) rows.push({ variant, panel, url: dataUrl(bytes), y, height });
      }
    }
    if (!rows.length) return undefined;
    const variants = new Set(rows.map((r) => r.variant)).size;
    const image = (panel: string, height: number) => ({
      transform: [{ filter: { field: "panel", equal: panel } }],
      mark: { type: "image", width: PICTURE_SIZE, height, aspect: true },
      encoding: {
        url: { field: "url", type: "nominal" },
        x: { value: PICTURE_SIZE / 2 },
        y: { field: "y", type: "quantitative", scale: null },
      },
    });
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: { field: "variant", type: "nominal", title: null, sort: "ascending" },
      columns: Math.min(PANEL_COLUMNS, variants),
      spec: {
        width: PICTURE_SIZE,
        height: PICTURE_SIZE + PICTURE_GAP + STRIP_HEIGHT,
        layer: [image("samples", PICTURE_SIZE), image("interpolation", STRIP_HEIGHT)],
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
  ["sample-grids", sampleGrids],
];
