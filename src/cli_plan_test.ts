/**
 * Run plans through the command line: `plan --json` writes one, `bench --plan FILE --shard I/N`
 * runs exactly the plan's cells of shard I, `status --plan FILE` surveys the same cells (from the
 * plan alone), and a run from a plan that no longer matches its suite files (or from a file that
 * is no plan) is refused with one line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TINY_SUITE, tinyCli, writeTinyPlan } from "../testing/cli.ts";

/** The stored cell files of the suite `name` (smoke) under `out`, as `<suite>/smoke/<cell>`. */
function storedIds(out: string, name: string): string[] {
  try {
    return [...Deno.readDirSync(join(out, name, "smoke", "cells"))]
      .filter((entry) => entry.name.endsWith(".json"))
      .map((entry) => `${name}/smoke/${entry.name.replace(/\.json$/, "")}`).sort();
  } catch {
    return [];
  }
}

Deno.test("a shard run from a plan file computes exactly the plan's cells of that shard, and status from the plan counts them", async () => {
  const dir = await Deno.makeTempDir();
  const { path, plan } = await writeTinyPlan(dir);
  assert.equal(plan.format, "ganbench-plan");
  assert.deepEqual(plan.suites, [TINY_SUITE]);
  assert.equal(plan.profile, "smoke");
  assert.equal(plan.backend, "cpu");
  assert.equal(plan.shards, 3);
  assert.equal(plan.cells.length, 8);
  const out = join(dir, "results");
  // The run's own --profile and --backend are the plan's, whatever the command line's defaults.
  const run = await tinyCli("bench", "--plan", path, "--shard", "2/3", "--out", out, "--jobs", "1");
  assert.equal(run.code, 0, run.stderr);
  const planned = plan.cells.filter((cell: { shard: number }) => cell.shard === 2)
    .map((cell: { id: string }) => cell.id).sort();
  assert.equal(planned.length, 2);
  assert.deepEqual(storedIds(out, "tiny"), planned);

  const status = await tinyCli("status", "--plan", path, "--results", out);
  assert.equal(status.code, 3, status.stderr);
  assert.match(
    status.stdout,
    /^8 cells \(backend cpu\) under .*: 2 stored, 0 to re-score, 0 running, 0 failed, 6 missing$/m,
  );
  assert.equal(
    (await tinyCli("status", "--plan", path, "--results", out, "--indices")).stdout.trim(),
    "0,1",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a run from a plan whose suite file changed, with a shard count other than the plan's, or from a file that is no plan is refused with one line", async () => {
  const dir = await Deno.makeTempDir();
  const suite = join(dir, "tiny.json");
  await Deno.copyFile(TINY_SUITE, suite);
  const { path } = await writeTinyPlan(dir, suite);
  const out = join(dir, "results");
  const bench = (...args: string[]) =>
    tinyCli("bench", "--plan", path, "--out", out, "--jobs", "1", ...args);

  const wrongCount = await bench("--shard", "0/4");
  assert.equal(wrongCount.code, 2);
  assert.match(
    wrongCount.stderr.trim(),
    /^ganbench: --shard 0\/4: the plan '.*plan\.json' splits the run into 3 shards, not 4$/,
  );

  const edited = JSON.parse(await Deno.readTextFile(suite));
  edited.profiles.smoke.steps = 7;
  await Deno.writeTextFile(suite, JSON.stringify(edited));
  const stale = await bench("--shard", "0/3");
  assert.equal(stale.code, 1, stale.stderr);
  const lines = stale.stderr.trim().split("\n");
  assert.equal(lines.length, 1, stale.stderr);
  assert.match(
    lines[0],
    /^ganbench: the plan at '.*plan\.json' no longer matches the suite files: cell tiny\/smoke\/\S+ has configuration hash \w+ now, \w+ in the plan/,
  );
  assert.deepEqual(storedIds(out, "tiny"), [], "nothing ran");

  await Deno.writeTextFile(path, JSON.stringify({ format: "ganbench-plan", suites: [] }));
  const notPlan = await bench();
  assert.equal(notPlan.code, 1);
  assert.match(
    notPlan.stderr.trim(),
    /^ganbench: --plan: '.*plan\.json' is not a plan written by deno task plan --json: \S+/,
  );
  const both = await tinyCli("bench", "--plan", path, "--suites", "mixtures");
  assert.equal(both.code, 2);
  assert.match(both.stderr.trim(), /^ganbench: --suites: a --plan names its own suites$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plan --lockstep records S in the plan, a run from the plan trains with it unless given its own, and a bad S is one line, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "results");
  // One shard, so that each row's seeds are in the run together.
  const select = ["--profile", "smoke", "--backend", "cpu", "--results", out];
  const planned = await tinyCli("plan", TINY_SUITE, ...select, "--json", "--lockstep", "3");
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  assert.equal(plan.lockstep, 3);
  const path = join(dir, "plan.json");
  await Deno.writeTextFile(path, planned.stdout);
  // S reaches the run: its cells train in groups of up to 3, or it says why they train alone.
  const asked =
    /^(--lockstep 3: \d+ cells? trains? alone: .+|\d+ cells train in lockstep: \d+ groups? of up to [23] seeds .*)$/m;
  const run = await tinyCli("bench", "--plan", path, "--out", out, "--jobs", "1");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, asked);
  const off = await tinyCli(
    "bench",
    ...["--plan", path, "--out", join(dir, "alone"), "--jobs", "1", "--lockstep", "1"],
  );
  assert.equal(off.code, 0, off.stderr);
  assert.doesNotMatch(off.stdout, /lockstep/);
  for (const bad of ["0", "-2", "1.5", "x"]) {
    const refused = await tinyCli("suite", TINY_SUITE, "--profile", "smoke", "--lockstep", bad);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr.trim(),
      `ganbench: --lockstep must be a positive integer, got '${bad}'`,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
