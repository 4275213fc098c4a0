/**
 * The `translation-strips` chart: for translation suites, each (dataset, variant)'s strip of four
 * rows a | G(a) | F(G(a)) | T(a) over one held-out digit of each class (first seed), as image
 * marks holding the stored PNGs as data URLs, one row of panels per dataset.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { TopLevelSpec } from "vega-lite";
import type { CellResult } from "../../runner/store.ts";
import { type ChartKind, SCHEMA } from "./chart.ts";

/** Width of a strip panel, in pixels (its PNG is 10 images wide, 4 high: about 2.5 to 1). */
const STRIP_WIDTH = 240;
const STRIP_HEIGHT = 96;

/** The stored picture name of the strip (see runner/translation_cell.ts). */
const PICTURE = "translation";

/** Each dataset and variant's strip a | G(a) | F(G(a)) | T(a) (first seed). */
export const translationStrips: ChartKind = {
  picture: true,
  description:
    "translations of one held-out digit per class by each variant (first seed), rows a | G(a) | F(G(a)) | T(a): G should reproduce the last row",
  spec(context) {
    if (!context.picture) return undefined;
    const firstSeed = new Map<string, CellResult>();
    for (const r of context.results) {
      if (!r.images?.[PICTURE]) continue;
      const key = `${r.config.dataset}\u0000${r.config.variant}`;
      const held = firstSeed.get(key);
      if (!held || r.config.seed < held.config.seed) firstSeed.set(key, r);
    }
    const rows = [...firstSeed.values()].flatMap((result) => {
      const bytes = context.picture!(result, PICTURE);
      return bytes
        ? [{
          dataset: result.config.dataset,
          variant: result.config.variant,
          url: `data:image/png;base64,${Buffer.from(bytes).toString("base64")}`,
        }]
        : [];
    });
    if (!rows.length) return undefined;
    return {
      $schema: SCHEMA,
      data: { values: rows },
      facet: {
        row: { field: "dataset", type: "nominal", title: null, sort: "ascending" },
        column: { field: "variant", type: "nominal", title: null, sort: "ascending" },
      },
      spec: {
        width: STRIP_WIDTH,
        height: STRIP_HEIGHT,
        mark: { type: "image", width: STRIP_WIDTH, height: STRIP_HEIGHT, aspect: true },
        encoding: {
          url: { field: "url", type: "nominal" },
          x: { value: STRIP_WIDTH / 2 },
          y: { value: STRIP_HEIGHT / 2 },
        },
      },
    } as TopLevelSpec;
  },
};
