/**
 * The dataset interface every data source implements.
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";
import type { TrainingSetSpec } from "./training_set.ts";

/** A Gaussian mixture's layout, used by the mode-coverage metric. */
export interface MixtureSpec {
  /** Mode centres, one `[x, y, ...]` per mode. */
  centres: number[][];
  /** Per-coordinate standard deviation of every mode. */
  std: number;
}

/**
 * Two domains A and B related by a known map T (b = T(a)), for unpaired translation (CycleGAN).
 * The dataset's own samples are domain A's training samples; B's come from a disjoint part of the
 * data, so that no b is the image of a drawn a. The held-out samples, which neither draws, score
 * a translator against T.
 */
export interface DomainTranslation {
  /** One line: what T does, e.g. "b = −a (pixel inversion)". */
  readonly map: string;
  /** Draws `n` training samples of domain B from `rng`. */
  sampleB(n: number, rng: Rng): Float32Array;
  /** Held-out samples of A available to {@linkcode DomainTranslation.heldOut} (and as many to `reference`). */
  readonly heldOutSize: number;
  /**
   * The first `n` held-out samples of A (the same for every cell), with their labels: the class of
   * a digit, the mode of a mixture sample.
   */
  heldOut(n: number): { samples: Float32Array; labels: Int32Array };
  /** `n` further held-out samples of A, none of `heldOut`'s: the real side of a distribution match. */
  reference(n: number): Float32Array;
  /** T, on row-major samples of the dataset's shape. */
  forward(samples: Float32Array): Float32Array;
  /** T⁻¹, on row-major samples of the dataset's shape. */
  inverse(samples: Float32Array): Float32Array;
  /** For point domains: A's mixture, and B's (T of A's centres; its label k is T of A's mode k). */
  readonly mixtures?: { a: MixtureSpec; b: MixtureSpec };
}

/** A source of real samples. */
export interface Dataset {
  /** Registered name. */
  readonly name: string;
  /** One-line description for `list`. */
  readonly description: string;
  /** Shape of one sample, e.g. `[2]` or `[28, 28, 1]`. */
  readonly sampleShape: number[];
  /** Draws `n` samples, row-major and flattened, from `rng`. */
  sample(n: number, rng: Rng): Float32Array;
  /** Number of classes, for labelled data (class-conditional models, per-class metrics). */
  readonly classes?: number;
  /**
   * Draws `n` samples with their class labels in [0, classes), for labelled data. Draws the same
   * samples as {@linkcode Dataset.sample} from the same `rng` state.
   */
  sampleWithLabels?(n: number, rng: Rng): { samples: Float32Array; labels: Int32Array };
  /** Present for synthetic mixtures. */
  readonly mixture?: MixtureSpec;
  /** The interval every sample value lies in (pixels: [−1, 1]); absent for unbounded data. */
  readonly range?: readonly [min: number, max: number];
  /** Present for translation datasets: domain B and the map T from A (the samples) to it. */
  readonly translation?: DomainTranslation;
  /**
   * Set when a run trains on a fixed set drawn once from its seed instead of fresh samples for
   * every batch (the replication datasets; see training_set.ts).
   */
  readonly trainingSet?: TrainingSetSpec;
  /**
   * Why the dataset cannot be read on this machine (data the user supplies, e.g. CIFAR-10, that
   * is absent or malformed), or undefined when it can; absent for data that ships with ganbench.
   */
  unavailableReason?(): string | undefined;
  /**
   * The whole training split, for figures computed against all of it rather than a draw (FID
   * against the training set's statistics, as published CIFAR-10 FIDs are).
   */
  readonly trainingSplit?: TrainingSplit;
}

/** Every training sample of a dataset, in a fixed order. */
export interface TrainingSplit {
  /** How many there are. */
  count(): number;
  /** Samples `start` to `start + count − 1`, row-major, as {@linkcode Dataset.sample} gives them. */
  samples(start: number, count: number): Float32Array;
}

/** Labelled single-channel images, row-major uint8 pixels. */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Number of values in one sample. */
export function sampleSize(dataset: Dataset): number {
  return dataset.sampleShape.reduce((a, b) => a * b, 1);
}
