/**
 * The dataset registry.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import type { Dataset } from "./dataset.ts";
import { cifar10 } from "./cifar10.ts";
import { dirac } from "./dirac.ts";
import { fashion } from "./fashion.ts";
import { mnist } from "./mnist.ts";
import { grid25, ring8 } from "./mixtures.ts";
import {
  pacganGrid25,
  pacganRing8,
  wganGp25Gaussians,
  wganGp8Gaussians,
} from "./paper_mixtures.ts";
import { mnistInverted, mnistRotated, ring8Rotated } from "./paired_domains.ts";

import { stackedMnist } from "./stacked_mnist.ts";
export type {
  Dataset,
  DomainTranslation,
  LabelledImages,
  MixtureSpec,
  TrainingSplit,
} from "./dataset.ts";
export { DatasetError } from "./images.ts";
export { sampleSize } from "./dataset.ts";

/** Every dataset a suite may name. */
export const DATASETS: Registry<Dataset> = new Registry<Dataset>("dataset");
DATASETS.register(ring8.name, ring8);
DATASETS.register(grid25.name, grid25);
DATASETS.register(dirac.name, dirac);
DATASETS.register(mnist.name, mnist);
DATASETS.register(fashion.name, fashion);
DATASETS.register(stackedMnist.name, stackedMnist);
DATASETS.register(cifar10.name, cifar10);
DATASETS.register(mnistInverted.name, mnistInverted);
DATASETS.register(mnistRotated.name, mnistRotated);
DATASETS.register(ring8Rotated.name, ring8Rotated);
// The replication suites' mixtures (paper_mixtures.ts).
for (const dataset of [pacganRing8, pacganGrid25, wganGp8Gaussians, wganGp25Gaussians]) {
  DATASETS.register(dataset.name, dataset);
}
