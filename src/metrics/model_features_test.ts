import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import { loadFeatureModel, ModelFeatureError, modelFeatures } from "./model_features.ts";

await initBackend("wasm");

/** Saves `model` in the TF.js layers format (model.json + one weights file) under `dir`. */
async function saveModel(model: tf.LayersModel, dir: string) {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    await Deno.writeFile(
      join(dir, "weights.bin"),
      new Uint8Array(artifacts.weightData as ArrayBuffer),
    );
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      }),
    );
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
}

Deno.test("a user's TF.js layers model gives features at the named layer for resized, rescaled images", async () => {
  const dir = await Deno.makeTempDir();
  const input = tf.input({ shape: [6, 6, 1] });
  const conv = tf.layers.conv2d({
    filters: 2,
    kernelSize: 3,
    name: "conv",
    kernelInitializer: "glorotUniform",
  })
    .apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const features = tf.layers.dense({ units: 4, name: "feat" }).apply(flat) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: "softmax", name: "probs" }).apply(
    features,
  ) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  await saveModel(model, dir);

  const images = {
    data: new Float32Array(3 * 12 * 12).map((_, i) => (i % 17) / 16),
    n: 3,
    height: 12,
    width: 12,
    channels: 1,
  };
  const loaded = await loadFeatureModel(dir, "feat");
  const result = await modelFeatures(loaded, images, { inputSize: 6, node: "feat", batchSize: 2 });
  assert.equal(result.n, 3);
  assert.equal(result.d, 4);
  // Reference: the same layer of the in-memory model on the same preprocessing.
  const expected = tf.tidy(() => {
    const x = tf.sub(
      tf.mul(tf.image.resizeBilinear(tf.tensor4d(images.data, [3, 12, 12, 1]), [6, 6]), 2),
      1,
    );
    const sub = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer("feat").output as tf.SymbolicTensor,
    });
    return (sub.predict(x) as tf.Tensor).dataSync();
  });
  expected.forEach((v, i) =>
    assert.ok(Math.abs(result.data[i] - v) < 1e-5, `${i}: ${result.data[i]} vs ${v}`)
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadFeatureModel names a missing model file", async () => {
  await assert.rejects(
    () => loadFeatureModel("/nonexistent/model"),
    (e: Error) =>
      e instanceof ModelFeatureError &&
      /^cannot read model '\/nonexistent\/model\/model\.json'/.test(e.message),
  );
});

Deno.test("score --features inception=PATH scores image arrays through the model, not raw vectors", async () => {
  const { score } = await import("../score.ts");
  const { dump } = await import("npyjs");
  const dir = await Deno.makeTempDir();
  const input = tf.input({ shape: [6, 6, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const feat = tf.layers.dense({ units: 3, name: "feat" }).apply(flat) as tf.SymbolicTensor;
  await saveModel(tf.model({ inputs: input, outputs: feat }), dir);
  const images = new Float64Array(20 * 6 * 6).map((_, i) => ((i * 7) % 11) / 10);
  const imagesPath = join(dir, "images.npy"), vectorsPath = join(dir, "vectors.npy");
  await Deno.writeFile(imagesPath, new Uint8Array(dump(images, [20, 6, 6])));
  await Deno.writeFile(vectorsPath, new Uint8Array(dump(images, [20, 36])));
  const options = { kidSubsets: 2, kidSubsetSize: 10, isSplits: 2, seed: 0 };
  const request = {
    metrics: ["fid"],
    features: `inception=${dir}`,
    model: { inputSize: 6 },
    options,
  };
  const output = await score({ ...request, inputs: [imagesPath, imagesPath] });
  assert.ok(Math.abs(output.fid as number) < 1e-6);
  await assert.rejects(
    () => score({ ...request, inputs: [vectorsPath, imagesPath] }),
    /holds feature vectors, not images/,
  );
  await Deno.remove(dir, { recursive: true });
});
