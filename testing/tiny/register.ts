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
import { VARIANTS } from "../../src/losses/mod.ts";

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
