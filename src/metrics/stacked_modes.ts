/**
 * Mode coverage on stacked MNIST: ganbench's MNIST classifier reads each channel of a generated
 * 28x28x3 sample as a digit; the triple is the sample's mode (1000 in all). Reports the modes
 * found and the KL divergence of the triples' histogram to uniform, as Unrolled GAN, VEEGAN and
 * PacGAN do (they classify 26k samples; the suite's `evalSamples` sets the count here and the
 * result records it).
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import { classifierFeatures } from "./extractors.ts";
import { type Metric, NON_NEGATIVE } from "./metric.ts";

/** The number of digit triples. */
export const STACKED_MODES = 1000;

/** Modes covered and KL(histogram ‖ uniform over 1000) of mode indices in [0, 1000). */
export function tripleCoverage(triples: ArrayLike<number>): { covered: number; kl: number } {
  const counts = new Float64Array(STACKED_MODES);
  for (let i = 0; i < triples.length; i++) counts[triples[i]]++;
  let covered = 0, kl = 0;
  for (const count of counts) {
    if (count === 0) continue;
    covered++;
    const p = count / triples.length;
    kl += p * Math.log(p * STACKED_MODES);
  }
  return { covered, kl };
}

const isStacked = (dataset: Dataset) =>
  dataset.sampleShape.length === 3 && dataset.sampleShape[0] === 28 &&
  dataset.sampleShape[1] === 28 && dataset.sampleShape[2] === 3;

/** The `stacked-modes` metric. */
export const stackedModesMetric: Metric = {
  description:
    "stacked-MNIST modes: digit triples found by mnist-net per channel (of 1000), KL to uniform",
  figures: [
    {
      key: "stacked-modes.covered",
      label: "modes[mnist-net]",
      higherIsBetter: true,
      bounds: { min: 0, max: 1000 },
      description: "digit triples (of 1000) among the generated samples, read by mnist-net",
    },
    {
      key: "stacked-modes.kl",
      label: "KL[mnist-net]",
      higherIsBetter: false,
      bounds: NON_NEGATIVE,
      description: "KL(histogram of triples ‖ uniform over 1000), nats",
    },
  ],
  extraKeys: ["stacked-modes.samples"],
  unsupportedReason: (dataset) =>
    isStacked(dataset) ? undefined : `dataset '${dataset.name}' is not 28x28x3 stacked MNIST`,
  async evaluate(samples) {
    const n = samples.length / (784 * 3);
    // Channel c of every sample as a grey image, the three channels one after another.
    const channels = new Float32Array(3 * n * 784);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 784; p++) {
        for (let c = 0; c < 3; c++) {
          channels[(c * n + i) * 784 + p] = samples[(i * 784 + p) * 3 + c];
        }
      }
    }
    const { probabilities } = await classifierFeatures("mnist", channels, 3 * n);
    const digit = (row: number) => {
      let best = 0;
      for (let k = 1; k < 10; k++) {
        if (probabilities.data[row * 10 + k] > probabilities.data[row * 10 + best]) best = k;
      }
      return best;
    };
    const triples = Int32Array.from(
      { length: n },
      (_, i) => 100 * digit(i) + 10 * digit(n + i) + digit(2 * n + i),
    );
    const { covered, kl } = tripleCoverage(triples);
    return {
      "stacked-modes.covered": covered,
      "stacked-modes.kl": kl,
      "stacked-modes.samples": n,
    };
  },
};
