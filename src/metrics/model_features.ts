/**
 * Features from a user-supplied TensorFlow.js model (`--features inception=PATH`), e.g. an
 * InceptionV3 converted with tensorflowjs_converter: a graph model or a layers model read from
 * PATH (a folder holding model.json, or model.json itself), evaluated at a chosen node on images
 * resized to the model's input size and scaled to [−1, 1] (Keras' Inception preprocessing).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import type { FeatureMatrix } from "./features.ts";
import { UserError } from "../errors.ts";

/** Raised for an unreadable or unusable model; one line for the user. */
export class ModelFeatureError extends UserError {
  override name = "ModelFeatureError";
  override readonly code: string = "model-features";
}

/** Images, row-major N x H x W x C, values in [0, 1]. */
export interface ImageBatch {
  data: Float32Array | Float64Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** How to run the model. */
export interface ModelFeatureOptions {
  /** Side of the square input the model expects (default 299, InceptionV3's). */
  inputSize: number;
  /** Output node (graph model) or layer name (layers model); default: the model's output. */
  node?: string;
  /** Images per forward pass. */
  batchSize: number;
}

interface LoadedModel {
  run(batch: tf.Tensor4D): tf.Tensor;
  /** Channels of the model's input (grey images are repeated to fill 3). */
  inputChannels: number;
}

/** Reads model.json and its weight shards into in-memory artifacts. */
async function readArtifacts(path: string): Promise<tf.io.ModelArtifacts & { format?: string }> {
  const jsonPath = path.endsWith(".json") ? path : join(path, "model.json");
  let json;
  try {
    json = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (error) {
    throw new ModelFeatureError(`cannot read model '${jsonPath}': ${(error as Error).message}`);
  }
  const manifest = (json.weightsManifest ?? []) as tf.io.WeightsManifestConfig;
  const shards: Uint8Array[] = [];
  for (const group of manifest) {
    for (const file of group.paths) {
      try {
        shards.push(await Deno.readFile(join(dirname(jsonPath), file)));
      } catch (error) {
        throw new ModelFeatureError(
          `cannot read weights '${file}' of '${jsonPath}': ${(error as Error).message}`,
        );
      }
    }
  }
  const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.length;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  };
}

/** Loads a graph or layers model from disk and selects the feature node. */
export async function loadFeatureModel(path: string, node?: string): Promise<LoadedModel> {
  const artifacts = await readArtifacts(path);
  const handler = { load: () => Promise.resolve(artifacts) };
  try {
    if (artifacts.format === "graph-model") {
      const model = await tf.loadGraphModel(handler);
      return {
        run: (batch) => model.execute(batch, node) as tf.Tensor,
        inputChannels: model.inputs[0]?.shape?.at(-1) ?? 3,
      };
    }
    const model = await tf.loadLayersModel(handler);
    const output = node ? model.getLayer(node).output : model.outputs[0];
    const sub = tf.model({ inputs: model.inputs, outputs: output as tf.SymbolicTensor });
    return {
      run: (batch) => sub.predict(batch) as tf.Tensor,
      inputChannels: model.inputs[0].shape.at(-1) ?? 3,
    };
  } catch (error) {
    if (error instanceof ModelFeatureError) throw error;
    throw new ModelFeatureError(
      `cannot use model '${path}': ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/** Runs `images` through the model in batches; returns one flattened feature row per image. */
export async function modelFeatures(
  model: LoadedModel,
  images: ImageBatch,
  options: ModelFeatureOptions,
): Promise<FeatureMatrix> {
  const size = images.height * images.width * images.channels;
  const rows: Float32Array[] = [];
  for (let start = 0; start < images.n; start += options.batchSize) {
    const count = Math.min(options.batchSize, images.n - start);
    const features = tf.tidy(() => {
      let x = tf.tensor4d(
        Float32Array.from(images.data.subarray(start * size, (start + count) * size)),
        [count, images.height, images.width, images.channels],
      );
      if (images.channels === 1 && model.inputChannels === 3) x = tf.tile(x, [1, 1, 1, 3]);
      if (images.height !== options.inputSize || images.width !== options.inputSize) {
        x = tf.image.resizeBilinear(x, [options.inputSize, options.inputSize]);
      }
      const out = model.run(tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D);
      return tf.reshape(out, [count, -1]);
    });
    rows.push((await features.data()) as Float32Array);
    features.dispose();
  }
  const d = rows[0].length / Math.min(options.batchSize, images.n);
  const data = new Float64Array(images.n * d);
  let offset = 0;
  for (const r of rows) {
    data.set(r, offset);
    offset += r.length;
  }
  return { data, n: images.n, d };
}
