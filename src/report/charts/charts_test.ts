import assert from "node:assert/strict";
import { join } from "node:path";
import { compile } from "vega-lite";
import { allFigures } from "../../metrics/mod.ts";
import { type CellResult, listResultFiles, readResult } from "../../runner/store.ts";
import { buildReport } from "../build.ts";
import { GRID_COLOUR, powersOfTen } from "./chart.ts";
import { CHARTS, renderSvg } from "./mod.ts";

const FIXTURE = new URL("../../../testing/testdata/results/", import.meta.url).pathname;
/** A translation suite's smoke results (CycleGAN), kept apart from the report's fixture suites. */
const TRANSLATION_FIXTURE = new URL("../../../testing/testdata/translation/", import.meta.url)
  .pathname;

async function results(suite: string, root = FIXTURE) {
  const files = await listResultFiles(join(root, suite, "smoke"));
  return Promise.all(files.map(async (f) => (await readResult(f))!));
}

Deno.test("every chart kind builds a spec that vega-lite compiles, for the suites it applies to", async () => {
  const built = new Set<string>();
  for (
    const [suite, primary, root = FIXTURE] of [
      ["mixtures", "modes.kl"],
      ["dirac", "dirac.distance"],
      ["mnist", "images.fid[mnist-net]"],
      ["cyclegan", "translation.accuracy", TRANSLATION_FIXTURE],
    ]
  ) {
    const dir = join(root, suite, "smoke");
    const context = {
      suite,
      profile: "smoke",
      primary,
      figures: allFigures(),
      results: await results(suite, root),
      picture: (result: CellResult, name: string) =>
        result.images?.[name] ? Deno.readFileSync(join(dir, result.images[name])) : undefined,
    };
    for (const [name, kind] of CHARTS.entries()) {
      const spec = kind.spec(context);
      if (!spec) continue;
      built.add(name);
      const compiled = compile(spec).spec;
      assert.ok(compiled.marks?.length || compiled.data, `${name} compiles to a vega spec`);
      // A chart carries its rows at the top, or per block when it stacks blocks (vconcat).
      type Data = { data?: { values?: unknown[] }; vconcat?: Data[] };
      const rowsOf = (s: Data): unknown[] =>
        (s.data?.values ?? []).concat((s.vconcat ?? []).flatMap(rowsOf));
      const values = rowsOf(spec as Data);
      assert.ok(values.length > 0, `${name} for ${suite} carries data`);
    }
  }
  assert.deepEqual(
    [...built].sort(),
    CHARTS.names().sort(),
    "every chart kind applies to one fixture suite",
  );
});

Deno.test("the report rebuilt from the same results is byte-identical", async () => {
  const outputs: Record<string, string>[] = [];
  for (let i = 0; i < 2; i++) {
    const out = await Deno.makeTempDir({ prefix: "ganbench-report-" });
    const report = await buildReport(FIXTURE, out);
    assert.deepEqual(report.problems, []);
    const files: Record<string, string> = {};
    for (const path of report.written) {
      files[path.slice(out.length)] = await Deno.readTextFile(path);
    }
    for (const board of report.leaderboards) {
      const charts = join(out, board.suite, board.profile, "charts");
      for (const entry of Deno.readDirSync(charts)) {
        const bytes = await Deno.readFile(join(charts, entry.name));
        files[`${board.suite}/charts/${entry.name}`] = Array.from(bytes.slice(0, 64)).join(",") +
          bytes.length;
        if (!entry.name.endsWith(".png")) {
          files[`${board.suite}/charts/${entry.name}`] = new TextDecoder().decode(bytes);
        }
      }
    }
    outputs.push(files);
    await Deno.remove(out, { recursive: true });
  }
  assert.ok(Object.keys(outputs[0]).some((k) => k.endsWith("index.html")));
  assert.ok(Object.keys(outputs[0]).some((k) => k.endsWith("samples.svg")));
  assert.deepEqual(outputs[1], outputs[0]);
});

/** A constructed cell: `distance` at steps 0 and 50 (its losses follow), or diverged at step 42. */
function diracCell(variant: string, seed: number, distance: number[], diverged = false) {
  const step = (i: number) => i * 50;
  return {
    hash: `${variant}${seed}`,
    config: { dataset: "dirac", variant, seed, backend: "wasm", evalSamples: 1, budget: {} },
    status: diverged ? "diverged" : "completed",
    ...(diverged ? { divergence: { step: 42, network: "D" } } : {}),
    final: diverged ? {} : { "dirac.distance": distance.at(-1)! },
    curves: distance.map((d, i) => ({
      step: step(i),
      seconds: i,
      lossD: d,
      lossG: -d,
      gradNormD: d,
      gradNormG: d,
    })),
    evals: distance.map((d, i) => ({
      step: step(i),
      seconds: i,
      metrics: { "dirac.distance": d },
    })),
    timing: { wallSeconds: 1, trainSeconds: 0.5, evalSeconds: 0, stepsPerSecond: 100 },
  } as unknown as CellResult;
}

function contextOf(results: CellResult[]) {
  return {
    suite: "dirac",
    profile: "quick",
    primary: "dirac.distance",
    figures: allFigures(),
    results,
  };
}

/** Every data row of a spec (top-level or per vconcat block). */
function dataRows(spec: unknown): Record<string, unknown>[] {
  type Data = { data?: { values?: Record<string, unknown>[] }; vconcat?: Data[] };
  const rows = (s: Data): Record<string, unknown>[] =>
    (s.data?.values ?? []).concat((s.vconcat ?? []).flatMap(rows));
  return rows(spec as Data);
}

Deno.test("curve charts leave diverged seeds out of their scales and mark where they diverged", () => {
  const context = contextOf([
    diracCell("converges", 0, [1, 1e-10, 1e-20]),
    diracCell("circles", 0, [1, 1.2, 1.1]),
    diracCell("explodes", 0, [1, 8e17, 2.5e35], true),
  ]);
  for (const name of ["loss-curves", "gradient-norms", "primary-by-step", "primary-by-seconds"]) {
    const rows = dataRows(CHARTS.get(name).spec(context));
    const drawn = rows.filter((r) => typeof r.value === "number").map((r) =>
      Math.abs(r.value as number)
    );
    assert.ok(Math.max(...drawn) <= 1.2, `${name}: nothing of the diverged seed is drawn`);
    const marks = rows.filter((r) => r.diverged === 1);
    assert.ok(
      marks.length > 0 && marks.every((r) => r.variant === "explodes" && r.step === 42),
      name,
    );
  }
});

Deno.test("a figure spanning decades gets a log axis, one within a decade or two a linear one", () => {
  const spanning = contextOf([diracCell("a", 0, [1, 1e-10, 1e-20]), diracCell("b", 0, [1, 2, 3])]);
  const yScale = (spec: unknown) =>
    (spec as { spec: { layer: { encoding: { y: { scale: unknown } } }[] } }).spec.layer[0]
      .encoding.y.scale;
  assert.deepEqual(yScale(CHARTS.get("primary-by-step").spec(spanning)), { type: "log" });
  const narrow = contextOf([diracCell("a", 0, [1, 0.5, 0.2]), diracCell("b", 0, [1, 2, 3])]);
  assert.deepEqual(yScale(CHARTS.get("primary-by-step").spec(narrow)), { zero: false });
});

Deno.test("axis labels carry 3 significant digits, in one notation", async () => {
  // Ticks 0, 5e34, ..., 5 · 5e34 = 2.4999999999999997e+35 in floats: vega printed that digit for
  // digit.
  const cell = diracCell("huge", 0, [0, 1.25e35, 2.5e35]);
  cell.curves = cell.curves.map((p) => ({ ...p, lossG: p.lossD }));
  const svg = await renderSvg(CHARTS.get("loss-curves").spec(contextOf([cell]))!);
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(labels.includes("2.5e+35") && labels.includes("5e+34"), labels.join(" | "));
  assert.ok(!labels.some((l) => /\d{5,}|\.\d{4,}/.test(l)), labels.join(" | "));
});

Deno.test("a variant keeps one colour and dash in every chart; beyond 10 variants Kelly's colours", () => {
  const many = Array.from(
    { length: 16 },
    (_, i) => diracCell(`v${String(i).padStart(2, "0")}`, 0, [1, 0.5, 0.2]),
  );
  const context = contextOf(many);
  const scales = CHARTS.entries().flatMap(([name, kind]) => {
    const spec = kind.spec(context);
    return spec
      ? [
        ...JSON.stringify(spec).matchAll(/"field":"variant","type":"nominal","scale":(\{[^}]*\})/g),
      ]
        .map((m) => [name, m[1]])
      : [];
  });
  assert.ok(scales.length >= 5, `${scales.length} variant scales`);
  const colours = new Set(scales.map(([, s]) => s).filter((s) => s.includes("#")));
  const distinctRanges = new Set([...colours].map((s) => JSON.parse(s).range.join()));
  assert.ok(distinctRanges.size <= 2, "colour ranges and dash ranges, one of each");
  const colourScale = JSON.parse([...colours].find((s) => s.includes("#0067a5"))!);
  assert.equal(new Set(colourScale.range).size, 16, "16 distinct colours");
  assert.deepEqual(colourScale.domain, many.map((r) => r.config.variant));
});

/** Whether `value` is 10 to an integer power (as JavaScript writes such a number). */
const isPowerOfTen = (value: number) =>
  value > 0 && Math.abs(Math.log10(value) - Math.round(Math.log10(value))) < 1e-9;

/** Every encoding of a spec (layers, facets, blocks), found by walking it. */
function encodings(spec: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (record.encoding && typeof record.encoding === "object") {
      found.push(...Object.values(record.encoding as Record<string, Record<string, unknown>>));
    }
    Object.values(record).forEach(walk);
  };
  walk(spec);
  return found;
}

Deno.test("powersOfTen ticks every decade, or every k-th when they are many", () => {
  assert.deepEqual(powersOfTen([0.03, 40]), [0.01, 0.1, 1, 10, 100]);
  assert.deepEqual(powersOfTen([2, 3]), [1, 10], "within one decade: its two ends");
  const wide = powersOfTen([8.47e-21, 3.35]);
  assert.ok(wide.length <= 8 && wide.every(isPowerOfTen), wide.join(" "));
  assert.ok(wide[0] <= 8.47e-21 && wide.at(-1)! >= 3.35, "the ticks span the data");
  assert.deepEqual(powersOfTen([0, -1, NaN]), []);
});

Deno.test("log axes tick at powers of ten alone, over light grid lines", async () => {
  const spanning = contextOf([
    diracCell("a", 0, [3, 1e-10, 1e-20]),
    diracCell("b", 0, [0.04, 40, 0.6]),
  ]);
  let logAxes = 0;
  for (const [name, kind] of CHARTS.entries()) {
    const spec = kind.spec(spanning);
    if (!spec) continue;
    for (const encoding of encodings(spec)) {
      const scale = encoding.scale as { type?: string } | undefined;
      if (scale?.type !== "log") continue;
      logAxes++;
      const axis = encoding.axis as { values?: number[]; gridColor?: string };
      assert.ok(axis.values?.length, `${name}: a log axis names its ticks`);
      assert.ok(axis.values!.every(isPowerOfTen), `${name}: ${axis.values}`);
      assert.equal(axis.gridColor, GRID_COLOUR, `${name}: light grid lines`);
    }
  }
  assert.ok(
    logAxes >= 3,
    `${logAxes} log axes (gradient norms, primary figure by step and by seconds, final spread)`,
  );
  // What vega draws: the log axis of the distance is labelled at powers of ten only.
  const svg = await renderSvg(CHARTS.get("primary-by-step").spec(spanning)!);
  // Each axis group starts at its aria-label; its tick labels follow before the next axis.
  const yAxes = svg.split(/(?=aria-label="[XY]-axis)/).filter((g) => g.startsWith(`aria-label="Y`));
  const labels = yAxes.flatMap((g) => [...g.matchAll(/<text[^>]*>([^<]*)<\/text>/g)])
    .map((m) => m[1]).filter((l) => /^[\d.e+-]+$/.test(l));
  assert.ok(labels.length >= 3, labels.join(" | "));
  assert.ok(labels.every((l) => isPowerOfTen(Number(l))), labels.join(" | "));
});

Deno.test("loss curves of datasets with different budgets get their own step axes", () => {
  const short = diracCell("a", 0, [1, 0.5, 0.2]);
  const long = diracCell("a", 0, [1, 0.5, 0.2, 0.1, 0.05, 0.02]);
  long.config = { ...long.config, dataset: "ring8" };
  const spec = CHARTS.get("loss-curves").spec(contextOf([short, long])) as {
    resolve: { scale: Record<string, string> };
  };
  assert.equal(spec.resolve.scale.x, "independent");
  assert.equal(spec.resolve.scale.y, "independent");
});
