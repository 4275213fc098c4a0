/**
 * Test-only registry entries: two tiny 2-D datasets and two variants that a suite trains in
 * milliseconds, so the end-to-end tests exercise the whole command-line path (suite file, cells,
 * training, the `modes` metric, result store, resume, leaderboards) in seconds. Importing this
 * module registers them in the production registries of the importing thread only; nothing in src/
 * imports it, so `deno task list` and the bundled suites never see them.
 *
 * @module
 */
import { DATASETS } from "../../src/data/mod.ts";
import { mixtureDataset } from "../../src/data/mixtures.ts";
import { LOSSES, VARIANTS } from "../../src/losses/mod.ts";
import { METRICS, NON_NEGATIVE } from "../../src/metrics/mod.ts";
import type { Metric } from "../../src/metrics/metric.ts";

/** Two Gaussians at (±1, 0), std 0.05: two modes a tiny generator can cover or miss. */
export const TINY_PAIR = "tiny-pair";
/** Four Gaussians at (±1, ±1), std 0.05. */
export const TINY_SQUARE = "tiny-square";
/** The non-saturating loss with no regulariser. */
export const TINY_GAN = "tiny-gan";
/** The Wasserstein critic with a gradient penalty of 1 (a regulariser and a second-order gradient). */
export const TINY_WGAN_GP = "tiny-wgan-gp";

DATASETS.register(
  TINY_PAIR,
  mixtureDataset(TINY_PAIR, "test only: 2 Gaussians at (±1, 0), std 0.05", {
    centres: [[-1, 0], [1, 0]],
    std: 0.05,
  }),
);
DATASETS.register(
  TINY_SQUARE,
  mixtureDataset(TINY_SQUARE, "test only: 4 Gaussians at (±1, ±1), std 0.05", {
    centres: [[-1, -1], [-1, 1], [1, -1], [1, 1]],
    std: 0.05,
  }),
);
VARIANTS.register(TINY_GAN, {
  description: "test only: non-saturating GAN",
  loss: "non-saturating",
  regularisers: {},
  defaults: {},
});
VARIANTS.register(TINY_WGAN_GP, {
  description: "test only: Wasserstein critic with gradient penalty 1, k = 2",
  loss: "wasserstein",
  regularisers: { "gradient-penalty": 1 },
  defaults: { k: 2, beta1: 0, beta2: 0.9 },
});

/** The non-saturating loss, counting the generator updates it takes part in (a trainer spy). */
export const TINY_COUNTED = "tiny-counted";
/** Generator losses computed by {@linkcode TINY_COUNTED} so far in this process: training steps. */
export const trainingSteps = { count: 0 };
const nonSaturating = LOSSES.get("non-saturating");
LOSSES.register(TINY_COUNTED, {
  description: "test only: the non-saturating loss, counting generator updates",
  discriminatorLoss: (real, fake) => nonSaturating.discriminatorLoss(real, fake),
  generatorLoss(fake, real) {
    trainingSteps.count++;
    return nonSaturating.generatorLoss(fake, real);
  },
});
VARIANTS.register(TINY_COUNTED, {
  description: "test only: non-saturating GAN whose generator updates are counted",
  loss: TINY_COUNTED,
  regularisers: {},
  defaults: {},
});

/**
 * A metric a suite copy adds: the mean distance between consecutive samples (the issue's
 * "mean pairwise distance", over pairs (0, 1), (2, 3), ...). Its `version` is writable, as a
 * metric whose computation changed would bump it.
 */
export const TINY_SPREAD = "tiny-spread";
/** Evaluations of {@linkcode TINY_SPREAD} so far in this process. */
export const spreadEvaluations = { count: 0 };
/** The registered entry, whose `version` a test bumps. */
export const tinySpread: Metric & { version: number } = {
  name: TINY_SPREAD,
  version: 1,
  description: "test only: mean distance between consecutive pairs of samples",
  inputs: ["samples"],
  figures: [{
    key: "tiny-spread.distance",
    label: "spread",
    higherIsBetter: true,
    description: "mean distance between samples 2i and 2i + 1",
    bounds: NON_NEGATIVE,
    dependsOnSampleSize: false,
  }],
  unsupportedReason: (dataset) =>
    dataset.sampleShape.join() === "2" ? undefined : "it scores 2-D samples only",
  evaluate(samples) {
    spreadEvaluations.count++;
    let sum = 0;
    const pairs = Math.floor(samples.length / 4);
    for (let i = 0; i < pairs; i++) {
      sum += Math.hypot(
        samples[4 * i] - samples[4 * i + 2],
        samples[4 * i + 1] - samples[4 * i + 3],
      );
    }
    // The version scales the figure, so that a "changed" metric gives other numbers.
    return { "tiny-spread.distance": (tinySpread.version * sum) / pairs };
  },
};
METRICS.register(TINY_SPREAD, tinySpread);
