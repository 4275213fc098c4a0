/**
 * The chart registry and rendering: a spec becomes `<name>.vl.json`, `<name>.svg` (vega's headless
 * View) and `<name>.png` (sharp). A new chart is one entry in `kinds.ts`.
 *
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Registry } from "../../registry.ts";
import { writeBytesAtomic, writeFileAtomic } from "../../atomic_write.ts";
import { type ChartContext, type ChartKind, GRID_COLOUR } from "./chart.ts";
import { CHART_KINDS } from "./kinds.ts";
import { translationStrips } from "./translation_strips.ts";

export type { ChartContext, ChartKind } from "./chart.ts";

/**
 * Every chart kind. The translation strips come first: of a suite's pictures (`picture: true`) the
 * first is its lead picture, and a translation suite's strips tell more than its ring's points.
 */
export const CHARTS: Registry<ChartKind> = new Registry<ChartKind>("chart");
CHARTS.register("translation-strips", translationStrips);
for (const [name, kind] of CHART_KINDS) CHARTS.register(name, kind);

/** Attributes holding coordinates, rounded by {@linkcode tidySvg}. */
const GEOMETRY_ATTRIBUTES = /\b(d|transform|x|y|x1|x2|y1|y2|width|height|points)="([^"]*)"/g;

/**
 * Makes vega's SVG smaller and safe to inline next to other charts: coordinates are rounded to
 * 0.01 px, and element ids (vega numbers its clip paths with a process-wide counter) are renamed
 * `<prefix>-1`, `<prefix>-2`, ... in order of appearance, so that two charts on one page never
 * share an id and the same chart always gets the same ids.
 *
 * @param svg an SVG document as vega's `toSVG()` writes it.
 * @param prefix the chart's name.
 * @returns the tidied SVG.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tidySvg } from "./mod.ts";
 * const svg = '<clipPath id="clip7"><path d="M0.123456,1h2"/></clipPath><g clip-path="url(#clip7)"/>';
 * assert.equal(
 *   tidySvg(svg, "loss"),
 *   '<clipPath id="loss-1"><path d="M0.12,1h2"/></clipPath><g clip-path="url(#loss-1)"/>',
 * );
 * ```
 */
export function tidySvg(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) {
    if (!ids.has(id)) ids.set(id, `${prefix}-${ids.size + 1}`);
  }
  const rename = (id: string) => ids.get(id) ?? id;
  return svg
    .replace(
      GEOMETRY_ATTRIBUTES,
      (_, name: string, value: string) =>
        `${name}="${
          value.replace(
            /-?\d+\.\d{3,}(e-?\d+)?/g,
            (n) => String(Math.round(Number(n) * 100) / 100 || 0),
          )
        }"`,
    )
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${rename(id)}"`);
}

/**
 * Renders a Vega-Lite spec to SVG without a browser (vega's headless View).
 *
 * @param spec a Vega-Lite spec.
 * @param name the chart's name, prefixing the SVG's element ids (see {@linkcode tidySvg}).
 * @returns the SVG document.
 */
export async function renderSvg(spec: TopLevelSpec, name = "chart"): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return tidySvg(await view.toSVG(), name);
  } finally {
    view.finalize();
  }
}

/** A chart written to disk. */
export interface RenderedChart {
  name: string;
  description: string;
  /** Whether it is a picture of what the generators produce (see `ChartKind.picture`). */
  picture: boolean;
  svg: string;
  files: { spec: string; svg: string; png: string };
}

/** A spec with the site's chart style: light grid lines on every axis. */
export function styled(spec: TopLevelSpec): TopLevelSpec {
  const config = (spec as { config?: { axis?: Record<string, unknown> } }).config ?? {};
  return {
    ...spec,
    config: { ...config, axis: { gridColor: GRID_COLOUR, ...config.axis } },
  } as TopLevelSpec;
}

/** Builds every chart that applies to `context` into `dir`. */
export async function buildCharts(context: ChartContext, dir: string): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  for (const [name, kind] of CHARTS.entries()) {
    const drawn = kind.spec(context);
    if (!drawn) continue;
    const spec = styled(drawn);
    const svg = await renderSvg(spec, name);
    const files = { spec: `${name}.vl.json`, svg: `${name}.svg`, png: `${name}.png` };
    await writeFileAtomic(join(dir, files.spec), JSON.stringify(spec, null, 1) + "\n");
    await writeFileAtomic(join(dir, files.svg), svg);
    const png = await sharp(new TextEncoder().encode(svg), { density: 144 }).png({
      compressionLevel: 9,
    }).toBuffer();
    await writeBytesAtomic(join(dir, files.png), png);
    charts.push({
      name,
      description: kind.description,
      picture: Boolean(kind.picture),
      svg,
      files,
    });
  }
  return charts;
}
