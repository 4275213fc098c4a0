/**
 * The Dirac-GAN data distribution (Mescheder, Geiger & Nowozin 2018): a point mass at 0.
 *
 * @module
 */
import type { Dataset } from "./dataset.ts";

/** A point mass at 0 in one dimension. */
export const dirac: Dataset = {
  name: "dirac",
  description: "point mass at 0 (Dirac-GAN, Mescheder et al. 2018)",
  sampleShape: [1],
  range: [0, 0],
  sample: (n) => new Float32Array(n),
};
