/**
 * Stacked MNIST (Metz et al. 2017; VEEGAN, PacGAN): three MNIST training digits drawn
 * independently as the R, G and B channels of one 28x28x3 image, so that the data has
 * 10³ = 1000 modes (digit triples). The label of a sample is 100·d_R + 10·d_G + d_B.
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";
import type { Dataset } from "./dataset.ts";
import type { ImageSet } from "./images.ts";
import { loadMnist } from "./mnist.ts";

/** Pixels per channel. */
const PIXELS = 784;

/** The stacked-MNIST dataset over a lazily loaded MNIST split. */
export function stackedMnistDataset(load: () => ImageSet = () => loadMnist("train")): Dataset {
  let cached: ImageSet | undefined;
  const set = () => (cached ??= load());
  const sampleWithLabels = (n: number, rng: Rng) => {
    const digits = set();
    const samples = new Float32Array(n * PIXELS * 3);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let label = 0;
      for (let c = 0; c < 3; c++) {
        const index = rng.int(digits.count);
        const base = index * PIXELS;
        for (let p = 0; p < PIXELS; p++) {
          samples[(i * PIXELS + p) * 3 + c] = digits.images[base + p] / 127.5 - 1;
        }
        label = 10 * label + digits.labels[index];
      }
      labels[i] = label;
    }
    return { samples, labels };
  };
  return {
    name: "stacked-mnist",
    description: "three MNIST digits as the RGB channels of a 28x28x3 image: 1000 modes",
    sampleShape: [28, 28, 3],
    range: [-1, 1],
    classes: 1000,
    sample: (n: number, rng: Rng) => sampleWithLabels(n, rng).samples,
    sampleWithLabels,
  };
}

/** Stacked MNIST from the MNIST training split. */
export const stackedMnist: Dataset = stackedMnistDataset();
