import assert from "node:assert/strict";
import { join } from "node:path";
import { compile } from "vega-lite";
import { allFigures } from "../../metrics/mod.ts";
import { type CellResult, listResultFiles, readResult } from "../../runner/store.ts";
import { buildReport } from "../build.ts";
import { CHARTS } from "./mod.ts";

const FIXTURE = new URL("../testdata/results/", import.meta.url).pathname;

async function results(suite: string) {
  const files = await listResultFiles(join(FIXTURE, suite, "smoke"));
  return Promise.all(files.map(async (f) => (await readResult(f))!));
}

Deno.test("every chart kind builds a spec that vega-lite compiles, for the suites it applies to", async () => {
  const built = new Set<string>();
  for (
    const [suite, primary] of [
      ["mixtures", "modes.kl"],
      ["dirac", "dirac.distance"],
      ["mnist", "images.fid[mnist-net]"],
    ]
  ) {
    const dir = join(FIXTURE, suite, "smoke");
    const context = {
      suite,
      profile: "smoke",
      primary,
      figures: allFigures(),
      results: await results(suite),
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
