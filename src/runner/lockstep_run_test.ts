/**
 * Seeds in lockstep through the runner: a row's cells train as groups, each cell still claimed,
 * stored, reported and resumed on its own, and stored exactly as when trained one at a time. The
 * cells are mixture rows on wasm whose configurations train in lockstep (an MLP pair, the
 * non-saturating loss, the Wasserstein loss with its gradient penalty), where a seed trained in
 * lockstep gives the bits it gives alone; the runner is told that they can
 * (`lockstepCheck`), so that its groups are tested whatever train/lockstep.ts supports.
 */
import assert from "node:assert/strict";
import { trainedFigures } from "../../testing/results.ts";
import { claimCell } from "./claim.ts";
import type { Cell } from "./cells.ts";
import { planSuite, runPlan, runSuite, type RunSuiteOptions } from "./run_suite.ts";
import { cellPath, type CellResult, readResult } from "./store.ts";
import { loadSuite } from "./suite.ts";
import { lockstepCounts, renderPlan, runPlanOf, surveyRun } from "./survey.ts";

const suite = loadSuite("mixtures");
const SEEDS = [0, 1, 2];
const VARIANTS = ["nsgan", "wgan-gp"];
/** The suite's rows (dataset, variant), in the matrix's order. */
const ROWS = suite.datasets.flatMap((dataset) =>
  VARIANTS.map((variant) => `${dataset} ${variant}`)
);

/** The selection every run and survey here makes. */
const SELECTION = { profile: "smoke", backend: "wasm", variants: VARIANTS, seeds: SEEDS } as const;

/** Runs the mixtures smoke cells of `VARIANTS` x `SEEDS` into `outDir`; resolves to its log lines. */
async function run(outDir: string, options: Partial<RunSuiteOptions> = {}) {
  const lines: string[] = [];
  const summary = await runSuite(suite, {
    ...SELECTION,
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

/** "ring8 nsgan": a cell's row. */
const rowOf = (cell: Cell) => `${cell.config.dataset} ${cell.config.variant}`;

const solo = await Deno.makeTempDir({ prefix: "ganbench-lockstep-solo-" });
const { summary: soloRun } = await run(solo, { lockstep: 1 });
const soloResults = await stored(solo, soloRun.cells);

Deno.test("a row's seeds trained in lockstep groups are stored as the cells trained one at a time, bit for bit", async () => {
  assert.ok(soloResults.every((result) => result.timing.lockstep === undefined));
  assert.equal(soloRun.cells.length, ROWS.length * SEEDS.length);
  for (const jobs of [1, 2]) {
    const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-" });
    const groups = new Map<string, Set<string | undefined>>();
    const { lines, summary } = await run(out, {
      lockstep: 2,
      jobs,
      onProgress(cell, _progress, group) {
        const key = `${rowOf(cell)} ${cell.config.seed}`;
        groups.set(key, (groups.get(key) ?? new Set()).add(group));
      },
    });
    assert.equal(summary.computed, soloRun.cells.length);
    const log = lines.join("\n");
    assert.match(log, /^8 cells train in lockstep: 4 groups of up to 2 seeds of a row/m);
    for (const row of ROWS) {
      assert.ok(lines.includes(`${row} seeds 0-1: training 2 seeds in lockstep`), log);
      for (const seed of SEEDS) {
        const named = seed < 2 ? `${row} seeds 0-1` : undefined;
        assert.deepEqual(
          groups.get(`${row} ${seed}`),
          new Set([named]),
          "progress names the group",
        );
      }
    }
    assert.equal(
      lines.filter((line) => line.includes("(in lockstep with 1 other seed)")).length,
      8,
    );
    const results = await stored(out, summary.cells);
    for (const [k, result] of results.entries()) {
      assert.equal(result.hash, summary.cells[k].hash, "lockstep does not enter the training hash");
      assert.equal(result.timing.lockstep, result.config.seed < 2 ? 2 : undefined);
      assert.deepEqual(trainedFigures(result), trainedFigures(soloResults[k]));
    }
    const left = [...Deno.readDirSync(`${out}/mixtures/smoke/cells`)]
      .filter((entry) => entry.name.endsWith(".claim"));
    assert.deepEqual(left, [], "every claim released");
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a group leaves out a stored cell and one another process holds, which then trains alone", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-resume-" });
  const [first] = soloRun.cells;
  const row = rowOf(first);
  const held = soloRun.cells.find((cell) => rowOf(cell) === row && cell.config.seed === 1)!;
  // Resumed after a kill: seed 0 of the first row is stored, seed 1 is held by "another process".
  await Deno.mkdir(`${out}/mixtures/smoke/cells`, { recursive: true });
  await Deno.copyFile(cellPath(solo, first.config), cellPath(out, first.config));
  const claim = (await claimCell(cellPath(out, held.config)))!;
  const { lines, summary } = await run(out, {
    lockstep: 3,
    onCellDone(cell) {
      // The other rows are done: the holder gives the cell up, and the run, waiting, trains it.
      if (rowOf(cell) === ROWS.at(-1)) claim.release();
    },
  });
  assert.equal(summary.cached, 1);
  assert.equal(summary.computed, soloRun.cells.length - 1);
  assert.ok(!lines.some((line) => line.startsWith(`${row} seeds`)), "no group of the first row");
  assert.ok(lines.some((line) => line.startsWith(`${row} seed 1: waiting for `)));
  for (const other of ROWS.slice(1)) {
    assert.ok(lines.includes(`${other} seeds 0-2: training 3 seeds in lockstep`));
  }
  const results = await stored(out, summary.cells);
  for (const [k, result] of results.entries()) {
    assert.deepEqual(trainedFigures(result), trainedFigures(soloResults[k]));
    assert.equal(result.timing.lockstep, rowOf(summary.cells[k]) === row ? undefined : 3);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("a group that fails leaves each of its cells' claims with the error, and a rerun trains them", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-fail-" });
  const options: RunSuiteOptions = {
    ...SELECTION,
    variants: [VARIANTS[0]],
    outDir: out,
    lockstep: 3,
    lockstepCheck: () => undefined,
    log: () => {},
  };
  const plan = await planSuite(suite, options);
  assert.deepEqual(plan.groups.map((group) => group.length), [3, 3]);
  const [group] = plan.groups;
  // A cell no trainer can train: a loss that is not registered.
  group[1].config = { ...group[1].config, loss: "no-such-loss" };
  await assert.rejects(runPlan(plan, options), /no-such-loss/);
  const survey = await surveyRun([suite], {
    ...SELECTION,
    variants: [VARIANTS[0]],
    resultsDir: out,
  });
  for (const member of group) {
    const cell = survey.cells.find((c) =>
      c.dataset === member.config.dataset && c.seed === member.config.seed
    )!;
    assert.equal(cell.state, "failed");
    assert.match(
      cell.detail!,
      new RegExp(
        `^failed on \\S+ pid \\d+ since \\S+ \\(in lockstep group ${
          rowOf(group[0])
        } seeds 0-2\\): .*no-such-loss`,
      ),
    );
    assert.equal(await readResult(cellPath(out, member.config)), undefined);
  }
  const { summary } = await run(out, { variants: [VARIANTS[0]], lockstep: 3 });
  assert.equal(summary.computed, 6);
  await Deno.remove(out, { recursive: true });
});

Deno.test("plan counts the groups each shard's run trains in lockstep, and none at --lockstep 1", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-lockstep-plan-" });
  const survey = (lockstep: number, shards = 1) =>
    surveyRun([suite], {
      ...SELECTION,
      resultsDir: out,
      shards,
      lockstep,
      lockstepCheck: () => undefined,
    });
  const together = await survey(3);
  assert.deepEqual(lockstepCounts(together.cells), { groups: 4, cells: 12, largest: 3, alone: 0 });
  assert.match(
    renderPlan(together),
    /\nlockstep: 12 cells to train in 4 groups of up to 3 seeds of a row \(one batched model each\), 0 alone$/,
  );
  assert.equal(runPlanOf(together).lockstep, 3);
  // Two shards: cell k goes to shard k mod 2, and a shard's run groups only its own cells.
  const sharded = await survey(3, 2);
  assert.deepEqual(lockstepCounts(sharded.cells), { groups: 4, cells: 8, largest: 2, alone: 4 });
  const off = await survey(1);
  assert.deepEqual(lockstepCounts(off.cells), { groups: 0, cells: 0, largest: 0, alone: 12 });
  assert.doesNotMatch(renderPlan(off), /^lockstep:/m);
  await Deno.remove(out, { recursive: true });
});

globalThis.addEventListener("unload", () => Deno.removeSync(solo, { recursive: true }));
