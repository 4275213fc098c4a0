/**
 * ganbench's own feature networks for 28x28 data (`--features mnist|fashion`): small convolutional
 * classifiers trained by `scripts/train_feature_net.ts` on a dataset's training split, stored as a
 * TF.js layers model (`model.json` + `weights.bin`) under `fixtures/features/<name>/` with a
 * manifest recording their test accuracy, feature layer and checksums, verified at load.
 *
 * These are not Inception networks: a figure computed through them is named e.g. `fid[mnist-net]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.ts";

/** The layer whose activations are the features (FID/KID/PRC/DC). */
export const FEATURE_LAYER = "features";
/** The softmax layer (Inception Score, classifier accuracy, mode counting). */
export const PROBABILITY_LAYER = "probabilities";

/** Where the committed feature networks live. */
export const FEATURE_NET_DIR = new URL("../../fixtures/features/", import.meta.url).pathname;

/**
 * The environment variable naming another folder of feature networks (one subfolder per network),
 * e.g. for a `cifar10-net` trained outside the repository; default {@linkcode FEATURE_NET_DIR}.
 */
export const FEATURE_NETS_ENV = "GANBENCH_FEATURE_NETS";

/** The folder of feature network `name`: under `GANBENCH_FEATURE_NETS`, else the fixtures'. */
export function featureNetDir(name: string): string {
  return join(Deno.env.get(FEATURE_NETS_ENV) || FEATURE_NET_DIR, name);
}

/**
 * The classifier: two strided 5x5 convolutions (32 and 64 channels, ReLU), a 128-unit ReLU dense
 * layer (the features) and a 10-way softmax. Strided convolutions instead of max-pooling because
 * the wasm backend has no max-pool gradient kernel. Input: `inputShape` ([28, 28, 1] for the MNIST
 * networks, [32, 32, 3] for CIFAR-10's) in [−1, 1].
 */
export function buildClassifier(
  seed: number,
  classes = 10,
  inputShape: readonly [number, number, number] = [28, 28, 1],
): tf.Sequential {
  let layerSeed = seed;
  const init = () => tf.initializers.glorotUniform({ seed: layerSeed++ });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [...inputShape],
        filters: 32,
        kernelSize: 5,
        strides: 2,
        padding: "same",
        activation: "relu",
        kernelInitializer: init(),
        name: "conv1",
      }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 5,
        strides: 2,
        padding: "same",
        activation: "relu",
        kernelInitializer: init(),
        name: "conv2",
      }),
      tf.layers.flatten({ name: "flatten" }),
      tf.layers.dense({
        units: 128,
        activation: "relu",
        kernelInitializer: init(),
        name: FEATURE_LAYER,
      }),
      tf.layers.dense({
        units: classes,
        activation: "softmax",
        kernelInitializer: init(),
        name: PROBABILITY_LAYER,
      }),
    ],
  });
}

/** The manifest stored next to a feature network. */
export const FeatureNetManifest = z.object({
  name: z.string(),
  /** The label figures carry, e.g. `mnist-net`. */
  label: z.string(),
  dataset: z.string(),
  description: z.string(),
  featureLayer: z.string(),
  featureDim: z.int().positive(),
  classes: z.int().positive(),
  /** The images it takes, `[height, width, channels]` (absent: MNIST's [28, 28, 1]). */
  inputShape: z.tuple([z.int().positive(), z.int().positive(), z.int().positive()]).optional(),
  testAccuracy: z.number(),
  testSamples: z.int().positive(),
  training: z.object({
    seed: z.int(),
    epochs: z.int().positive(),
    batchSize: z.int().positive(),
    learningRate: z.number(),
    steps: z.int().positive(),
    backend: z.string(),
    tfjs: z.string(),
    seconds: z.number(),
  }),
  sha256: z.object({ "model.json": z.string(), "weights.bin": z.string() }),
});
/** A parsed {@linkcode FeatureNetManifest}. */
export type FeatureNetManifest = z.infer<typeof FeatureNetManifest>;

/** Raised when a feature network is missing or fails its checksum; one line for the user. */
export class FeatureNetError extends UserError {
  override name = "FeatureNetError";
  override readonly code: string = "feature-net";
}

/** sha256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A loaded feature network. */
export interface FeatureNet {
  manifest: FeatureNetManifest;
  /** Features and class probabilities of [n, ...inputShape] images in [−1, 1]. */
  predict(images: tf.Tensor4D): { features: tf.Tensor2D; probabilities: tf.Tensor2D };
}

/** Serialises a trained classifier into `dir` (model.json + weights.bin); returns their sha256. */
export async function saveClassifier(
  model: tf.LayersModel,
  dir: string,
): Promise<FeatureNetManifest["sha256"]> {
  await Deno.mkdir(dir, { recursive: true });
  let hashes: FeatureNetManifest["sha256"] | undefined;
  await model.save({
    save: async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const json = new TextEncoder().encode(
        JSON.stringify({
          format: "layers-model",
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
        }) + "\n",
      );
      await Deno.writeFile(join(dir, "weights.bin"), weights);
      await Deno.writeFile(join(dir, "model.json"), json);
      hashes = { "model.json": sha256(json), "weights.bin": sha256(weights) };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    },
  });
  return hashes!;
}

const loaded = new Map<string, Promise<FeatureNet>>();

/** Loads (once per process) the committed feature network `name`, verifying its checksums. */
export function loadFeatureNet(
  name: string,
  dir = featureNetDir(name),
): Promise<FeatureNet> {
  const key = join(dir);
  if (!loaded.has(key)) loaded.set(key, readFeatureNet(name, dir));
  return loaded.get(key)!;
}

async function readFeatureNet(name: string, dir: string): Promise<FeatureNet> {
  const read = async (file: string) => {
    try {
      return await Deno.readFile(join(dir, file));
    } catch {
      throw new FeatureNetError(
        `feature network '${name}' is missing '${
          join(dir, file)
        }': run scripts/train_feature_net.ts ${name}`,
      );
    }
  };
  let manifest: FeatureNetManifest;
  try {
    manifest = FeatureNetManifest.parse(
      JSON.parse(new TextDecoder().decode(await read("manifest.json"))),
    );
  } catch (error) {
    if (error instanceof FeatureNetError) throw error;
    throw new FeatureNetError(`feature network '${name}' has an invalid manifest.json`);
  }
  const json = await read("model.json");
  const weights = await read("weights.bin");
  for (const [file, bytes] of [["model.json", json], ["weights.bin", weights]] as const) {
    const actual = sha256(bytes);
    if (actual !== manifest.sha256[file]) {
      throw new FeatureNetError(
        `feature network '${name}': '${file}' is corrupt (sha256 ${actual}, manifest says ${
          manifest.sha256[file]
        })`,
      );
    }
  }
  const parsed = JSON.parse(new TextDecoder().decode(json));
  const model = await tf.loadLayersModel({
    load: () =>
      Promise.resolve({
        modelTopology: parsed.modelTopology,
        weightSpecs: parsed.weightsManifest[0].weights,
        weightData: weights.slice().buffer,
      }),
  });
  const twoHeads = tf.model({
    inputs: model.inputs,
    outputs: [
      model.getLayer(manifest.featureLayer).output as tf.SymbolicTensor,
      model.outputs[0],
    ],
  });
  return {
    manifest,
    predict(images) {
      const [features, probabilities] = twoHeads.predict(images) as tf.Tensor2D[];
      return { features, probabilities };
    },
  };
}
