/**
 * What the training-step benchmarks share: a stand-in for 28x28 data and the timing of a run of
 * GAN steps (non-saturating loss, Adam at 1e-3) through the harness's own training loop.
 *
 * @module
 */
import type { Dataset } from "../src/data/dataset.ts";
import { DATASETS } from "../src/data/mod.ts";
import { trainingData } from "../src/data/training_set.ts";
import { Rng } from "../src/engine/rng.ts";
import { DEFAULT_HYPER, ganLossOf, LOSSES, REGULARISERS } from "../src/losses/mod.ts";
import { ARCHITECTURES, disposePair, type GanPair } from "../src/models/mod.ts";
import { buildMatrix } from "../src/runner/cells.ts";
import { loadSuite, type Profile } from "../src/runner/suite.ts";
import { TRAINERS } from "../src/train/mod.ts";
import { train } from "../src/train/train.ts";

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

/** Trains a fresh pair of `model` (seed 0) for `steps` GAN steps; resolves to ms per step. */
export async function msPerStep(model: StepModel, steps: number): Promise<number> {
  const rng = new Rng(0);
  const pair = model.build(rng);
  const outcome = await train({
    dataset: model.dataset,
    pair,
    loss: LOSSES.get("non-saturating"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3 },
    budget: { steps, batchSize: model.batchSize, logEvery: steps + 1, evalEvery: steps },
    rng,
    evaluate: () => ({}),
  });
  disposePair(pair);
  return (1000 * outcome.trainSeconds) / steps;
}

/**
 * ms per step of a suite's cell (its networks, trainer, loss, regularisers, optimiser and batch,
 * as `runCell` trains them, without evaluations): the `variant` label's cell of `suite`'s
 * `profile` on `dataset`, seed 0, run for `steps` steps.
 */
export async function msPerCellStep(
  cell: { suite: string; profile: Profile; variant: string; dataset: string },
  steps: number,
): Promise<number> {
  const config = buildMatrix(loadSuite(cell.suite), {
    profile: cell.profile,
    variants: [cell.variant],
    seeds: [0],
    backend: "wasm",
  }).find((c) => c.config.dataset === cell.dataset)?.config;
  if (!config) {
    throw new Error(`suite ${cell.suite} has no cell ${cell.variant} on ${cell.dataset}`);
  }
  const dataset = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const architecture = ARCHITECTURES.get(config.architecture);
  if (architecture.networks === "translation") {
    throw new Error("not a generator/discriminator pair");
  }
  const trainer = TRAINERS.get(config.trainer ?? "gan");
  if (trainer.networks === "translation") throw new Error("not a generator/discriminator trainer");
  const pair = architecture.build(config.model, {
    sampleShape: dataset.sampleShape,
    latentDim: config.latentDim,
    rng: rng.stream("init"),
  });
  try {
    const outcome = await trainer.train({
      dataset: trainingData(dataset, rng.stream("training-set")),
      pair,
      loss: ganLossOf(config.loss, config.trainer),
      regularisers: Object.entries(config.regularisers).map(([name, weight]) => ({
        name,
        regulariser: REGULARISERS.get(name),
        weight,
      })),
      hyper: config.hyper,
      budget: { ...config.budget, steps, logEvery: steps + 1, evalEvery: steps },
      rng,
      evaluate: () => ({}),
    });
    return (1000 * outcome.trainSeconds) / steps;
  } finally {
    disposePair(pair);
  }
}
