/**
 * What the training-step benchmarks share: a stand-in for 28x28 data and the timing of a run of
 * GAN steps (non-saturating loss, Adam at 1e-3) through the harness's own training loop.
 *
 * @module
 */
import type { Dataset } from "../src/data/dataset.ts";
import { Rng } from "../src/engine/rng.ts";
import { DEFAULT_HYPER, LOSSES } from "../src/losses/mod.ts";
import { disposePair, type GanPair } from "../src/models/mod.ts";
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
