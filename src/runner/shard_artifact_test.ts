/**
 * The merge of a CI run's shard artifacts, simulated: shards of the tiny suite run in checkouts
 * whose results folder holds stale copies of every cell (as a committed folder may), each shard's
 * artifact is collected, and the artifacts are merged over a stale checkout in both orders. The
 * command line runs through `main()` in this process (src/cli_shard_test.ts runs shards as
 * processes).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { tinyMain, writeTinyPlan } from "../../testing/cli.ts";
import { fakeResult } from "../../testing/claim_worker.ts";
import { readPlanFile } from "./plan_file.ts";
import { collectShard } from "./shard_artifact.ts";
import { cellPath, readResult, writeResult } from "./store.ts";
import type { Cell } from "./cells.ts";

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, root = dir): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...filesUnder(path, root));
    else found.push(relative(root, path));
  }
  return found.sort();
}

/** Copies every file of `from` over `to` (as download-artifact with merge-multiple does). */
function copyOver(from: string, to: string): void {
  for (const file of filesUnder(from)) {
    Deno.mkdirSync(join(to, file, ".."), { recursive: true });
    Deno.copyFileSync(join(from, file), join(to, file));
  }
}

Deno.test("shards' artifacts hold disjoint paths, and merged over stale copies in either order every planned cell is the recomputed one", async () => {
  const dir = await Deno.makeTempDir();
  const { path: planPath } = await writeTinyPlan(dir);
  const plan = await readPlanFile(planPath);

  // A checkout: every cell stored with another configuration (stale), as a committed folder may.
  const stale = join(dir, "stale");
  for (const cell of plan.cells) {
    const config = { ...cell, backend: "cpu" } as unknown as Cell["config"];
    await writeResult(stale, fakeResult({ hash: `stale-${cell.hash}`, scoreKey: "stale", config }));
  }
  const staleFiles = filesUnder(stale);
  const artifacts: string[] = [];
  const checkouts: string[] = [];
  for (let shard = 0; shard < plan.shards; shard++) {
    const checkout = join(dir, `runner${shard}`);
    copyOver(stale, checkout);
    const run = await tinyMain(
      "bench",
      "--plan",
      planPath,
      "--shard",
      `${shard}/3`,
      "--out",
      checkout,
      "--jobs",
      "1",
    );
    assert.equal(run.code, 0, run.stderr);
    const artifact = join(dir, `artifact${shard}`);
    const collected = await collectShard(plan, shard, checkout, artifact);
    assert.equal(collected.copied, collected.planned, "every cell of the shard is in its artifact");
    assert.deepEqual(filesUnder(artifact), collected.files);
    artifacts.push(artifact);
    checkouts.push(checkout);
  }
  const paths = artifacts.flatMap((artifact) => filesUnder(artifact));
  assert.equal(new Set(paths).size, paths.length, "no path is in two artifacts");
  assert.ok(paths.some((path) => path.endsWith("suite.json")), "shard 0 carries suite.json");

  const status = (results: string) =>
    tinyMain("status", "--plan", planPath, "--results", results, "--json");
  for (const order of [[0, 1, 2], [2, 1, 0]]) {
    const merged = join(dir, `merged-${order.join("")}`);
    copyOver(stale, merged);
    for (const shard of order) copyOver(artifacts[shard], merged);
    const survey = await status(merged);
    assert.equal(survey.code, 0, survey.stdout + survey.stderr);
    assert.equal(JSON.parse(survey.stdout).counts.stored, plan.cells.length);
    for (const cell of plan.cells) {
      const result = await readResult(cellPath(merged, cell));
      assert.equal(result?.hash, cell.hash, `${cell.id}: the recomputed cell, in order ${order}`);
    }
  }

  // Whole results folders (the old upload) merged in shard order: the last one's stale copies of
  // the other shards' cells win, and status says so.
  const whole = join(dir, "merged-whole");
  for (const checkout of checkouts) copyOver(checkout, whole);
  const survey = await status(whole);
  assert.equal(survey.code, 3, "cells missing after merging whole folders");
  assert.ok(JSON.parse(survey.stdout).counts.missing > 0);
  assert.ok(staleFiles.length > 0);
  await Deno.remove(dir, { recursive: true });
});
