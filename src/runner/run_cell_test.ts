import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { isUserError } from "../errors.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { describeEnvironment } from "./environment.ts";
import { CellSetupError, runCell, runCellGroup } from "./run_cell.ts";
import type { TrainOptions, TrainOutcome } from "../train/mod.ts";
import { train } from "../train/train.ts";
import { loadSuite } from "./suite.ts";
import { trainedFigures } from "../../testing/results.ts";

const environment = describeEnvironment(await initBackend("wasm"));

/** The smoke-profile cell of `variant` on `dataset` of suite `suite`, seed 0 (or `seed`). */
function smokeCell(suite: string, variant: string, dataset: string, seed = 0): Cell {
  const cells = buildMatrix(loadSuite(suite), {
    profile: "smoke",
    variants: [variant],
    seeds: [seed],
    backend: "wasm",
  });
  const cell = cells.find((c) => c.config.dataset === dataset);
  assert.ok(cell, `${suite} has ${variant} on ${dataset}`);
  return cell;
}

Deno.test("runCell() trains, scores and stores a mixture cell the same way twice", async () => {
  const cell = smokeCell("mixtures", "nsgan", "ring8");
  const first = await runCell(cell, environment);
  assert.equal(first.hash, cell.hash);
  assert.equal(first.status, "completed");
  assert.equal(first.steps, cell.config.budget.steps);
  const { steps, evalEvery } = cell.config.budget;
  const evalSteps = [0];
  for (let step = evalEvery; step < steps; step += evalEvery) evalSteps.push(step);
  evalSteps.push(steps);
  assert.deepEqual(first.evals.map((e) => e.step), evalSteps);
  assert.deepEqual(first.final.covered, first.evals.at(-1)!.metrics.covered);
  assert.ok(Number.isFinite(first.final["dyn.osc_d"]), "dynamics figures are in the final figures");
  assert.ok(first.samples && first.samples.length > 0 && first.samples.length <= 500);
  assert.ok(first.samples.every((point) => point.length === 2));
  assert.equal(first.pictures, undefined);
  assert.deepEqual(trainedFigures(await runCell(cell, environment)), trainedFigures(first));
});

Deno.test("runCell() draws an image cell's pictures: a grid per evaluation, strips and arithmetic", async () => {
  const result = await runCell(smokeCell("mnist", "nsgan", "mnist"), environment);
  assert.equal(result.status, "completed");
  assert.deepEqual(Object.keys(result.pictures ?? {}), [
    "grid-step000000",
    "grid-step000002",
    "grid-step000004",
    "interpolation",
    "arithmetic",
  ]);
  const png = [0x89, 0x50, 0x4e, 0x47];
  for (const bytes of Object.values(result.pictures!)) {
    assert.deepEqual([...bytes.slice(0, 4)], png);
  }
  const { a, b, c, result: call } = result.arithmetic!;
  assert.ok([a, b, c, call].every((k) => Number.isInteger(k) && k >= 0 && k < 10));
  assert.equal(new Set([a, b, c]).size, 3);
  assert.equal(result.samples, undefined);
});

Deno.test("runCell() stores a diverged run without final figures or final pictures", async () => {
  const cell = smokeCell("mnist", "nsgan", "mnist");
  cell.config.hyper = { ...cell.config.hyper, optimizer: "sgd", lrD: 1e38, lrG: 1e38 };
  const result = await runCell(cell, environment);
  assert.equal(result.status, "diverged");
  assert.ok(result.divergence && result.divergence.step <= cell.config.budget.steps);
  assert.deepEqual(result.final, {});
  assert.ok(Object.keys(result.pictures ?? {}).every((name) => name.startsWith("grid-step")));
  assert.equal(result.arithmetic, undefined);
});

Deno.test("runCell() refuses a class-conditional variant on unlabelled data in one line", async () => {
  const cell = smokeCell("mixtures", "nsgan", "ring8");
  cell.config = { ...cell.config, dataset: "dirac", variant: "cgan", conditional: true };
  await assert.rejects(
    () => runCell(cell, environment),
    (error: unknown) => {
      assert.ok(error instanceof CellSetupError && isUserError(error));
      assert.equal(
        error.message,
        "variant 'cgan' is class-conditional, but dataset 'dirac' has no labels",
      );
      return true;
    },
  );
});

/** Trains each element of a group as the `gan` trainer alone does, one after another. */
async function oneByOne(group: TrainOptions[]): Promise<TrainOutcome[]> {
  const outcomes: TrainOutcome[] = [];
  for (const options of group) outcomes.push(await train(options));
  return outcomes;
}

/**
 * Checks that `runCellGroup` stores each cell of the row `dataset`/`variant`, seeds 0-2, as
 * `runCell` does alone, bit for bit, reporting each cell's progress and recording the group's size.
 */
async function groupEqualsAlone(
  suite: string,
  variant: string,
  dataset: string,
  train?: (group: TrainOptions[]) => Promise<TrainOutcome[]>,
) {
  const group = [0, 1, 2].map((seed) => smokeCell(suite, variant, dataset, seed));
  const progress = new Map<Cell, number>();
  const together = await runCellGroup(group, environment, {
    train,
    onProgress(cell, p) {
      assert.ok(group.includes(cell));
      progress.set(cell, p.step);
    },
  });
  assert.equal(together.length, group.length);
  for (const [i, cell] of group.entries()) {
    assert.equal(progress.get(cell), cell.config.budget.steps, "each cell reports its progress");
    assert.equal(together[i].timing.lockstep, group.length);
    const alone = await runCell(cell, environment);
    assert.equal(alone.timing.lockstep, undefined);
    assert.deepEqual(trainedFigures(together[i]), trainedFigures(alone), `${dataset} seed ${i}`);
  }
  const [a, b] = together.map(trainedFigures);
  assert.notDeepEqual(a.curves, b.curves, "seeds differ");
  return together;
}

Deno.test("runCellGroup() trains a mixture row with trainLockstep and stores each cell as runCell() does alone, bit for bit (wasm)", async () => {
  await groupEqualsAlone("mixtures", "nsgan", "ring8");
});

Deno.test("runCellGroup() trains a PacGAN row in lockstep and stores each cell as runCell() does alone, bit for bit (wasm)", async () => {
  await groupEqualsAlone("pacgan", "pacgan2", "pacgan-ring8");
});

Deno.test("runCellGroup() trains a CycleGAN ring row in lockstep and stores each cell, translators included, as runCell() does alone (wasm)", async () => {
  const results = await groupEqualsAlone("cyclegan", "cyclegan", "ring8-rotated");
  assert.ok(results.every((result) => result.generators?.bytes.length), "the translators are kept");
});

Deno.test("runCellGroup() prepares, scores and pictures each image cell of a group as runCell() does alone", async () => {
  // Images train alone (no lockstep form of their networks): a stand-in trains the group one by
  // one, so that what runCellGroup adds around the training is checked.
  const results = await groupEqualsAlone("mnist", "nsgan", "mnist", oneByOne);
  assert.ok(results.every((result) => result.pictures?.interpolation));
});

Deno.test("runCellGroup() of one cell is runCell()", async () => {
  const cell = smokeCell("mixtures", "nsgan", "ring8");
  const [result] = await runCellGroup([cell], environment);
  assert.equal(result.timing.lockstep, undefined);
  assert.deepEqual(trainedFigures(result), trainedFigures(await runCell(cell, environment)));
});
