/**
 * The small fuzz corpus (testing/fuzz_corpus.ts) through the command line, in this process: each
 * bad `score` input, suite file and damaged result gets its one stderr line and exit code, or is
 * read (issue #30). `deno task fuzz` runs the large corpus in subprocesses and measures memory.
 */
import assert from "node:assert/strict";
import { runMain } from "../testing/cli.ts";
import { writeCorpus } from "../testing/fuzz_corpus.ts";
import { runCase } from "../testing/fuzz_run.ts";

const dir = await Deno.makeTempDir({ prefix: "ganbench-fuzz-" });
const cases = await writeCorpus(dir, "small");

Deno.test("the small corpus covers every defect class of issue 30", () => {
  const kinds = new Set(cases.map((c) => c.kind));
  assert.deepEqual([...kinds].sort(), ["bounded", "format", "report", "suite", "usage"]);
});

// Cases that share a run (one report over every damaged folder) run it once.
const runs = new Map<string, ReturnType<typeof runMain>>();
const shared = (args: string[]) => {
  const key = JSON.stringify(args);
  if (!runs.has(key)) runs.set(key, runMain(...args));
  return runs.get(key)!;
};

for (const fuzzCase of cases) {
  Deno.test(`${fuzzCase.kind}: ${fuzzCase.name} gets exit ${fuzzCase.code}${fuzzCase.stderr ? " and one line" : ""}`, async () => {
    const { problems } = await runCase(
      fuzzCase,
      0,
      fuzzCase.shared ? shared : (args) => runMain(...args),
    );
    assert.deepEqual(problems, []);
  });
}

Deno.test({
  name: "remove the fuzz corpus",
  fn: () => Deno.remove(dir, { recursive: true }),
});
