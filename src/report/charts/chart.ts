/**
 * The chart-kind interface: each kind turns one suite's stored results into a Vega-Lite spec.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { Figure } from "../../metrics/metric.ts";
import type { CellResult } from "../../runner/store.ts";

/** What a chart kind sees: one suite at one profile. */
export interface ChartContext {
  suite: string;
  profile: string;
  /** The figure leaderboard rows are sorted by. */
  primary: string;
  /** Every known figure, by key (labels and directions). */
  figures: Map<string, Figure>;
  results: CellResult[];
  /** A stored picture of a result (see `CellResult.images`) as PNG bytes, when it can be read. */
  picture?(result: CellResult, name: string): Uint8Array | undefined;
}

/** A kind of chart. */
export interface ChartKind {
  description: string;
  /**
   * True for charts of what the generators produce (points over the modes, sample grids,
   * translations, Dirac-GAN trajectories): a suite's first such chart is its picture, shown
   * above the tables on its page and on the overview.
   */
  picture?: boolean;
  /** The spec, or undefined when the results hold nothing this chart shows. */
  spec(context: ChartContext): TopLevelSpec | undefined;
}

/** The Vega-Lite schema every spec names. */
export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Kelly's 22 colours of maximum contrast (Kelly 1965, "Twenty-two colors for maximum contrast"),
 * without white and black, the yellows last (weakest on white): for suites with more than 10
 * variants, where tableau10 runs out and tableau20's pairs of shades cannot be told apart.
 */
export const KELLY_COLOURS = [
  "#0067a5",
  "#f38400",
  "#008856",
  "#be0032",
  "#875692",
  "#882d17",
  "#e68fac",
  "#848482",
  "#8db600",
  "#a1caf1",
  "#f99379",
  "#604e97",
  "#f6a600",
  "#b3446c",
  "#2b3d26",
  "#654522",
  "#e25822",
  "#c2b280",
  "#dcd300",
  "#f3c300",
];

/**
 * Stroke dash patterns: the variants take them four at a time (the first four solid, the next four
 * long dashes, ...), so that the colours Kelly's list repeats in a lighter or darker shade (its
 * two blues, three oranges, two pinks, ...) are drawn with different dashes.
 */
export const DASHES: number[][] = [[1, 0], [7, 3], [2, 2], [8, 3, 2, 3], [4, 2]];

/** The variants of `results`, sorted: the one domain every chart's variant scales share. */
export function variantDomain(results: CellResult[]): string[] {
  return [...new Set(results.map((r) => r.config.variant))].sort();
}

/**
 * Colour scale shared by every chart of a suite, so that a variant has one colour everywhere:
 * tableau10's distinct hues for up to 10 variants, {@linkcode KELLY_COLOURS} beyond.
 */
export function variantColour(results: CellResult[]) {
  const domain = variantDomain(results);
  const scale = domain.length <= 10
    ? { domain, scheme: "tableau10" }
    : { domain, range: domain.map((_, i) => KELLY_COLOURS[i % KELLY_COLOURS.length]) };
  return { field: "variant", type: "nominal" as const, scale };
}

/** The stroke dash of each variant's lines (same domain as the colours, so legends merge). */
export function variantDash(results: CellResult[]) {
  const domain = variantDomain(results);
  return {
    field: "variant",
    type: "nominal" as const,
    scale: { domain, range: domain.map((_, i) => DASHES[Math.floor(i / 4) % DASHES.length]) },
  };
}

/**
 * Axis labels with 3 significant digits throughout: 0.25, 120, 3000, then 1.2e+4, 2.5e+35, 1e-20
 * (vega's defaults mix "1e+15" with "10,000,000,000" on log axes and print float noise such as
 * "2.4999999999999997e+35").
 */
export const NUMBER_AXIS = {
  labelExpr:
    "datum.value === 0 ? '0' : abs(datum.value) >= 1e4 || abs(datum.value) < 1e-3 ? format(datum.value, '.2~e') : format(datum.value, '.3~r')",
  labelOverlap: true,
};

/** Grid lines: light, so that the data stand out. */
export const GRID_COLOUR = "#ececec";

/** Most labelled powers of ten on a log axis; beyond, every second (fifth, ...) decade. */
const MAX_DECADES = 7;

/**
 * The ticks of a log axis over `values`: powers of ten only (1e-20, 1e-15, ... or 0.01, 0.1, 1,
 * 10), every decade when they span at most {@linkcode MAX_DECADES}, else every k-th, k the
 * smallest of 2, 5, 10, 20, ... that keeps them within that many. Vega's own log ticks add 2, 5,
 * 40, 0.6, ... between the powers, which reads as noise.
 *
 * @param values the data on the axis (non-positive and non-finite ones are ignored).
 * @returns the tick values, ascending; the decades around the data, so that the axis ends on one.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { powersOfTen } from "./chart.ts";
 * assert.deepEqual(powersOfTen([0.03, 40]), [0.01, 0.1, 1, 10, 100]);
 * ```
 */
export function powersOfTen(values: number[]): number[] {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!positive.length) return [];
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.max(Math.ceil(Math.log10(Math.max(...positive))), low + 1);
  const steps = [1, 2, 5, 10, 20, 50, 100];
  const step = steps.find((k) => (high - low) / k <= MAX_DECADES) ?? 100;
  const first = Math.floor(low / step) * step;
  const ticks: number[] = [];
  for (let e = first; e < high + step; e += step) ticks.push(Number(`1e${e}`));
  return ticks;
}

/**
 * The scale and axis of a log-scale value encoding over `values`, ticked and gridded at the powers
 * of ten of {@linkcode powersOfTen} alone. The domain is left to each panel (vega rounds it out to
 * powers of ten and draws only the ticks inside it), so that faceted panels keep their own scales.
 */
export function logAxis(values: number[]) {
  return {
    scale: { type: "log" as const },
    axis: { ...NUMBER_AXIS, values: powersOfTen(values), grid: true, gridColor: GRID_COLOUR },
  };
}

/**
 * The scale and axis of a value encoding over `values`: a log axis ticked at powers of ten when
 * {@linkcode valueScale} calls for one, else a linear one around the data; light grid lines.
 */
export function valueAxis(values: number[]) {
  const scale = valueScale(values);
  return "type" in scale
    ? logAxis(values)
    : { scale, axis: { ...NUMBER_AXIS, grid: true, gridColor: GRID_COLOUR } };
}

/** Figures spanning more than this ratio between their smallest and largest value go on a log axis. */
export const LOG_SPAN = 1e3;

/**
 * The scale of a value axis: logarithmic when the values are all positive and span more than
 * {@linkcode LOG_SPAN} (Dirac-GAN distances from 1e-20 to 3), else linear around the data.
 */
export function valueScale(values: number[]): { type: "log" } | { zero: false } {
  const finite = values.filter(Number.isFinite);
  if (!finite.length || finite.some((v) => v <= 0)) return { zero: false };
  return Math.max(...finite) / Math.min(...finite) > LOG_SPAN ? { type: "log" } : { zero: false };
}

/** The label of a figure key. */
export function figureLabel(context: ChartContext, key: string): string {
  return context.figures.get(key)?.label ?? key;
}
