/**
 * The Gaussian mixtures of the papers the replication suites follow, with their exact geometry
 * and training sets.
 *
 * - PacGAN (Lin et al. 2018; the authors' `synthetic_data_experiments` configs): the ring of 8
 *   (radius 1, std 0.01) and the grid of 25 ({-4,-2,0,2,4}², std 0.05), each trained on 100,000
 *   points drawn once per run (`GaussianPackingMixture`), read in packs of resampled points.
 * - WGAN-GP's toy script (Gulrajani et al. 2017, `gan_toy.py`): 8 Gaussians at (±1, 0), (0, ±1),
 *   (±1/√2, ±1/√2) scaled by 2 with std 0.02, all divided by 1.414 (fresh points for every batch),
 *   and 25 Gaussians at {-2..2}² scaled by 2 with std 0.05, divided by 2.828: a fixed set of
 *   100,000 points, 4,000 per mode, shuffled once and read in that order.
 *
 * @module
 */
import type { Dataset } from "./dataset.ts";
import { gridCentres, mixtureDataset, ringCentres } from "./mixtures.ts";
import type { TrainingSetSpec } from "./training_set.ts";

/** PacGAN's training set: 100,000 points drawn once, read as reshuffled packs (Fuel's stream). */
export const PACGAN_TRAINING_SET: TrainingSetSpec = {
  size: 100_000,
  modes: "random",
  order: "reshuffled-packs",
};

/** PacGAN's 2-D ring: 8 Gaussians at (cos 2πk/8, sin 2πk/8), std 0.01, 100,000 training points. */
export const pacganRing8: Dataset = {
  ...mixtureDataset(
    "pacgan-ring8",
    "PacGAN's ring: 8 Gaussians at (cos 2πk/8, sin 2πk/8), std 0.01; 100,000 training points per run",
    { centres: ringCentres(8), std: 0.01 },
  ),
  trainingSet: PACGAN_TRAINING_SET,
};

/** PacGAN's 2-D grid: 25 Gaussians at {-4,-2,0,2,4}², std 0.05, 100,000 training points. */
export const pacganGrid25: Dataset = {
  ...mixtureDataset(
    "pacgan-grid25",
    "PacGAN's grid: 25 Gaussians at {-4,-2,0,2,4}², std 0.05; 100,000 training points per run",
    { centres: gridCentres([-4, -2, 0, 2, 4]), std: 0.05 },
  ),
  trainingSet: PACGAN_TRAINING_SET,
};

/** The divisor `gan_toy.py` scales its 8 Gaussians by ("stdev"). */
export const WGAN_GP_8_SCALE = 1.414;
/** The divisor `gan_toy.py` scales its 25 Gaussians by. */
export const WGAN_GP_25_SCALE = 2.828;

/** The unit directions of `gan_toy.py`'s 8 Gaussians, in its order. */
const EIGHT_DIRECTIONS = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [1 / Math.sqrt(2), 1 / Math.sqrt(2)],
  [1 / Math.sqrt(2), -1 / Math.sqrt(2)],
  [-1 / Math.sqrt(2), 1 / Math.sqrt(2)],
  [-1 / Math.sqrt(2), -1 / Math.sqrt(2)],
];

/** WGAN-GP's 8 Gaussians: centres 2·u/1.414 for the 8 unit directions u, std 0.02/1.414. */
export const wganGp8Gaussians: Dataset = mixtureDataset(
  "wgan-gp-8gaussians",
  "WGAN-GP's 8 Gaussians: (±1, 0), (0, ±1), (±1/√2, ±1/√2) x 2, std 0.02, all / 1.414; fresh points per batch",
  {
    centres: EIGHT_DIRECTIONS.map(([x, y]) => [2 * x / WGAN_GP_8_SCALE, 2 * y / WGAN_GP_8_SCALE]),
    std: 0.02 / WGAN_GP_8_SCALE,
  },
);

/** WGAN-GP's 25 Gaussians: centres 2·{-2..2}²/2.828, std 0.05/2.828, a fixed set of 100,000. */
export const wganGp25Gaussians: Dataset = {
  ...mixtureDataset(
    "wgan-gp-25gaussians",
    "WGAN-GP's 25 Gaussians: {-2..2}² x 2, std 0.05, all / 2.828; 100,000 training points (4,000 per mode) per run",
    {
      centres: gridCentres([-2, -1, 0, 1, 2].map((v) => 2 * v / WGAN_GP_25_SCALE)),
      std: 0.05 / WGAN_GP_25_SCALE,
    },
  ),
  trainingSet: { size: 100_000, modes: "balanced", order: "fixed-order" },
};
