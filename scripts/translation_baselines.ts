/**
 * The trivial maps' translation figures on the CycleGAN suite's datasets: what a translator that
 * learns nothing scores (identity, blank, best constant, permuted modes; see
 * src/metrics/translation.ts), on the same held-out samples and sample count as the suite's final
 * figures (the `quick` profile's 1,000), with the suite's feature network. They need no trained
 * model, so they are computed here from the datasets alone; docs/findings/cyclegan.md quotes them.
 *
 * Usage: deno run -A scripts/translation_baselines.ts [--samples N] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DATASETS } from "../src/data/mod.ts";
import { initBackend } from "../src/engine/backend.ts";
import { translationMetric, TRIVIAL_BASELINES, trivialMaps } from "../src/metrics/translation.ts";
import { loadSuite } from "../src/runner/suite.ts";

const FIGURES = [
  "translation.gt-error",
  "translation.gt-error-fg",
  "translation.gt-error-rel",
  "translation.accuracy",
  "translation.accuracy-3sd",
  "translation.fid[mnist-net]",
  "translation.modes",
  "translation.mass",
];

/** Every trivial map's figures per dataset of the cyclegan suite, at `samples` held-out samples. */
export async function translationBaselines(samples: number) {
  const suite = loadSuite("cyclegan");
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const name of suite.datasets) {
    const dataset = DATASETS.get(name);
    const translation = dataset.translation!;
    const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
    const { samples: a, labels } = translation.heldOut(samples);
    const maps = trivialMaps(translation, a, labels, size);
    out[name] = {};
    for (const baseline of TRIVIAL_BASELINES) {
      out[name][baseline] = await translationMetric.evaluate(maps[baseline], {
        dataset,
        features: suite.features,
      });
    }
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { samples: { type: "string", default: "1000" }, json: { type: "boolean" } },
  });
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 2) {
    console.error(
      `translation_baselines: --samples must be an integer >= 2, got ${values.samples}`,
    );
    Deno.exit(2);
  }
  await initBackend("wasm");
  const baselines = await translationBaselines(samples);
  if (values.json) {
    console.log(JSON.stringify(baselines, null, 1));
  } else {
    for (const [dataset, rows] of Object.entries(baselines)) {
      const figures = FIGURES.filter((f) => Object.values(rows).some((r) => f in r));
      console.log(`\n${dataset} (${samples} held-out samples)\n`);
      console.log(`| map | ${figures.map((f) => f.replace("translation.", "")).join(" | ")} |`);
      console.log(`|---|${figures.map(() => "---").join("|")}|`);
      for (const [baseline, row] of Object.entries(rows)) {
        const cells = figures.map((f) => (f in row ? Number(row[f].toPrecision(4)) : "—"));
        console.log(`| ${baseline} | ${cells.join(" | ")} |`);
      }
    }
  }
}
