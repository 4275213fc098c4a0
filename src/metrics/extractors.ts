/**
 * Feature extractors, by name: what the feature metrics (FID, KID, PRC, DC, IS) see of a sample.
 * `raw` passes the samples through; `mnist` and `fashion` are ganbench's own classifier networks
 * (see classifier_net.ts); `inception=PATH` is a user's TF.js model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Registry } from "../registry.ts";
import { loadFeatureNet } from "./classifier_net.ts";
import type { FeatureMatrix } from "./features.ts";
import { type ImageBatch, loadFeatureModel, modelFeatures } from "./model_features.ts";
import { UserError } from "../errors.ts";

/** Samples to extract from: a feature matrix, with its image layout when the rows are images. */
export interface Samples {
  /** One row per sample; image pixels in [0, 1]. */
  features: FeatureMatrix;
  image?: { height: number; width: number; channels: number };
}

/** What an extractor yields: the features, and class probabilities when it is a classifier. */
export interface Extracted {
  features: FeatureMatrix;
  probabilities?: FeatureMatrix;
}

/** Raised when an extractor cannot take the samples given; one line for the user. */
export class ExtractorInputError extends UserError {
  override name = "ExtractorInputError";
  override readonly code: string = "extractor-input";
}

/** A feature extractor. */
export interface FeatureExtractor {
  description: string;
  /** The name figures carry, e.g. `fid[mnist-net]`. */
  label: string;
  /** Features per sample; undefined when it is the samples' own width (`raw`) or a model's. */
  featureDim?: number;
  /** Classes of the probabilities it yields, for a classifier; undefined when it yields none. */
  classes?: number;
  /** The image size it needs, `[height, width]`; undefined when it takes any samples. */
  imageSize?: readonly [height: number, width: number];
  /**
   * The features of `samples` (and class probabilities, for a classifier); the same samples give
   * the same features.
   *
   * @throws {ExtractorInputError} for samples it cannot take; `source` names them in the message
   */
  extract(samples: Samples, source: string): Promise<Extracted>;
}

/** Images per forward pass of a network extractor. */
const BATCH = 500;

/** Grey [n, 28, 28, 1] pixels in [−1, 1] from 28x28 images in [0, 1] with 1, 3 or 4 channels. */
function greyImages(samples: Samples, source: string, name: string): Float32Array {
  const image = samples.image;
  if (!image || image.height !== 28 || image.width !== 28) {
    const shape = image ? `${image.height}x${image.width}` : `vectors of ${samples.features.d}`;
    throw new ExtractorInputError(
      `the '${name}' features need 28x28 images; '${source}' holds ${shape}`,
    );
  }
  const { data, n } = samples.features;
  const channels = image.channels, pixels = 784;
  const out = new Float32Array(n * pixels);
  const colours = Math.min(channels, 3);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < pixels; p++) {
      let sum = 0;
      for (let c = 0; c < colours; c++) sum += data[(i * pixels + p) * channels + c];
      out[i * pixels + p] = (2 * sum) / colours - 1;
    }
  }
  return out;
}

/**
 * Runs ganbench's feature network `name` over grey 28x28 images in [−1, 1], batch by batch.
 * Exported for the suites and stacked-MNIST, which hold images already in that form.
 */
export async function classifierFeatures(
  name: string,
  images: Float32Array,
  n: number,
): Promise<{ features: FeatureMatrix; probabilities: FeatureMatrix }> {
  const net = await loadFeatureNet(name);
  const { featureDim, classes } = net.manifest;
  const features = new Float64Array(n * featureDim);
  const probabilities = new Float64Array(n * classes);
  for (let start = 0; start < n; start += BATCH) {
    const count = Math.min(BATCH, n - start);
    const out = tf.tidy(() =>
      net.predict(tf.tensor4d(images.subarray(start * 784, (start + count) * 784), [
        count,
        28,
        28,
        1,
      ]))
    );
    features.set(await out.features.data(), start * featureDim);
    probabilities.set(await out.probabilities.data(), start * classes);
    tf.dispose([out.features, out.probabilities]);
  }
  return {
    features: { data: features, n, d: featureDim },
    probabilities: { data: probabilities, n, d: classes },
  };
}

/** Ganbench's classifier `name` as an extractor (its manifest must match the declared sizes). */
function featureNet(
  name: string,
  about: string,
  sizes: { featureDim: number; classes: number },
): FeatureExtractor {
  return {
    description: `${about} (ganbench's own classifier, trained by scripts/train_feature_net.ts)`,
    label: `${name}-net`,
    ...sizes,
    imageSize: [28, 28],
    // async, so that samples it cannot take reject the promise rather than throw at the call.
    extract: async (samples, source) =>
      await classifierFeatures(name, greyImages(samples, source, name), samples.features.n),
  };
}

/** The named extractors (`inception=PATH` is resolved by {@linkcode resolveExtractor}). */
export const EXTRACTORS: Registry<FeatureExtractor> = new Registry<FeatureExtractor>(
  "feature extractor",
);
EXTRACTORS.register("raw", {
  description: "the samples' own values, flattened",
  label: "raw",
  extract: (samples) => Promise.resolve({ features: samples.features }),
});
EXTRACTORS.register(
  "mnist",
  featureNet("mnist", "128-d features of an MNIST digit classifier", {
    featureDim: 128,
    classes: 10,
  }),
);
EXTRACTORS.register(
  "fashion",
  featureNet("fashion", "128-d features of a Fashion-MNIST classifier", {
    featureDim: 128,
    classes: 10,
  }),
);

/** How to run a user's model for `inception=PATH`. */
export interface UserModelOptions {
  /** Square input side (default 299, InceptionV3's). */
  inputSize?: number;
  /** Feature node or layer; default: the model's output. */
  node?: string;
}

/** The extractor `spec` names: a registered name, or `inception=PATH`. */
export function resolveExtractor(spec: string, model: UserModelOptions = {}): FeatureExtractor {
  const path = /^inception=(.+)$/.exec(spec)?.[1];
  if (!path) return EXTRACTORS.get(spec);
  return {
    description: `user model ${path}`,
    label: "inception",
    async extract(samples, source) {
      if (!samples.image) {
        throw new ExtractorInputError(
          `'${source}' holds feature vectors, not images: use --features raw`,
        );
      }
      const loaded = await loadFeatureModel(path, model.node);
      const images: ImageBatch = {
        data: samples.features.data,
        n: samples.features.n,
        ...samples.image,
      };
      return {
        features: await modelFeatures(loaded, images, {
          inputSize: model.inputSize ?? 299,
          node: model.node,
          batchSize: 64,
        }),
      };
    },
  };
}
