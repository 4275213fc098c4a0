/**
 * The dataset interface every data source implements.
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";

/** A Gaussian mixture's layout, used by the mode-coverage metric. */
export interface MixtureSpec {
  /** Mode centres, one `[x, y, ...]` per mode. */
  centres: number[][];
  /** Per-coordinate standard deviation of every mode. */
  std: number;
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
  /** For labelled image data: the whole training split (loaded on first call). */
  labelled?(): LabelledImages;
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
