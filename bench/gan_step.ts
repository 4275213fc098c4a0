/**
 * What the training-step benchmarks share: a stand-in for 28x28 data and the timing of a run of
 * GAN steps (non-saturating loss, Adam at 1e-3) through the harness's own training loop.
 *
 * @module
 */
import type { Dataset } from "../src/data/dataset.ts";
import { DATASETS } from "../src/data/mod.ts";
import { Rng } from "../src/engine/rng.ts";
import { DEFAULT_HYPER, LOSSES } from "../src/losses/mod.ts";
import { disposePair, type GanPair } from "../src/models/mod.ts";
import { buildMatrix } from "../src/runner/cells.ts";
import { buildPair, trainOptions, trainPair } from "../src/runner/run_cell.ts";
import { loadSuite, type Profile } from "../src/runner/suite.ts";
import { train } from "../src/train/train.ts";
import type { TrainOptions, TrainOutcome, TranslationTrainer } from "../src/train/trainer.ts";
import { trainLockstep } from "../src/train/lockstep.ts";
import { trainCycleganLockstep } from "../src/train/lockstep_cyclegan.ts";
import { TRAINERS } from "../src/train/mod.ts";
import { prepareTranslationCell } from "../src/runner/translation_cell.ts";

/** A stand-in for 28x28 data: the step's cost does not depend on the pixel values. */
export const noise784: Dataset = {
  name: "noise784",
  description: "784-dimensional noise",
  sampleShape: [784],
  sample: (n, rng) => rng.normals(n * 784),
};

/** A network pair to time, with its data and batch. */
export interface StepModel {
  dataset: Dataset;
  batchSize: number;
  build(rng: Rng): GanPair;
}

/** The training options of a fresh pair of `model` (seed `seed`) for `steps` timed GAN steps. */
function stepOptions(model: StepModel, steps: number, seed: number): TrainOptions {
  const rng = new Rng(seed);
  return {
    dataset: model.dataset,
    pair: model.build(rng),
    loss: LOSSES.get("non-saturating"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3 },
    budget: { steps, batchSize: model.batchSize, logEvery: steps + 1, evalEvery: steps },
    rng,
    evaluate: () => ({}),
  };
}

/** Trains a fresh pair of `model` (seed 0) for `steps` GAN steps; resolves to ms per step. */
export async function msPerStep(model: StepModel, steps: number): Promise<number> {
  const options = stepOptions(model, steps, 0);
  const outcome = await train(options);
  disposePair(options.pair);
  return (1000 * outcome.trainSeconds) / steps;
}

/**
 * Trains `seeds` fresh pairs of `model` (seeds 0, 1, ...) in lockstep (src/train/lockstep.ts) for
 * `steps` GAN steps as {@linkcode msPerStep} trains one; resolves to ms per seed-step (the batched
 * steps' time over steps · seeds).
 */
export async function msPerSeedStep(
  model: StepModel,
  steps: number,
  seeds: number,
): Promise<number> {
  const group = Array.from({ length: seeds }, (_, seed) => stepOptions(model, steps, seed));
  const outcomes = await trainLockstep(group);
  for (const { pair } of group) disposePair(pair);
  // Each seed's trainSeconds is its share of the batched steps: together, their whole time.
  const seconds = outcomes.reduce((sum, outcome) => sum + outcome.trainSeconds, 0);
  return (1000 * seconds) / (steps * seeds);
}

/** A suite's cell to time: the `variant` label's cell of `suite`'s `profile` on `dataset`. */
export interface BenchCell {
  suite: string;
  profile: Profile;
  variant: string;
  dataset: string;
}

/** The cell's configuration (seed 0), its budget cut to `steps` steps without evaluations. */
function cellConfig(cell: BenchCell, steps: number) {
  const found = buildMatrix(loadSuite(cell.suite), {
    profile: cell.profile,
    variants: [cell.variant],
    seeds: [0],
    backend: "wasm",
  }).find((c) => c.config.dataset === cell.dataset)?.config;
  if (!found) throw new Error(`suite ${cell.suite} has no cell ${cell.variant} on ${cell.dataset}`);
  return { ...found, budget: { ...found.budget, steps, logEvery: steps + 1, evalEvery: steps } };
}

/** Whether the cell's trainer trains translation networks (CycleGAN) rather than a pair. */
function translates(config: ReturnType<typeof cellConfig>): boolean {
  return TRAINERS.get(config.trainer ?? "gan").networks === "translation";
}

/** A translation cell's trainer options (as `runCell` prepares them), evaluating nothing. */
function translationOptions(config: ReturnType<typeof cellConfig>) {
  const prepared = prepareTranslationCell({
    config,
    dataset: DATASETS.get(config.dataset),
    rng: new Rng(config.seed),
  });
  prepared.options.evaluate = () => ({});
  return prepared;
}

/**
 * ms per step of a suite's cell (its networks, trainer, loss, regularisers, optimiser and batch,
 * as `runCell` trains them, without evaluations): seed 0, run for `steps` steps.
 */
export async function msPerCellStep(cell: BenchCell, steps: number): Promise<number> {
  const config = cellConfig(cell, steps);
  if (translates(config)) {
    const prepared = translationOptions(config);
    try {
      const trainer = TRAINERS.get(config.trainer!) as TranslationTrainer;
      return (1000 * (await trainer.train(prepared.options)).trainSeconds) / steps;
    } finally {
      prepared.dispose();
    }
  }
  const dataset = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const pair = buildPair(config, dataset, rng);
  try {
    const outcome = await trainPair({ config, dataset, pair, rng }, { evaluate: () => ({}) });
    return (1000 * outcome.trainSeconds) / steps;
  } finally {
    disposePair(pair);
  }
}

/**
 * {@linkcode msPerCellStep} for `seeds` seeds of the cell's row (0, 1, ...) trained in lockstep,
 * as `runCellGroup` trains them; resolves to ms per seed-step.
 */
export async function msPerCellSeedStep(
  cell: BenchCell,
  steps: number,
  seeds: number,
): Promise<number> {
  const base = cellConfig(cell, steps);
  const configs = Array.from({ length: seeds }, (_, seed) => ({ ...base, seed }));
  const perSeedStep = (outcomes: TrainOutcome[]) =>
    (1000 * outcomes.reduce((sum, outcome) => sum + outcome.trainSeconds, 0)) / (steps * seeds);
  if (translates(base)) {
    const prepared = configs.map(translationOptions);
    try {
      return perSeedStep(await trainCycleganLockstep(prepared.map((p) => p.options)));
    } finally {
      for (const p of prepared) p.dispose();
    }
  }
  const dataset = DATASETS.get(base.dataset);
  const group = configs.map((config) => {
    const rng = new Rng(config.seed);
    const pair = buildPair(config, dataset, rng);
    return trainOptions({ config, dataset, pair, rng }, { evaluate: () => ({}) });
  });
  try {
    return perSeedStep(await trainLockstep(group));
  } finally {
    for (const { pair } of group) disposePair(pair);
  }
}
