/**
 * Seeds in lockstep through the runner: a row's cells train as groups, each cell still claimed,
 * stored, reported and resumed on its own, and stored exactly as when trained one at a time. The
 * runner is given a lockstep check that accepts every configuration (`lockstepCheck`), so that the
 * groups run whatever train/lockstep.ts supports; its `trainLockstep` trains each element as the
 * `gan` trainer alone does, so the cells must equal the solo cells bit for bit.
 */
import assert from "node:assert/strict";
import { claimCell, claimPath, readClaimInfo } from "./claim.ts";
import type { Cell } from "./cells.ts";
import { planSuite, runPlan, runSuite, type RunSuiteOptions } from "./run_suite.ts";
import { cellPath, type CellResult, readResult } from "./store.ts";
import { loadSuite } from "./suite.ts";
import { trainedFigures } from "../../testing/results.ts";
import { lockstepCounts, renderPlan, runPlanOf, surveyRun } from "./survey.ts";

const suite = loadSuite("dirac");
const SEEDS = [0, 1, 2];
const VARIANTS = ["gan-sim", "nsgan-alt"];

/** Runs the Dirac smoke cells of `VARIANTS` x `SEEDS` into `outDir`; resolves to its log lines. */
async function run(outDir: string, options: Partial<RunSuiteOptions> = {}) {
  const lines: string[] = [];
  const summary = await runSuite(suite, {
    profile: "smoke",
    backend: "cpu",
    variants: VARIANTS,
    seeds: SEEDS,
    outDir,
    lockstepCheck: () => undefined,
    log: (line) => lines.push(line),
    ...options,
  });
  return { lines, summary };
}

/** The stored results under `outDir`, in the matrix's order. */
async function stored(outDir: string, cells: Cell[]): Promise<CellResult[]> {
  return await Promise.all(
    cells.map(async (cell) => (await readResult(cellPath(outDir, cell.config)))!),
  );
}

const solo = await Deno.makeTempDir({ prefix: "ganbench-lockstep-solo-" });
const { summary: soloRun } = await run(solo, { lockstep: 1 });
const soloResults = await stored(solo, soloRun.cells);

Deno.test("a row's seeds trained in lockstep groups are stored as the cells trained one at a time, bit for bit", async () => {
  assert.ok(soloResults.every((result) => result.timing.lockstep === undefined));
  for (const jobs of [1, 2]) {
    const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-" });
    const groups = new Map<string, Set<string | undefined>>();
    const { lines, summary } = await run(out, {
      lockstep: 2,
      jobs,
      onProgress(cell, _progress, group) {
        const key = `${cell.config.variant} ${cell.config.seed}`;
        groups.set(key, (groups.get(key) ?? new Set()).add(group));
      },
    });
    for (const variant of VARIANTS) {
      for (const seed of SEEDS) {
        const named = seed < 2 ? `dirac ${variant} seeds 0-1` : undefined;
        assert.deepEqual(
          groups.get(`${variant} ${seed}`),
          new Set([named]),
          "progress names the group",
        );
      }
    }
    assert.equal(summary.computed, soloRun.cells.length);
    assert.ok(
      lines.some((line) => /^4 cells train in lockstep: 2 groups of up to 2 seeds/.test(line)),
      lines.join("\n"),
    );
    for (const variant of VARIANTS) {
      assert.ok(
        lines.includes(`dirac ${variant} seeds 0-1: training 2 seeds in lockstep`),
        lines.join("\n"),
      );
    }
    assert.equal(
      lines.filter((line) => line.includes("(in lockstep with 1 other seed)")).length,
      4,
    );
    const results = await stored(out, summary.cells);
    for (const [k, result] of results.entries()) {
      assert.equal(result.hash, summary.cells[k].hash, "lockstep does not enter the training hash");
      assert.equal(result.timing.lockstep, result.config.seed < 2 ? 2 : undefined);
      assert.deepEqual(trainedFigures(result), trainedFigures(soloResults[k]));
    }
    const left = [...Deno.readDirSync(`${out}/dirac/smoke/cells`)].filter((e) =>
      e.name.endsWith(".claim")
    );
    assert.deepEqual(left, [], "every claim released");
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a group leaves out a stored cell and one another process holds, which then trains alone", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-resume-" });
  const [first] = soloRun.cells;
  const held = soloRun.cells.find((cell) =>
    cell.config.variant === first.config.variant && cell.config.seed === 1
  )!;
  // Resumed after a kill: seed 0 of the first row is stored, seed 1 is held by "another process".
  await Deno.mkdir(`${out}/dirac/smoke/cells`, { recursive: true });
  await Deno.copyFile(cellPath(solo, first.config), cellPath(out, first.config));
  const claim = (await claimCell(cellPath(out, held.config)))!;
  const { lines, summary } = await run(out, {
    lockstep: 3,
    onCellDone(cell) {
      // The others are done: the holder gives the cell up, and the run, waiting, trains it.
      if (cell.config.variant !== first.config.variant) claim.release();
    },
  });
  assert.equal(summary.cached, 1);
  assert.equal(summary.computed, soloRun.cells.length - 1);
  const row = first.config.variant;
  assert.ok(
    !lines.some((line) => line.startsWith(`dirac ${row} seeds`)),
    "no group of the first row",
  );
  assert.ok(lines.some((line) => line.startsWith(`dirac ${row} seed 1: waiting for `)));
  assert.ok(lines.includes(`dirac ${VARIANTS[1]} seeds 0-2: training 3 seeds in lockstep`));
  const results = await stored(out, summary.cells);
  for (const [k, result] of results.entries()) {
    assert.deepEqual(trainedFigures(result), trainedFigures(soloResults[k]));
  }
  assert.equal(
    results.find((r) => r.config.variant === row && r.config.seed === 2)!.timing.lockstep,
    undefined,
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("a group that fails leaves each of its cells' claims with the error, and a rerun trains them", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-fail-" });
  const options: RunSuiteOptions = {
    profile: "smoke",
    backend: "cpu",
    variants: [VARIANTS[0]],
    seeds: SEEDS,
    outDir: out,
    lockstep: 3,
    lockstepCheck: () => undefined,
    log: () => {},
  };
  const plan = await planSuite(suite, options);
  assert.equal(plan.groups.length, 1);
  // A cell no worker can build: a conditional model on the unlabelled Dirac data.
  plan.groups[0][1].config = { ...plan.groups[0][1].config, conditional: true };
  await assert.rejects(runPlan(plan, options), /class-conditional/);
  for (const cell of plan.cells) {
    const info = await readClaimInfo(claimPath(cellPath(out, cell.config)));
    assert.match(info?.error ?? "", /class-conditional/, "each cell's claim file keeps the error");
    assert.equal(await readResult(cellPath(out, cell.config)), undefined);
  }
  const survey = await surveyRun([suite], {
    profile: "smoke",
    backend: "cpu",
    variants: [VARIANTS[0]],
    seeds: SEEDS,
    resultsDir: out,
  });
  for (const cell of survey.cells) {
    assert.equal(cell.state, "failed");
    assert.match(
      cell.detail!,
      /^failed on \S+ pid \d+ since \S+ \(in lockstep group dirac gan-sim seeds 0-2\): .*class-conditional/,
    );
  }
  const { summary } = await run(out, { variants: [VARIANTS[0]], lockstep: 3 });
  assert.equal(summary.computed, 3);
  await Deno.remove(out, { recursive: true });
});

Deno.test("plan counts the groups each shard's run trains in lockstep, and none at --lockstep 1", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-plan-" });
  const survey = (lockstep: number, shards = 1) =>
    surveyRun([suite], {
      profile: "smoke",
      backend: "cpu",
      variants: VARIANTS,
      seeds: SEEDS,
      resultsDir: out,
      shards,
      lockstep,
      lockstepCheck: () => undefined,
    });
  const together = await survey(3);
  assert.deepEqual(lockstepCounts(together.cells), { groups: 2, cells: 6, largest: 3, alone: 0 });
  assert.match(
    renderPlan(together),
    /\nlockstep: 6 cells to train in 2 groups of up to 3 seeds of a row \(one batched model each\), 0 alone$/,
  );
  assert.equal(runPlanOf(together).lockstep, 3);
  // Two shards: cell k goes to shard k mod 2, and a shard's run groups only its own cells.
  const sharded = await survey(3, 2);
  assert.deepEqual(lockstepCounts(sharded.cells), { groups: 2, cells: 4, largest: 2, alone: 2 });
  const off = await survey(1);
  assert.deepEqual(lockstepCounts(off.cells), { groups: 0, cells: 0, largest: 0, alone: 6 });
  assert.doesNotMatch(renderPlan(off), /^lockstep:/m);
  await Deno.remove(out, { recursive: true });
});

globalThis.addEventListener("unload", () => Deno.removeSync(solo, { recursive: true }));
