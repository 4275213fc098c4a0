/**
 * Synthetic 2-D Gaussian mixtures (the VEEGAN / PacGAN protocol).
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";
import type { Dataset, MixtureSpec } from "./dataset.ts";

/**
 * `count` centres evenly spaced on a circle of `radius`. The angle is 2πk/count for
 * k = 0..count-1: sampling both end points of [0, 2π] would give count-1 distinct modes.
 */
export function ringCentres(count: number, radius = 1): number[][] {
  return Array.from({ length: count }, (_, k) => {
    const angle = (2 * Math.PI * k) / count;
    return [radius * Math.cos(angle), radius * Math.sin(angle)];
  });
}

/** Centres on the square grid `values` x `values`. */
export function gridCentres(values: number[]): number[][] {
  return values.flatMap((x) => values.map((y) => [x, y]));
}

/** A dataset drawing uniformly over the modes of `mixture`, isotropic Gaussian noise around each. */
export function mixtureDataset(name: string, description: string, mixture: MixtureSpec): Dataset {
  const dim = mixture.centres[0].length;
  /** Samples labelled with their mode's index (the class of a conditional model). */
  const sampleWithLabels = (n: number, rng: Rng) => {
    const samples = new Float32Array(n * dim);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.int(mixture.centres.length);
      const centre = mixture.centres[labels[i]];
      for (let d = 0; d < dim; d++) samples[i * dim + d] = centre[d] + mixture.std * rng.normal();
    }
    return { samples, labels };
  };
  return {
    name,
    description,
    sampleShape: [dim],
    mixture,
    classes: mixture.centres.length,
    sample: (n: number, rng: Rng) => sampleWithLabels(n, rng).samples,
    sampleWithLabels,
  };
}

/** 8 Gaussians on the unit circle, std 0.01. */
export const ring8: Dataset = mixtureDataset(
  "ring8",
  "8 Gaussians at (cos 2πk/8, sin 2πk/8), std 0.01",
  { centres: ringCentres(8), std: 0.01 },
);

/** 25 Gaussians on {-4,-2,0,2,4}², std 0.05 (PacGAN). */
export const grid25: Dataset = mixtureDataset(
  "grid25",
  "25 Gaussians at {-4,-2,0,2,4}², std 0.05",
  { centres: gridCentres([-4, -2, 0, 2, 4]), std: 0.05 },
);
