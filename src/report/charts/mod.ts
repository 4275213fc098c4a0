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
import { writeFileAtomic } from "../../runner/store.ts";
import type { ChartContext, ChartKind } from "./chart.ts";
import { CHART_KINDS } from "./kinds.ts";

export type { ChartContext, ChartKind } from "./chart.ts";

/** Every chart kind. */
export const CHARTS: Registry<ChartKind> = new Registry<ChartKind>("chart");
for (const [name, kind] of CHART_KINDS) CHARTS.register(name, kind);

/** Renders a Vega-Lite spec to SVG without a browser. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart written to disk. */
export interface RenderedChart {
  name: string;
  description: string;
  svg: string;
  files: { spec: string; svg: string; png: string };
}

/** Builds every chart that applies to `context` into `dir`. */
export async function buildCharts(context: ChartContext, dir: string): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  for (const [name, kind] of CHARTS.entries()) {
    const spec = kind.spec(context);
    if (!spec) continue;
    const svg = await renderSvg(spec);
    const files = { spec: `${name}.vl.json`, svg: `${name}.svg`, png: `${name}.png` };
    await writeFileAtomic(join(dir, files.spec), JSON.stringify(spec, null, 1) + "\n");
    await writeFileAtomic(join(dir, files.svg), svg);
    const png = await sharp(new TextEncoder().encode(svg), { density: 144 }).png({
      compressionLevel: 9,
    }).toBuffer();
    await Deno.writeFile(join(dir, `${files.png}.tmp`), png);
    await Deno.rename(join(dir, `${files.png}.tmp`), join(dir, files.png));
    charts.push({ name, description: kind.description, svg, files });
  }
  return charts;
}
