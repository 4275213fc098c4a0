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
  /** The spec, or undefined when the results hold nothing this chart shows. */
  spec(context: ChartContext): TopLevelSpec | undefined;
}

/** The Vega-Lite schema every spec names. */
export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Colour scale shared by every chart, so that a variant has one colour everywhere: category10's
 * distinct hues for up to 10 variants, tableau20 (pairs of shades) beyond.
 */
export function variantColour(results: CellResult[]) {
  const variants = [...new Set(results.map((r) => r.config.variant))].sort();
  const scheme = variants.length <= 10 ? "category10" : "tableau20";
  return { field: "variant", type: "nominal" as const, scale: { domain: variants, scheme } };
}

/** The label of a figure key. */
export function figureLabel(context: ChartContext, key: string): string {
  return context.figures.get(key)?.label ?? key;
}
