/**
 * A run that reuses stored cells, through `main()` in this process with the test-only `tiny-*`
 * entries registered (testing/tiny/; cells run in-process, hence --jobs 1).
 */
import "../testing/tiny/register.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain as run, TINY_SUITE } from "../testing/cli.ts";
import { defaultRunFolder } from "./cli.ts";
import { SMOKE_NOTE } from "./report/leaderboard.ts";
import { FIRST_RUN } from "./runner/run_suite.ts";

Deno.test("defaultRunFolder keeps smoke runs and subsets of a suite out of the committed results", () => {
  assert.equal(defaultRunFolder("quick", {}), "results");
  assert.equal(defaultRunFolder("replicate", {}), "results");
  assert.equal(defaultRunFolder("smoke", {}), "results-scratch");
  assert.equal(defaultRunFolder("quick", { variants: ["nsgan"] }), "results-scratch");
  assert.equal(defaultRunFolder("full", { seeds: [0] }), "results-scratch");
});

Deno.test("a smoke run writes to results-scratch/, and a rerun says first which stored cells it reuses, printing only the leaderboards of what it ran", async () => {
  const home = await Deno.makeTempDir({ prefix: "ganbench-reuse-" });
  const cwd = Deno.cwd();
  const smoke = ["suite", TINY_SUITE, "--profile", "smoke", "--jobs", "1"];
  let first;
  try {
    Deno.chdir(home);
    first = await run(...smoke);
  } finally {
    Deno.chdir(cwd);
  }
  assert.equal(first.code, 0, first.stderr);
  const out = join(home, "results-scratch");
  assert.ok(Deno.statSync(join(out, "tiny", "smoke", "leaderboard.md")).isFile);
  assert.throws(() => Deno.statSync(join(home, "results")), Deno.errors.NotFound);
  assert.match(first.stdout, /^Results and leaderboards: results-scratch\/ /m);
  const note = first.stdout.indexOf(`\n${SMOKE_NOTE}\n\n### tiny · `);
  assert.ok(
    note >= 0 && note < first.stdout.indexOf("### "),
    "each leaderboard opens with the note",
  );
  assert.doesNotMatch(first.stdout, /Reusing/, "a first run reuses nothing");
  assert.match(first.stderr, /cells \d\/8 · \d+s elapsed · ETA/, "progress shows the whole run");
  const suite = [...smoke, "--out", out];

  // Another suite's results under the same folder: rebuilt into the site, not printed.
  const other = join(out, "other", "smoke");
  await Deno.mkdir(other, { recursive: true });
  await Deno.mkdir(join(other, "cells"));
  const cells = join(out, "tiny", "smoke", "cells");
  // A suite of its own (report leaves out cells that lie in another suite's folder): its
  // suite.json and cells name it; the suite is no part of a cell's training hash.
  const meta = JSON.parse(await Deno.readTextFile(join(out, "tiny", "smoke", "suite.json")));
  await Deno.writeTextFile(join(other, "suite.json"), JSON.stringify({ ...meta, suite: "other" }));
  for (const entry of Deno.readDirSync(cells)) {
    // Result files only: the cells' folders hold their stored generators.
    if (!entry.isFile) continue;
    const result = JSON.parse(await Deno.readTextFile(join(cells, entry.name)));
    result.config.suite = "other";
    await Deno.writeTextFile(join(other, "cells", entry.name), JSON.stringify(result));
  }
  const dates = new Set<string>();
  for (const entry of Deno.readDirSync(cells)) {
    if (!entry.isFile) continue;
    const result = JSON.parse(await Deno.readTextFile(join(cells, entry.name)));
    dates.add(result.finishedAt.slice(0, 10));
  }

  const again = await run(...suite);
  assert.equal(again.code, 0, again.stderr);
  const lines = again.stdout.split("\n");
  assert.equal(
    lines[0],
    `Reusing 8 of 8 cells already stored under ${out}/ with the same configuration: nothing to train`,
  );
  assert.match(
    lines[1],
    new RegExp(`^  computed at .* on ${[...dates].join(", ")} \\(8 cells\\)$`),
  );
  assert.equal(lines[2], `  --force recomputes them; a first real run, which trains: ${FIRST_RUN}`);
  const boards = again.stdout.split("\n").filter((line) => line.startsWith("### "));
  assert.deepEqual(boards, [
    "### tiny · tiny-pair · profile `smoke`",
    "### tiny · tiny-square · profile `smoke`",
  ]);
  assert.ok(Deno.statSync(join(other, "index.html")).isFile, "the whole site is rebuilt");

  const forced = await run(...suite, "--variants", "tiny-gan", "--seeds", "0", "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.doesNotMatch(forced.stdout, /Reusing/);
  await Deno.remove(home, { recursive: true });
});
