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
import type { TrainOptions, TrainOutcome } from "./train.ts";
import { flatAdam } from "./optimizers.ts";

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

function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
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
        const outputs = tf.tidy(() => {
          const x = tf.tensor(dataset.sample(n, dataRng), [n, ...dataset.sampleShape]);
          const noise = tf.tensor2d(noiseRng.normals(n * latentDim), [n, latentDim]);
          let kl: tf.Scalar | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const encoded = encoder.discriminate(x).logits;
            const mean = tf.slice(encoded, [0, 0], [n, latentDim]) as tf.Tensor2D;
            const logVariance = tf.slice(encoded, [0, latentDim], [n, latentDim]) as tf.Tensor2D;
            const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVariance)), noise)) as tf.Tensor2D;
            const terms = vaeLossTerms(x, decoder.generate(z), mean, logVariance);
            kl = tf.keep(terms.kl);
            return tf.add(terms.reconstruction, terms.kl) as tf.Scalar;
          }, variables);
          const gradsOf = (vs: tf.Variable[]) => vs.map((v) => grads[v.name]);
          const norms = logging
            ? [globalNorm(gradsOf(encoder.variables)), globalNorm(gradsOf(decoder.variables))]
            : [tf.scalar(-1), tf.scalar(-1)];
          optimizer.applyGradients(grads);
          const stacked = tf.stack([value, kl!, ...norms]);
          kl!.dispose(); // kept out of the objective's tidy to be read here
          return stacked;
        });
        const [loss, kl, normD, normG] = await outputs.data();
        outputs.dispose();
        const diverged = !Number.isFinite(loss) || (logging && !Number.isFinite(normG));
        return {
          lossesD: [kl],
          lossG: loss,
          normD,
          normG,
          ...(diverged ? { diverged: "G" as const } : {}),
        };
      },
    });
  } finally {
    optimizer.dispose();
  }
}
