/**
 * Lockstep conformance: for every variant of the small suites whose architecture has a lockstep form
 * (mixtures' `mlp`, WGAN-GP toy's `relu-mlp`, Dirac-GAN's `dirac`, PacGAN's `pacgan` with its joint
 * step at packs 1 to 4, and CycleGAN's point networks on the ring), three seeds
 * trained in lockstep on wasm give, seed by seed, the bits the solo trainer gives: every outcome
 * field but the clock's, the samples at every evaluation, and the final weights and state. A seed
 * whose data turns to NaN mid-run diverges at the step it diverges alone, and the others are not
 * touched.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { DATASETS } from "../data/mod.ts";
import type { Dataset } from "../data/dataset.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { disposePair, generateSamples, type Generator } from "../models/mod.ts";
import { buildMatrix, type Cell } from "../runner/cells.ts";
import { buildPair, trainOptions } from "../runner/run_cell.ts";
import { loadSuite } from "../runner/suite.ts";
import { prepareTranslationCell } from "../runner/translation_cell.ts";
import { LOCKSTEP_AUTO, lockstepUnsupported, trainLockstep } from "./lockstep.ts";
import { trainCycleganLockstep } from "./lockstep_cyclegan.ts";
import { TRAINERS, type TrainOptions, type TrainOutcome } from "./mod.ts";

await initBackend("wasm");

const SEEDS = [0, 1, 2];

/** The suites whose every variant trains in lockstep. */
const SUITES = ["mixtures", "wgan-gp-toy", "dirac", "pacgan"];
/** Suites of which only some rows have a lockstep form (MNIST's MLP row); those rows are tested. */
const PARTLY = ["mnist"];
/**
 * Suites whose seeds train alike: Dirac-GAN starts every seed at the same (θ, ψ) on data at 0, so
 * only its instance-noise rows draw anything that depends on the seed. Its smoke budget (50 steps
 * of batch 4096) is cut to 20 steps here, which keep every row's divergence or oscillation.
 */
const SEED_FREE = new Map([["dirac", { steps: 20 }]]);

/** The smoke cells of `SUITES` on each suite's first dataset, by suite and variant, for `SEEDS`. */
function smokeRows(): Map<string, Cell[]> {
  const rows = new Map<string, Cell[]>();
  for (const name of [...SUITES, ...PARTLY]) {
    const suite = loadSuite(name);
    const cells = buildMatrix(suite, { profile: "smoke", seeds: SEEDS, backend: "wasm" })
      .filter((cell) => cell.config.dataset === suite.datasets[0]);
    const budget = SEED_FREE.get(name);
    for (const cell of cells) {
      if (PARTLY.includes(name) && lockstepUnsupported(cell.config)) continue;
      const row = `${name} ${cell.config.variant}`;
      const config = budget
        ? { ...cell.config, budget: { ...cell.config.budget, ...budget } }
        : cell.config;
      rows.set(row, [...rows.get(row) ?? [], { ...cell, config }]);
    }
  }
  return rows;
}

/** What one seed's run produced: its outcome, its samples at each evaluation, its final tensors. */
interface Run {
  outcome: TrainOutcome;
  samples: Float32Array[];
  weights: Float32Array[];
}

/** `dataset` whose `nanFrom`-th draw (0-based) and later are NaN: a seed forced to diverge. */
function poisoned(dataset: Dataset, nanFrom: number): Dataset {
  let draws = 0;
  const poison = (values: Float32Array) => draws++ >= nanFrom ? values.fill(Number.NaN) : values;
  const packed = (dataset as { samplePacked?: (...args: unknown[]) => { samples: Float32Array } })
    .samplePacked;
  return Object.assign(Object.create(dataset), {
    sample: (n: number, rng: Rng) => poison(dataset.sample(n, rng)),
    // PacGAN's packed draws from a run's training set.
    ...(packed && {
      samplePacked(...args: unknown[]) {
        const drawn = packed.apply(dataset, args);
        return { ...drawn, samples: poison(drawn.samples) };
      },
    }),
  });
}

/** The options trainPair (run_cell.ts) gives the trainer for `cell`, evaluating into `samples`. */
function optionsFor(cell: Cell, samples: Float32Array[], nanFrom?: number): TrainOptions {
  const { config } = cell;
  const base = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const pair = buildPair(config, base, rng);
  const latent = tf.tensor2d(rng.stream("eval").normals(64 * config.latentDim), [
    64,
    config.latentDim,
  ]);
  const options = trainOptions({ config, dataset: base, pair, rng }, {
    async evaluate(generator: Generator, at: number) {
      const drawn = await generateSamples(generator, latent);
      samples.push(drawn);
      if (at === config.budget.steps) latent.dispose();
      return { at, first: drawn[0] };
    },
  });
  return nanFrom === undefined
    ? options
    : { ...options, dataset: poisoned(options.dataset, nanFrom) };
}

/** An outcome without the clock's fields. */
function withoutClock(outcome: TrainOutcome) {
  const { trainSeconds: _t, evalSeconds: _e, ...rest } = outcome;
  return {
    ...rest,
    curves: rest.curves.map(({ seconds: _seconds, ...point }) => point),
    evals: rest.evals.map(({ seconds: _seconds, ...point }) => point),
  };
}

/** Every tensor of `options.pair` (variables, then state: PacGAN's running averages too), read back. */
async function tensorsOf(options: TrainOptions): Promise<Float32Array[]> {
  const { generator, discriminator } = options.pair;
  const all = [
    ...generator.variables,
    ...discriminator.variables,
    ...(discriminator.state ?? []),
    ...((generator as { state?: tf.Variable[] }).state ?? []),
  ];
  return await Promise.all(all.map((v) => v.data() as Promise<Float32Array>));
}

/** Trains `cells` alone, one after another, then together; returns both runs of each seed. */
async function soloAndLockstep(cells: Cell[], nanFrom: (number | undefined)[] = []) {
  const solo: Run[] = [];
  for (const [i, cell] of cells.entries()) {
    const samples: Float32Array[] = [];
    const options = optionsFor(cell, samples, nanFrom[i]);
    const outcome = await TRAINERS.get(cell.config.trainer ?? "gan").train(options as never);
    solo.push({ outcome, samples, weights: await tensorsOf(options) });
    disposePair(options.pair);
  }
  const samples = cells.map(() => [] as Float32Array[]);
  const group = cells.map((cell, i) => optionsFor(cell, samples[i], nanFrom[i]));
  const outcomes = await trainLockstep(group);
  const lockstep: Run[] = [];
  for (const [i, options] of group.entries()) {
    lockstep.push({ outcome: outcomes[i], samples: samples[i], weights: await tensorsOf(options) });
    disposePair(options.pair);
  }
  return { solo, lockstep };
}

/** Asserts that seed `i`'s two runs agree bit for bit. */
function assertSameRun(solo: Run, lockstep: Run, label: string): void {
  assert.deepEqual(withoutClock(lockstep.outcome), withoutClock(solo.outcome), `${label}: outcome`);
  assert.deepEqual(lockstep.samples, solo.samples, `${label}: samples at each evaluation`);
  assert.deepEqual(lockstep.weights, solo.weights, `${label}: final weights and state`);
}

const ROWS = smokeRows();

for (const [row, cells] of ROWS) {
  Deno.test({
    name: `trainLockstep() trains ${row}'s seeds to the bits each gives alone on wasm`,
    async fn() {
      const before = tf.memory().numTensors;
      const { solo, lockstep } = await soloAndLockstep(cells);
      assert.ok(solo.every((run) => run.outcome.steps > 0), "every seed trained");
      solo.forEach((run, i) => assertSameRun(run, lockstep[i], `${row} seed ${SEEDS[i]}`));
      const seedFree = SEED_FREE.has(cells[0].config.suite) &&
        !("instance-noise" in cells[0].config.regularisers);
      if (!seedFree) assert.notDeepEqual(solo[0].weights, solo[1].weights, "the seeds differ");
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    },
  });
}

Deno.test("lockstepUnsupported() admits every variant of the mixtures, WGAN-GP toy, Dirac and PacGAN suites and MNIST's MLP row", () => {
  assert.ok([...ROWS.keys()].some((row) => row.startsWith("mnist ")), "MNIST has an MLP row");
  for (const [row, cells] of ROWS) {
    assert.equal(lockstepUnsupported(cells[0].config), undefined, row);
  }
});

Deno.test("lockstepUnsupported() names why a CycleGAN image cell, or PacGAN's trainer on another pair, trains alone", () => {
  const cyclegan = buildMatrix(loadSuite("cyclegan"), {
    profile: "smoke",
    seeds: [0],
    backend: "wasm",
  });
  const image = cyclegan.find((cell) => cell.config.dataset === "mnist-inverted")!;
  assert.match(lockstepUnsupported(image.config) ?? "", /image networks train each seed alone/);
  const ring = cyclegan.find((cell) => cell.config.dataset === "ring8-rotated")!;
  assert.equal(lockstepUnsupported(ring.config), undefined);
  assert.match(lockstepUnsupported({ ...ring.config, backend: "cpu" }) ?? "", /backend 'cpu'/);
  const [pacgan] = ROWS.get("pacgan gan")!;
  assert.match(
    lockstepUnsupported({ ...pacgan.config, architecture: "mlp" }) ?? "",
    /trainer 'pacgan' on architecture 'mlp'/,
  );
});

Deno.test("lockstepUnsupported() keeps backends other than wasm's kernels out of lockstep", () => {
  const [cells] = [...ROWS.values()];
  for (const backend of ["cpu", "webgpu", "tensorflow"]) {
    const reason = lockstepUnsupported({ ...cells[0].config, backend });
    assert.match(reason ?? "", new RegExp(`backend '${backend}'`));
  }
});

Deno.test("a seed that diverges in lockstep diverges at the step it does alone, the others untouched", async () => {
  const cells = ROWS.get("mixtures nsgan")!;
  // Seed 1's 25th draw of real data (generator step 25) is NaN: D's loss is NaN there.
  const { solo, lockstep } = await soloAndLockstep(cells, [undefined, 24, undefined]);
  assert.equal(solo[1].outcome.status, "diverged");
  assert.deepEqual(solo[1].outcome.divergence, { step: 25, network: "D" });
  assert.equal(solo[0].outcome.status, "completed");
  solo.forEach((run, i) => assertSameRun(run, lockstep[i], `seed ${SEEDS[i]}`));
});

Deno.test("a PacGAN seed that diverges in lockstep diverges at the step it does alone, the others untouched", async () => {
  const cells = ROWS.get("pacgan pacgan2")!;
  const { solo, lockstep } = await soloAndLockstep(cells, [undefined, undefined, 12]);
  assert.equal(solo[2].outcome.status, "diverged");
  assert.deepEqual(solo[2].outcome.divergence, { step: 13, network: "D" });
  assert.equal(solo[0].outcome.status, "completed");
  solo.forEach((run, i) => assertSameRun(run, lockstep[i], `seed ${SEEDS[i]}`));
});

Deno.test("LOCKSTEP_AUTO is a group size of at least 2", () => {
  assert.ok(Number.isInteger(LOCKSTEP_AUTO) && LOCKSTEP_AUTO >= 2);
});

Deno.test("trainLockstep() rejects with a seed's evaluation error and frees its tensors", async () => {
  const cells = ROWS.get("mixtures nsgan")!;
  const group = cells.map((cell) => optionsFor(cell, []));
  group[1].evaluate = (_generator, at) => {
    if (at === 20) throw new RangeError("seed 1's metric failed");
    return {};
  };
  const before = tf.memory().numTensors;
  await assert.rejects(trainLockstep(group), RangeError, "seed 1's metric failed");
  assert.equal(tf.memory().numTensors, before, "the batched model and its optimisers are freed");
  group.forEach((options) => disposePair(options.pair));
});

Deno.test("trainLockstep() refuses seeds that differ in more than their seed", async () => {
  const [a, b] = ROWS.get("mixtures nsgan")!.map((cell) => optionsFor(cell, []));
  b.hyper = { ...b.hyper, lrD: b.hyper.lrD * 2 };
  await assert.rejects(trainLockstep([a, b]), TypeError, "must share");
  [a, b].forEach((options) => disposePair(options.pair));
});

/** The CycleGAN suite's ring rows (smoke profile: 40 steps of batch 2, so the pools fill and swap). */
function cycleganRows(): Map<string, Cell[]> {
  const rows = new Map<string, Cell[]>();
  const cells = buildMatrix(loadSuite("cyclegan"), {
    profile: "smoke",
    seeds: SEEDS,
    backend: "wasm",
  })
    .filter((cell) => cell.config.dataset === "ring8-rotated");
  for (const cell of cells) {
    const row = `cyclegan ${cell.config.variant}`;
    rows.set(row, [...rows.get(row) ?? [], cell]);
  }
  return rows;
}

/** A translation cell's run: its outcome (evaluations scored by the cell's metrics) and final weights. */
async function translationRuns(cells: Cell[], nanFrom: (number | undefined)[] = []) {
  const prepare = (cell: Cell, i: number) => {
    const { config } = cell;
    const prepared = prepareTranslationCell({
      config,
      dataset: DATASETS.get(config.dataset),
      rng: new Rng(config.seed),
    });
    const from = nanFrom[i];
    if (from !== undefined) {
      prepared.options.dataset = poisoned(prepared.options.dataset, from);
    }
    return prepared;
  };
  const weightsOf = (prepared: ReturnType<typeof prepare>) => {
    const { forward, backward, discriminatorA, discriminatorB } = prepared.options.networks;
    return Promise.all(
      [forward, backward, discriminatorA, discriminatorB].flatMap((net) => net.variables)
        .map((v) => v.data() as Promise<Float32Array>),
    );
  };
  const solo: Run[] = [];
  for (const [i, cell] of cells.entries()) {
    const prepared = prepare(cell, i);
    const outcome = await TRAINERS.get("cyclegan").train(prepared.options as never);
    solo.push({ outcome, samples: [], weights: await weightsOf(prepared) });
    prepared.dispose();
  }
  const group = cells.map(prepare);
  const outcomes = await trainCycleganLockstep(group.map((p) => p.options));
  const lockstep: Run[] = [];
  for (const [i, prepared] of group.entries()) {
    lockstep.push({ outcome: outcomes[i], samples: [], weights: await weightsOf(prepared) });
    prepared.dispose();
  }
  return { solo, lockstep };
}

for (const [row, cells] of cycleganRows()) {
  Deno.test({
    name: `trainCycleganLockstep() trains ${row}'s ring seeds to the bits each gives alone on wasm`,
    async fn() {
      const before = tf.memory().numTensors;
      const { solo, lockstep } = await translationRuns(cells);
      assert.ok(solo.every((run) => run.outcome.steps > 0), "every seed trained");
      assert.ok(solo[0].outcome.curves.some((point) => point.networks), "per-network curves");
      solo.forEach((run, i) => assertSameRun(run, lockstep[i], `${row} seed ${SEEDS[i]}`));
      assert.notDeepEqual(solo[0].weights, solo[1].weights, "the seeds differ");
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    },
  });
}

Deno.test("a CycleGAN seed whose translators diverge in lockstep stops at the step it does alone, before its discriminators' update", async () => {
  const cells = cycleganRows().get("cyclegan cyclegan")!;
  const { solo, lockstep } = await translationRuns(cells, [undefined, 9, undefined]);
  assert.equal(solo[1].outcome.status, "diverged");
  assert.deepEqual(solo[1].outcome.divergence, { step: 10, network: "G" });
  assert.equal(solo[0].outcome.status, "completed");
  solo.forEach((run, i) => assertSameRun(run, lockstep[i], `seed ${SEEDS[i]}`));
});
