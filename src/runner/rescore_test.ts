/**
 * Train once, score many: a suite copy with a metric added or changed re-scores its stored
 * generators without a training step, a re-scored generator gives the original figures bit for
 * bit, and a missing or corrupt stored generator is one line and exit 1. Runs through `main()`
 * in this process with the test-only `tiny-*` entries registered (testing/tiny/; --jobs 1), whose
 * `tiny-counted` loss counts generator updates.
 */
import {
  spreadEvaluations,
  TINY_COUNTED,
  TINY_PAIR,
  TINY_SPREAD,
  tinySpread,
  trainingSteps,
} from "../../testing/tiny/register.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain as run } from "../../testing/cli.ts";
import { initBackend } from "../engine/backend.ts";
import { buildMatrix } from "./cells.ts";
import { ALL_POINTS_BYTES, GENERATORS_FILE } from "./checkpoints.ts";
import { describeEnvironment } from "./environment.ts";
import { rescoreCell, runCell } from "./run_cell.ts";
import { cellPath, type CellResult, readResult, suiteDir, writeResult } from "./store.ts";
import { loadSuite, parseSuite } from "./suite.ts";

/** A suite of `tiny-counted` on `tiny-pair`, seeds 0 and 1, 6 steps evaluated every 3. */
function tinySuite(metrics: string[], hidden = [8]) {
  const budget = {
    steps: 6,
    batchSize: 16,
    lrG: 0.01,
    lrD: 0.01,
    evalEvery: 3,
    logEvery: 1,
    evalSamples: 64,
  };
  return {
    version: 1,
    description: "test only: one counted variant on one tiny mixture",
    datasets: [TINY_PAIR],
    architecture: "mlp",
    latentDim: 2,
    model: { generator: { hidden }, discriminator: { hidden: [8] } },
    variants: [TINY_COUNTED],
    seeds: [0, 1],
    metrics,
    primary: "modes.kl",
    profiles: { smoke: budget, quick: budget, full: budget },
  };
}

/** A folder with the suite file `tiny.json` (its name: `tiny`) and a results folder. */
async function workspace(metrics: string[], hidden?: number[]) {
  const dir = await Deno.makeTempDir({ prefix: "ganbench-rescore-" });
  const suite = join(dir, "tiny.json");
  const out = join(dir, "results");
  const write = (metrics: string[]) =>
    Deno.writeTextFile(suite, JSON.stringify(tinySuite(metrics, hidden)));
  await write(metrics);
  return { dir, suite, out, write };
}

/** The stored results of the `tiny` suite at smoke under `out`, by seed. */
async function results(out: string): Promise<CellResult[]> {
  return await Promise.all([0, 1].map(async (seed) =>
    (await readResult(cellPath(out, {
      suite: "tiny",
      profile: "smoke",
      dataset: TINY_PAIR,
      variant: TINY_COUNTED,
      seed,
    })))!
  ));
}

/** The figures of `figures` whose key starts with `prefix`. */
function only(figures: Record<string, number>, prefix: string) {
  return Object.fromEntries(Object.entries(figures).filter(([key]) => key.startsWith(prefix)));
}

Deno.test("adding a metric to a copy of a suite re-scores its stored generators without a training step", async () => {
  const { dir, suite, out, write } = await workspace(["modes"]);
  const args = [suite, "--profile", "smoke", "--jobs", "1", "--backend", "cpu"];
  trainingSteps.count = 0;
  const first = await run("suite", ...args, "--out", out);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(trainingSteps.count, 2 * 6, "two cells of six generator steps trained");
  const trained = await results(out);
  for (const result of trained) {
    assert.deepEqual(result.checkpoints!.points.map((p) => p.step), [0, 3, 6], "every evaluation");
    const file = join(suiteDir(out, "tiny", "smoke"), result.checkpoints!.file);
    assert.equal((await Deno.stat(file)).size, result.checkpoints!.bytes);
    assert.ok(file.endsWith(GENERATORS_FILE));
  }

  await write(["modes", TINY_SPREAD]);
  const status = await run("status", ...args.slice(0, 3), "--results", out, "--backend", "cpu");
  assert.equal(status.code, 3, "scores are stale until re-scored");
  assert.match(status.stdout, /^ {2}tiny\/smoke: 2 cells: 0 stored, 2 re-score only, 0 train$/m);

  trainingSteps.count = 0;
  spreadEvaluations.count = 0;
  const again = await run("suite", ...args, "--out", out);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(trainingSteps.count, 0, "no training step ran");
  assert.equal(spreadEvaluations.count, 2 * 3, "the new metric scored each stored evaluation");
  assert.match(again.stdout, /2 cells stored with the same training and other metrics: re-scored/);
  const rescored = await results(out);
  for (const [i, result] of rescored.entries()) {
    assert.ok(result.rescored, "marked as re-scored");
    assert.equal(typeof result.final["tiny-spread.distance"], "number");
    for (const point of result.evals) {
      assert.equal(typeof point.metrics["tiny-spread.distance"], "number");
    }
    // The metric that did not change gives the same figures; training's record is untouched.
    assert.deepEqual(only(result.final, "modes."), only(trained[i].final, "modes."));
    assert.deepEqual(result.curves, trained[i].curves);
    assert.equal(result.finishedAt, trained[i].finishedAt);
  }
  const stored = await run("status", ...args.slice(0, 3), "--results", out, "--backend", "cpu");
  assert.equal(stored.code, 0, stored.stdout);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a changed metric (a bumped version) re-scores with rescore, and removing it again re-scores too", async () => {
  const { dir, suite, out, write } = await workspace(["modes", TINY_SPREAD]);
  const args = [suite, "--profile", "smoke", "--jobs", "1", "--backend", "cpu", "--out", out];
  assert.equal((await run("suite", ...args)).code, 0);
  const before = await results(out);
  trainingSteps.count = 0;
  tinySpread.version = 2;
  try {
    const rescore = await run("rescore", ...args);
    assert.equal(rescore.code, 0, rescore.stderr);
    assert.match(rescore.stdout, /re-scored from 3 stored generators in/);
  } finally {
    tinySpread.version = 1;
  }
  assert.equal(trainingSteps.count, 0, "no training step ran");
  const after = await results(out);
  for (const [i, result] of after.entries()) {
    // Version 2 doubles the figure (exactly, in binary floating point).
    assert.equal(result.final["tiny-spread.distance"], 2 * before[i].final["tiny-spread.distance"]);
    assert.equal(result.scoring!.metrics[TINY_SPREAD], 2);
  }
  await write(["modes"]);
  assert.equal((await run("rescore", ...args)).code, 0);
  assert.equal(trainingSteps.count, 0);
  for (const result of await results(out)) {
    assert.equal(result.final["tiny-spread.distance"], undefined, "a removed metric's figures go");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a stored generator re-scored gives the figures of the original run bit for bit", async () => {
  const { dir, suite, out } = await workspace(["modes", TINY_SPREAD]);
  const args = [suite, "--profile", "smoke", "--jobs", "1", "--backend", "cpu", "--out", out];
  assert.equal((await run("suite", ...args)).code, 0);
  const backend = await initBackend("cpu");
  const parsed = parseSuite(await Deno.readTextFile(suite), "tiny", suite);
  for (const cell of buildMatrix(parsed, { profile: "smoke", backend: backend.name })) {
    const original = (await readResult(cellPath(out, cell.config)))!;
    const again = await rescoreCell(
      cell,
      original,
      suiteDir(out, "tiny", "smoke"),
      describeEnvironment(backend),
    );
    assert.deepEqual(again.final, original.final);
    assert.deepEqual(again.evals, original.evals);
    assert.deepEqual(JSON.parse(JSON.stringify(again.samples)), original.samples, "as stored");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a Dirac-GAN cell (its metric reads the discriminator) and a CycleGAN ring cell (two translators) re-score bit for bit", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-rescore-kinds-" });
  const backend = await initBackend("cpu");
  const environment = describeEnvironment(backend);
  const cases = [
    { suite: "dirac", networks: ["generator", "discriminator"] },
    { suite: "cyclegan", networks: ["forward", "backward"] },
  ];
  for (const { suite, networks } of cases) {
    const [cell] = buildMatrix(loadSuite(suite), { profile: "smoke", backend: backend.name });
    await writeResult(out, await runCell(cell, environment));
    const original = (await readResult(cellPath(out, cell.config)))!;
    const points = original.checkpoints!.points;
    assert.equal(points.length, original.evals.length, `${suite}: every evaluation is kept`);
    assert.deepEqual(Object.keys(points[0].networks), networks);
    const dir = suiteDir(out, suite, "smoke");
    const again = await rescoreCell(cell, original, dir, environment);
    assert.deepEqual(again.final, original.final, suite);
    assert.deepEqual(again.evals, original.evals, suite);
    assert.deepEqual(JSON.parse(JSON.stringify(again.samples ?? null)), original.samples ?? null);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("a PacGAN cell, whose sampling draws a refresh of its running averages at each evaluation, re-scores bit for bit from its last evaluation alone", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-rescore-pacgan-" });
  const backend = await initBackend("cpu");
  const environment = describeEnvironment(backend);
  // The PacGAN suite at smoke, with networks small enough for a test of seconds.
  const file = JSON.parse(await Deno.readTextFile("suites/pacgan.json"));
  Object.assign(file.profiles.smoke, { steps: 6, evalEvery: 2, batchSize: 16, evalSamples: 100 });
  file.profiles.smoke.model.generator.batchNorm.refreshBatchSize = 16;
  file.profiles.smoke.model.discriminator = { hidden: [16], pieces: 2 };
  const suite = parseSuite(JSON.stringify(file), "pacgan", "suites/pacgan.json");
  const [cell] = buildMatrix(suite, { profile: "smoke", backend: backend.name });
  await writeResult(out, await runCell(cell, environment));
  const original = (await readResult(cellPath(out, cell.config)))!;
  assert.deepEqual(original.checkpoints!.points.map((p) => p.step), [0, 2, 4, 6]);
  // Only the last evaluation's networks, as for a generator too large to keep at every one: the
  // refreshes of the three evaluations before it must still be drawn.
  const lastOnly = {
    ...original,
    checkpoints: { ...original.checkpoints!, points: original.checkpoints!.points.slice(-1) },
  };
  const again = await rescoreCell(cell, lastOnly, suiteDir(out, "pacgan", "smoke"), environment);
  assert.deepEqual(again.final, original.final);
  assert.deepEqual(again.evals.at(-1), original.evals.at(-1));
  // The samples tell a refresh drawn otherwise, which a short run's mode counts may not (as
  // stored: JSON keeps no -0).
  assert.deepEqual(JSON.parse(JSON.stringify(again.samples)), original.samples);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a generator too large to keep at every evaluation is kept at the last and the best, and the other evaluations keep their unchanged figures", async () => {
  // 2 → 256 → 256 → 2: 66,818 values, 267 kB each, more than ALL_POINTS_BYTES over five.
  const { dir, suite, out, write } = await workspace(["modes"], [256, 256]);
  assert.ok(66818 * 4 * 5 > ALL_POINTS_BYTES);
  const args = [suite, "--profile", "smoke", "--jobs", "1", "--backend", "cpu", "--out", out];
  assert.equal((await run("suite", ...args)).code, 0);
  const trained = await results(out);
  await write(["modes", TINY_SPREAD]);
  trainingSteps.count = 0;
  assert.equal((await run("rescore", ...args)).code, 0);
  assert.equal(trainingSteps.count, 0);
  for (const [i, result] of (await results(out)).entries()) {
    const steps = result.checkpoints!.points.map((p) => p.step);
    const kl = trained[i].evals.map((p) => p.metrics["modes.kl"]);
    const best = trained[i].evals[kl.indexOf(Math.min(...kl))].step;
    assert.deepEqual(steps, [...new Set([best, 6])].sort((a, b) => a - b));
    for (const [j, point] of result.evals.entries()) {
      assert.deepEqual(only(point.metrics, "modes."), only(trained[i].evals[j].metrics, "modes."));
      assert.equal(steps.includes(point.step), "tiny-spread.distance" in point.metrics);
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rescore says in one line that a stored generator is missing, corrupt or was never kept, exits 1, and trains only under --force", async () => {
  const { dir, suite, out, write } = await workspace(["modes"]);
  const args = [suite, "--profile", "smoke", "--jobs", "1", "--backend", "cpu", "--out", out];
  assert.equal((await run("suite", ...args)).code, 0);
  const [zero, one] = await results(out);
  const folder = suiteDir(out, "tiny", "smoke");
  // Seed 0: a flipped byte; seed 1: no file.
  const corrupt = join(folder, zero.checkpoints!.file);
  const bytes = await Deno.readFile(corrupt);
  bytes[0] ^= 1;
  await Deno.writeFile(corrupt, bytes);
  await Deno.remove(join(folder, one.checkpoints!.file));
  await write(["modes", TINY_SPREAD]);

  trainingSteps.count = 0;
  const failed = await run("rescore", ...args);
  assert.equal(failed.code, 1);
  assert.equal(trainingSteps.count, 0, "nothing trains without --force");
  const lines = failed.stdout.split("\n");
  assert.equal(
    lines.filter((line) => /seed 0: stored generator file '.*' is corrupt \(/.test(line)).length,
    1,
  );
  assert.equal(
    lines.filter((line) => /seed 1: stored generator file '.*' is missing; --force/.test(line))
      .length,
    1,
  );
  assert.match(failed.stderr, /^ganbench: 2 cells could not be re-scored \(see above\)/m);
  assert.doesNotMatch(failed.stdout + failed.stderr, /\n\s+at /, "no stack trace");

  // A result from before generators were kept (none indexed): one line too.
  const path = cellPath(out, zero.config);
  const { checkpoints: _, ...legacy } = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(path, JSON.stringify(legacy));
  const never = await run("rescore", ...args);
  assert.equal(never.code, 1);
  assert.match(
    never.stdout,
    /^tiny-pair tiny-counted seed 0: no stored generator \(computed before generators were kept/m,
  );

  const forced = await run("rescore", ...args, "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(trainingSteps.count, 2 * 6, "--force trains the two cells");
  for (const result of await results(out)) {
    assert.equal(typeof result.final["tiny-spread.distance"], "number");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rescore --jobs 2 re-scores in worker threads, with the figures of training", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-rescore-workers-" });
  const select = ["dirac", "--profile", "smoke", "--backend", "cpu", "--out", out, "--jobs", "2"];
  const trained = await run("suite", ...select, "--variants", "gan-sim,gan-alt");
  assert.equal(trained.code, 0, trained.stderr);
  const files = [...Deno.readDirSync(join(out, "dirac", "smoke", "cells"))]
    .filter((entry) => entry.isFile).map((entry) =>
      join(out, "dirac", "smoke", "cells", entry.name)
    );
  assert.equal(files.length, 2);
  const before = await Promise.all(files.map(async (file) => (await readResult(file))!));
  // As if the metric configuration had changed since: the stored scoring key no longer matches.
  for (const [i, file] of files.entries()) {
    await Deno.writeTextFile(file, JSON.stringify({ ...before[i], scoreKey: "0000000000000000" }));
  }
  const rescored = await run("rescore", ...select);
  assert.equal(rescored.code, 0, rescored.stderr);
  assert.equal(rescored.stdout.match(/: re-scored from \d+ stored generators in/g)?.length, 2);
  for (const [i, file] of files.entries()) {
    const after = (await readResult(file))!;
    assert.equal(after.scoreKey, before[i].scoreKey);
    assert.deepEqual(after.final, before[i].final);
    assert.deepEqual(after.evals, before[i].evals);
  }
  await Deno.remove(out, { recursive: true });
});
