/**
 * The dataset registry.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import type { Dataset } from "./dataset.ts";
import { dirac } from "./dirac.ts";
import { fashion } from "./fashion.ts";
import { mnist } from "./mnist.ts";
import { grid25, ring8 } from "./mixtures.ts";

import { stackedMnist } from "./stacked_mnist.ts";
export type { Dataset, LabelledImages, MixtureSpec } from "./dataset.ts";
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
