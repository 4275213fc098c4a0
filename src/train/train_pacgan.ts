/**
 * PacGAN's training step (`pacgan`), as its code runs it (Lin et al. 2018: `pacgan_task.py`, which
 * trains with ALI's `ali_algorithm` in Blocks). One step draws a minibatch of `n` real examples of
 * `pack` samples each (from the run's fixed training set) and `pack` generator passes of `n`
 * latent codes; D's loss and G's loss are both computed on these same samples, their gradients
 * are both taken at the current weights, and both updates are applied together (one Theano
 * function updates D and G at once). G's batch-norm running averages then take the step's batch
 * statistics once. D's real and generated examples are scored in two passes where PacGAN's code
 * uses one: D has no batch-dependent layer, so the scores are the same.
 *
 * `budget.batchSize` counts examples, as PacGAN's `batch_size` does: a step draws `batchSize ·
 * pack` real samples and generates as many.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { packedBatch } from "../data/training_set.ts";
import { runTrainingLoop } from "./loop.ts";
import {
  applyUpdates,
  diverged,
  latentBatch,
  optimizerFor,
  reportStep,
  type TrainOptions,
  type TrainOutcome,
} from "./trainer.ts";

/** Trains `options.pair` with PacGAN's joint step; a non-finite loss ends the run as `diverged`. */
export async function trainPacgan(options: TrainOptions): Promise<TrainOutcome> {
  const { dataset, pair, hyper, budget } = options;
  if (!options.loss) throw new TypeError("the pacgan trainer needs a loss");
  if (options.regularisers.length) {
    throw new TypeError(
      `the pacgan trainer takes no regularisers, got ${
        options.regularisers.map((r) => r.name).join(", ")
      }`,
    );
  }
  if (hyper.k !== 1 || hyper.scheme !== "simultaneous") {
    throw new TypeError(
      `the pacgan trainer takes one joint step (k = 1, simultaneous), got k = ${hyper.k}, ${hyper.scheme}`,
    );
  }
  const loss = options.loss;
  const { generator, discriminator } = pair;
  const pack = discriminator.pack ?? 1;
  const n = budget.batchSize;
  const dataRng = options.rng.stream("data");
  const noiseRng = options.rng.stream("noise");
  const optimizerD = optimizerFor(hyper, hyper.lrD);
  const optimizerG = optimizerFor(hyper, hyper.lrG);

  try {
    return await runTrainingLoop({
      budget,
      evaluate: (at) => options.evaluate(generator, at),
      onProgress: options.onProgress,
      async step(_g, logging) {
        let fake: tf.Tensor | undefined;
        const [forG, forD] = await applyUpdates(() => {
          const real = tf.tensor(packedBatch(dataset, n, pack, dataRng), [
            n * pack,
            ...dataset.sampleShape,
          ]);
          const latents = tf.split(
            latentBatch(n * pack, generator.latentDim, noiseRng),
            pack,
          ) as tf.Tensor2D[];
          return [
            {
              optimizer: optimizerG,
              variables: generator.variables,
              objective: () => {
                // The `pack` passes, pass-major, as the packed D takes them; each pass is its own
                // batch for G's batch norm. Generated once, on G's tape; D's update (computed next,
                // at the same weights: both are applied after both gradients) reads the same samples.
                const generated = tf.concat(latents.map((z) => generator.generate(z)));
                fake = tf.keep(generated);
                return loss.generatorLoss(discriminator.discriminate(generated));
              },
            },
            {
              optimizer: optimizerD,
              variables: discriminator.variables,
              objective: () =>
                loss.discriminatorLoss(
                  discriminator.discriminate(real),
                  discriminator.discriminate(fake!),
                ),
            },
          ];
        }, logging).finally(() => fake?.dispose());
        // The step's batch statistics, one set per pass, become the running averages' update.
        generator.updateRunningStatistics?.();
        const [lossD, normD] = [forD.loss, forD.norms[0]];
        const [lossG, normG] = [forG.loss, forG.norms[0]];
        if (diverged(lossD, normD)) return { lossesD: [], lossG, normD, normG, diverged: "D" };
        return reportStep({ lossesD: [lossD], lossG, normD, normG });
      },
    });
  } finally {
    optimizerD.dispose();
    optimizerG.dispose();
  }
}
