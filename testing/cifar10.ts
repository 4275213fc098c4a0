/**
 * Synthetic CIFAR-10 batches in the official binary format (1 label byte + 3,072 planar RGB bytes
 * per record), for the tests of the loader and of the `cifar10` suite: the real files cannot be
 * downloaded here.
 *
 * @module
 */
import { join } from "node:path";
import {
  CIFAR10_FOLDER,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
} from "../src/data/cifar10.ts";
import {
  buildClassifier,
  FEATURE_LAYER,
  type FeatureNetManifest,
  saveClassifier,
} from "../src/metrics/classifier_net.ts";

/**
 * The byte at `offset` of record `record` of file `file` (0-4 training, 5 test): the label
 * `(file · records + record) mod 10` at offset 0, then pixels that depend on all three.
 */
export function syntheticByte(file: number, record: number, offset: number): number {
  if (offset === 0) return 0;
  return (file * 37 + record * 11 + offset * 7 + ((offset * offset) >> 5)) & 255;
}

/**
 * Writes the six batch files, `records` records each, into `root/cifar-10-batches-bin/` and
 * returns that folder.
 */
export async function writeSyntheticCifar10(root: string, records: number): Promise<string> {
  const folder = join(root, CIFAR10_FOLDER);
  await Deno.mkdir(folder, { recursive: true });
  const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  for (const [file, name] of files.entries()) {
    const bytes = new Uint8Array(records * CIFAR10_RECORD_BYTES);
    for (let r = 0; r < records; r++) {
      const base = r * CIFAR10_RECORD_BYTES;
      bytes[base] = (file * records + r) % 10;
      for (let o = 1; o < CIFAR10_RECORD_BYTES; o++) bytes[base + o] = syntheticByte(file, r, o);
    }
    await Deno.writeFile(join(folder, name), bytes);
  }
  return folder;
}

/**
 * Writes an untrained `cifar10-net` (seeded random weights, the real network's layers) with its
 * manifest into `root/cifar10/`, for runs that need the network but not its accuracy; `root` is
 * then a `GANBENCH_FEATURE_NETS` folder.
 */
export async function writeUntrainedCifar10Net(root: string): Promise<void> {
  const dir = join(root, "cifar10");
  const sha256 = await saveClassifier(buildClassifier(0, 10, [32, 32, 3]), dir);
  const manifest: FeatureNetManifest = {
    name: "cifar10",
    label: "cifar10-net",
    dataset: "cifar10",
    description: "test only: untrained",
    featureLayer: FEATURE_LAYER,
    featureDim: 128,
    classes: 10,
    inputShape: [32, 32, 3],
    testAccuracy: 0.1,
    testSamples: 1,
    training: {
      seed: 0,
      epochs: 1,
      batchSize: 1,
      learningRate: 0,
      steps: 1,
      backend: "none",
      tfjs: "none",
      seconds: 0,
    },
    sha256,
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest));
}
