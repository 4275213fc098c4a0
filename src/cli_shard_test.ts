/**
 * Scale-out through the command line, as a cluster's jobs run it: `--shard I/N` on the test-only
 * tiny suite, `plan` and `status` over the partial result set, `report` on it, and runs of several
 * processes on one results folder. Shard runs are processes, as a cluster's jobs, and so are
 * `plan --json` and `status --json` (what scripts read through a pipe); the other surveys, report,
 * the single run the shards are compared with and the refusals run through `main()` in this
 * process (the same code, less a Deno start-up each).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliRun, TINY_SUITE, tinyCli, tinyMain } from "../testing/cli.ts";

const SELECTION = [TINY_SUITE, "--profile", "smoke", "--backend", "cpu"];

/** `suite` on the tiny suite into `out`, with more arguments, in a process of its own. */
function runTiny(out: string, ...args: string[]): Promise<CliRun> {
  return tinyCli(...tinyArgs(out, ...args));
}

/** The arguments of `suite` on the tiny suite into `out`, with more arguments. */
function tinyArgs(out: string, ...args: string[]): string[] {
  return ["suite", ...SELECTION, "--out", out, "--jobs", "1", ...args];
}

/** The stored cell files of the tiny suite under `out` (names, sorted). */
function cellNames(out: string): string[] {
  try {
    return [...Deno.readDirSync(join(out, "tiny", "smoke", "cells"))].map((e) => e.name)
      .filter((name) => name.endsWith(".json")).sort();
  } catch {
    return [];
  }
}

/** A stored result with what depends on the machine and the moment left out. */
function figures(path: string): unknown {
  const { environment: _e, finishedAt: _f, timing: _t, ...rest } = JSON.parse(
    Deno.readTextFileSync(path),
  );
  return JSON.parse(JSON.stringify(rest, (key, value) => key === "seconds" ? undefined : value));
}

/** Every file under `dir` whose name is `name`. */
function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

/** The cells a run's output says it trained ("[k/n] <cell>: 6 steps in ..."). */
function trained(run: CliRun): string[] {
  return [...(run.stdout + run.stderr).matchAll(/^\[\d+\/\d+\] (\S+ \S+ seed \d+): \d+ steps/gm)]
    .map((match) => match[1]);
}

Deno.test("--shard I/N runs only its cells and writes no leaderboard; the shards together store one run's cells, alike", async () => {
  const dir = await Deno.makeTempDir();
  const [sharded, single] = [join(dir, "sharded"), join(dir, "single")];

  // plan --json and status --json in processes: their JSON arrives whole through a pipe.
  const planned = await tinyCli(
    "plan",
    ...SELECTION,
    "--results",
    sharded,
    "--shards",
    "3",
    "--json",
  );
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  assert.equal(plan.cells.length, 8);
  plan.cells.forEach((cell: { shard: number; stored: boolean }, k: number) => {
    assert.equal(cell.shard, k % 3, "cell k goes to shard k mod N");
    assert.equal(cell.stored, false);
  });
  const ofShard = (shard: number) =>
    plan.cells.filter((c: { shard: number }) => c.shard === shard)
      .map((c: { id: string }) => `${c.id.split("/").at(-1)}.json`).sort();

  const one = await runTiny(sharded, "--shard", "1/3");
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(cellNames(sharded), ofShard(1));
  assert.match(
    one.stdout,
    /Shard 1\/3: its 3 cells are stored under .*A shard writes no leaderboard/,
  );
  assert.deepEqual(findFiles(sharded, "leaderboard.md"), [], "a shard writes no leaderboard");
  assert.deepEqual(findFiles(sharded, "index.html"), []);

  // The partial set: status lists what is missing, report builds from what is there.
  const status = await tinyMain("status", ...SELECTION, "--results", sharded, "--shards", "3");
  assert.equal(status.code, 3, status.stderr);
  assert.match(
    status.stdout,
    /^8 cells \(backend cpu\) under .*: 3 stored, 0 to re-score, 0 running, 0 failed, 5 missing$/m,
  );
  assert.equal(status.stdout.match(/^ {2}missing +tiny\/smoke\/\S+ +shard [02]$/gm)?.length, 5);
  assert.match(status.stdout, /^shards to resubmit \(of 3\): 0,2$/m);
  const indices = await tinyMain(
    "status",
    ...SELECTION,
    "--results",
    sharded,
    "--shards",
    "3",
    "--indices",
  );
  assert.equal(indices.stdout.trim(), "0,2");
  const json = JSON.parse(
    (await tinyCli("status", ...SELECTION, "--results", sharded, "--shards", "3", "--json"))
      .stdout,
  );
  assert.deepEqual(json.counts, { stored: 3, rescore: 0, running: 0, failed: 0, missing: 5 });
  assert.deepEqual(json.resubmit, [0, 2]);
  const partial = await tinyMain("report", "--results", sharded);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(partial.stderr, /tiny\/smoke: 5 of 8 cells missing, left out of its leaderboard/);

  // The other two shards at once, then the same cells in one run.
  const rest = await Promise.all([
    runTiny(sharded, "--shard", "0/3"),
    runTiny(sharded, "--shard", "2/3"),
  ]);
  for (const run of rest) assert.equal(run.code, 0, run.stderr);
  const whole = await tinyMain(...tinyArgs(single));
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual(cellNames(sharded), cellNames(single));
  assert.equal(cellNames(single).length, 8);
  for (const name of cellNames(single)) {
    const path = (root: string) => join(root, "tiny", "smoke", "cells", name);
    assert.deepEqual(
      figures(path(sharded)),
      figures(path(single)),
      `${name}: same hash and figures`,
    );
  }
  const done = await tinyMain("status", ...SELECTION, "--results", sharded, "--shards", "3");
  assert.equal(done.code, 0, done.stdout);
  assert.match(done.stdout, /8 stored, 0 to re-score, 0 running, 0 failed, 0 missing/);
  const full = await tinyMain("report", "--results", sharded);
  assert.equal(full.code, 0);
  assert.doesNotMatch(full.stderr, /missing/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a malformed or out-of-range --shard, or a selection plan cannot take, is one line and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--shard", "3/3"], /^ganbench: --shard: I must be from 0 to 2 \(N-1\), got '3\/3'$/],
    [["--shard", "0/0"], /^ganbench: --shard: N must be at least 1, got '0\/0'$/],
    [["--shard", "two"], /^ganbench: --shard must be I\/N/],
  ];
  for (const [args, message] of cases) {
    const run = await tinyMain(...tinyArgs("unused", ...args));
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr.trim(), message);
  }
  const both = await tinyMain("plan", TINY_SUITE, "--suites", "mixtures");
  assert.equal(both.code, 2);
  assert.match(both.stderr.trim(), /^ganbench: --suites selects a bench's suites/);
  const noName = await tinyMain("status", "--variants", "nsgan");
  assert.equal(noName.code, 2);
  assert.match(noName.stderr.trim(), /^ganbench: --variants and --seeds select within one suite/);
  const typo = await tinyMain("bench", "--suites", "mixtrues");
  assert.equal(typo.code, 2);
  assert.match(
    typo.stderr.trim(),
    /Unknown suite 'mixtrues' in suites\/\. Did you mean 'mixtures'\?/,
  );
});

Deno.test("two runs of a suite on one results folder at once train each cell once between them", async () => {
  const dir = await Deno.makeTempDir();
  const runs = await Promise.all([runTiny(dir), runTiny(dir)]);
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const cells = runs.flatMap(trained);
  assert.equal(cells.length, 8, `each cell trained once:\n${cells.join("\n")}`);
  assert.equal(new Set(cells).size, 8);
  assert.equal(cellNames(dir).length, 8);
  const left = [...Deno.readDirSync(join(dir, "tiny", "smoke", "cells"))]
    .filter((e) => e.isFile && !e.name.endsWith(".json"));
  assert.deepEqual(left, [], "no claim or temporary file left");
  await Deno.remove(dir, { recursive: true });
});
