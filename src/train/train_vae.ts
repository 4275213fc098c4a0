/**
 * The VAE baseline's trainer (Kingma & Welling 2014): the pair's discriminator network serves as
 * the encoder (2 · latent outputs: mean and log-variance), its generator as the decoder; one Adam
 * step on the negative ELBO per step, driven by the same loop as the GANs.
 *
 * In the curves, `lossG` is the negative ELBO (reconstruction + KL), `lossD` the KL term, and
 * `gradNormG`/`gradNormD` the decoder's and encoder's gradient norms.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { runTrainingLoop } from "./loop.ts";
import { flatAdam } from "./optimizers.ts";
import {
  applyUpdates,
  latentBatch,
  reportStep,
  type TrainOptions,
  type TrainOutcome,
} from "./trainer.ts";

/** Keeps Bernoulli probabilities off 0 and 1. */
const EPSILON = 1e-6;

/**
 * The negative ELBO's two terms, averaged over the batch: the Bernoulli reconstruction loss of
 * data `x` in [−1, 1] under decoder means `decoded` in [−1, 1] (pixels read as probabilities
 * (v + 1) / 2, summed over pixels), and KL(N(μ, σ²) ‖ N(0, I)) summed over latent dimensions.
 */
export function vaeLossTerms(
  x: tf.Tensor,
  decoded: tf.Tensor,
  mean: tf.Tensor2D,
  logVariance: tf.Tensor2D,
): { reconstruction: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    const n = x.shape[0];
    const target = tf.reshape(tf.div(tf.add(x, 1), 2), [n, -1]);
    const p = tf.clipByValue(
      tf.reshape(tf.div(tf.add(decoded, 1), 2), [n, -1]),
      EPSILON,
      1 - EPSILON,
    );
    const logLikelihood = tf.add(
      tf.mul(target, tf.log(p)),
      tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))),
    );
    const reconstruction = tf.neg(tf.mean(tf.sum(logLikelihood, 1))) as tf.Scalar;
    const klPerSample = tf.mul(
      -0.5,
      tf.sum(tf.sub(tf.sub(tf.add(1, logVariance), tf.square(mean)), tf.exp(logVariance)), 1),
    );
    return { reconstruction, kl: tf.mean(klPerSample) as tf.Scalar };
  });
}

/** Trains `options.pair` as a VAE (encoder = its discriminator with 2 · latent outputs). */
export async function trainVae(options: TrainOptions): Promise<TrainOutcome> {
  const { dataset, pair, hyper, budget } = options;
  const decoder = pair.generator, encoder = pair.discriminator;
  const latentDim = decoder.latentDim;
  const dataRng = options.rng.stream("data");
  const noiseRng = options.rng.stream("noise");
  const optimizer = flatAdam(hyper.lrG, hyper.beta1, hyper.beta2);
  const variables = [...decoder.variables, ...encoder.variables];
  try {
    return await runTrainingLoop({
      budget,
      evaluate: (at) => options.evaluate(decoder, at),
      onProgress: options.onProgress,
      async step(_g, logging) {
        const n = budget.batchSize;
        const [update] = await applyUpdates(() => {
          const x = tf.tensor(dataset.sample(n, dataRng), [n, ...dataset.sampleShape]);
          const noise = latentBatch(n, latentDim, noiseRng);
          return [{
            optimizer,
            variables,
            normGroups: [encoder.variables, decoder.variables],
            objective(record) {
              const encoded = encoder.discriminate(x).logits;
              const mean = tf.slice(encoded, [0, 0], [n, latentDim]) as tf.Tensor2D;
              const logVariance = tf.slice(encoded, [0, latentDim], [n, latentDim]) as tf.Tensor2D;
              const z = tf.add(
                mean,
                tf.mul(tf.exp(tf.mul(0.5, logVariance)), noise),
              ) as tf.Tensor2D;
              const terms = vaeLossTerms(x, decoder.generate(z), mean, logVariance);
              record(terms.kl);
              return tf.add(terms.reconstruction, terms.kl) as tf.Scalar;
            },
          }];
        }, logging);
        const { loss, norms: [normD, normG], recorded: [kl] } = update;
        encoder.afterStep?.();
        return reportStep({ lossesD: [kl], lossG: loss, normD, normG });
      },
    });
  } finally {
    optimizer.dispose();
  }
}
