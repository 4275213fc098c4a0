/**
 * The adversarial trainer (`gan`): k discriminator updates per generator update, alternating or
 * simultaneous, with the variant's loss, penalties, constraints and input perturbations; driven by
 * the loop every trainer shares (`loop.ts`), from the step pieces in `trainer.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Dataset } from "../data/dataset.ts";
import type { Rng } from "../engine/rng.ts";
import type { Discriminator, Generator } from "../models/network.ts";
import { runTrainingLoop } from "./loop.ts";
import {
  applyUpdates,
  diverged,
  latentBatch,
  optimizerFor,
  reportStep,
  type TrainOptions,
  type TrainOutcome,
  type Update,
} from "./trainer.ts";

/** A batch of real samples, with their labels when the pair is conditional. */
function realBatch(
  dataset: Dataset,
  n: number,
  rng: Rng,
  conditional: boolean,
): { x: tf.Tensor; labels?: tf.Tensor1D } {
  if (!conditional) return { x: tf.tensor(dataset.sample(n, rng), [n, ...dataset.sampleShape]) };
  if (!dataset.sampleWithLabels) {
    throw new TypeError(`a conditional model needs labelled data; '${dataset.name}' has no labels`);
  }
  const { samples, labels } = dataset.sampleWithLabels(n, rng);
  return {
    x: tf.tensor(samples, [n, ...dataset.sampleShape]),
    labels: tf.tensor1d(labels, "int32"),
  };
}

/** Uniform class labels for generated samples (undefined for an unconditional pair). */
function fakeLabels(classes: number | undefined, n: number, rng: Rng): tf.Tensor1D | undefined {
  if (classes === undefined) return undefined;
  return tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(classes)), "int32");
}

/** `discriminator` with its labels bound, as the losses and penalties see it. */
function boundTo(discriminator: Discriminator, labels?: tf.Tensor1D): Discriminator {
  if (!labels) return discriminator;
  return {
    variables: discriminator.variables,
    discriminate: (x) => discriminator.discriminate(x, labels),
  };
}

/** Trains `options.pair` under `options.budget`; a non-finite loss ends the run as `diverged`. */
export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { dataset, pair, regularisers, hyper, budget } = options;
  if (!options.loss) throw new TypeError("the gan trainer needs a loss");
  const loss = options.loss;
  const generator: Generator = pair.generator;
  const discriminator: Discriminator = pair.discriminator;
  const dataRng = options.rng.stream("data");
  const noiseRng = options.rng.stream("noise");
  const penaltyRng = options.rng.stream("penalty");
  const optimizerD = optimizerFor(hyper, hyper.lrD);
  const optimizerG = optimizerFor(hyper, hyper.lrG);
  const penalties = regularisers.filter((r) => r.regulariser.penalty);
  const constraints = regularisers.filter((r) => r.regulariser.afterDiscriminatorStep);
  const perturbations = regularisers.filter((r) => r.regulariser.perturb);

  /** D's view of an input: after every perturbation (instance noise), as D sees it in both players' steps. */
  const seen = (x: tf.Tensor) =>
    perturbations.reduce(
      (input, { regulariser, weight }) => regulariser.perturb!(input, weight, penaltyRng),
      x,
    );
  const conditional = pair.classes !== undefined;
  const discriminatorUpdate = (): Update => {
    // A conditional pair's fakes take the real batch's labels, so that one labelled D serves
    // both halves of the batch and the penalties' interpolates.
    const batch = realBatch(dataset, budget.batchSize, dataRng, conditional);
    const real = seen(batch.x);
    const latent = latentBatch(budget.batchSize, generator.latentDim, noiseRng);
    const fake = seen(generator.generate(latent, batch.labels));
    const critic = boundTo(discriminator, batch.labels);
    return {
      optimizer: optimizerD,
      variables: discriminator.variables,
      objective: () => {
        let total = loss.discriminatorLoss(critic.discriminate(real), critic.discriminate(fake));
        for (const { regulariser, weight } of penalties) {
          total = tf.add(
            total,
            regulariser.penalty!({ discriminator: critic, real, fake, rng: penaltyRng }, weight),
          );
        }
        return total;
      },
    };
  };
  const generatorUpdate = (): Update => {
    const latent = latentBatch(budget.batchSize, generator.latentDim, noiseRng);
    const labels = fakeLabels(pair.classes, budget.batchSize, noiseRng);
    const realBatchForG = loss.generatorNeedsReal
      ? realBatch(dataset, budget.batchSize, dataRng, conditional)
      : undefined;
    const real = realBatchForG && { x: seen(realBatchForG.x), labels: realBatchForG.labels };
    return {
      optimizer: optimizerG,
      variables: generator.variables,
      objective: () => {
        const fakeOut = discriminator.discriminate(
          seen(generator.generate(latent, labels)),
          labels,
        );
        return loss.generatorLoss(
          fakeOut,
          real && discriminator.discriminate(real.x, real.labels),
        );
      },
    };
  };

  try {
    return await runTrainingLoop({
      budget,
      evaluate: (at) => options.evaluate(generator, at),
      onProgress: options.onProgress,
      async step(_g, logging) {
        const lossesD: number[] = [];
        let normD = -1, lossG = 0, normG = -1;
        for (let d = 0; d < hyper.k; d++) {
          const last = d === hyper.k - 1;
          const joint = last && hyper.scheme === "simultaneous";
          const [forD, forG] = await applyUpdates(
            () => (joint ? [discriminatorUpdate(), generatorUpdate()] : [discriminatorUpdate()]),
            logging && last,
          );
          const lossD = forD.loss;
          normD = forD.norms[0];
          if (forG) [lossG, normG] = [forG.loss, forG.norms[0]];
          for (const { regulariser, weight } of constraints) {
            regulariser.afterDiscriminatorStep!(discriminator, weight);
          }
          discriminator.afterStep?.();
          if (diverged(lossD, normD)) return { lossesD, lossG, normD, normG, diverged: "D" };
          lossesD.push(lossD);
        }
        if (hyper.scheme === "alternating") {
          const [forG] = await applyUpdates(() => [generatorUpdate()], logging);
          [lossG, normG] = [forG.loss, forG.norms[0]];
        }
        return reportStep({ lossesD, lossG, normD, normG });
      },
    });
  } finally {
    optimizerD.dispose();
    optimizerG.dispose();
  }
}
