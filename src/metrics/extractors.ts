/**
 * Feature extractors, by name: what the feature metrics (FID, KID, PRC, DC, IS) see of a sample.
 * `raw` passes the samples through; `mnist`, `fashion` and `cifar10` are ganbench's own classifier
 * networks (see classifier_net.ts); `inception-fid` is the FID Inception network (inception_fid.ts)
 * read from `inception-fid=DIR` or `GANBENCH_INCEPTION_FID`; `inception=PATH` is a user's TF.js
 * model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Registry } from "../registry.ts";
import { join } from "node:path";
import { featureNetDir, loadFeatureNet } from "./classifier_net.ts";
import {
  INCEPTION_FID_ENV,
  InceptionFidError,
  inceptionFidFeatures,
  inceptionFidSource,
  type InceptionProtocol,
  loadInceptionFid,
} from "./inception_fid.ts";
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

/**
 * Generated or real samples (row-major, values in [−1, 1], each of `shape`) as the extractors take
 * them: values mapped to [0, 1], with the image layout when `shape` is [height, width, channels].
 */
export function samplesForExtractor(samples: Float32Array, shape: readonly number[]): Samples {
  const d = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) data[i] = (samples[i] + 1) / 2;
  const features = { data, n: samples.length / d, d };
  return shape.length === 3
    ? { features, image: { height: shape[0], width: shape[1], channels: shape[2] } }
    : { features };
}

/** The share of rows of a classifier's `probabilities` whose most probable class is `labels`'. */
export function classifierAccuracy(probabilities: FeatureMatrix, labels: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < probabilities.n; i++) {
    const row = probabilities.data.subarray(i * probabilities.d, (i + 1) * probabilities.d);
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
    if (best === labels[i]) hits++;
  }
  return hits / probabilities.n;
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
  /**
   * For an extractor that needs files the user supplies (a converted Inception, a network trained
   * on the user's data): whether it can run here, with a line saying what it uses and an identity
   * of its weights (part of a suite cell's configuration), or why it cannot.
   */
  availability?(): Availability;
  /** For the FID Inception: how its input is resized to 299x299 (what every FID it gives used). */
  resize?: FidResize;
}

/** What {@linkcode FeatureExtractor.availability} says. */
export type Availability =
  | { ok: true; about: string; identity?: string }
  | { ok: false; reason: string };

/** Images per forward pass of a network extractor. */
const BATCH = 500;

/**
 * The layout of `samples`, checked to be `size`x`size` images.
 *
 * @throws {ExtractorInputError} naming the extractor and the samples' `source` otherwise
 */
function squareImages(
  samples: Samples,
  size: number,
  names: { source: string; name: string },
): NonNullable<Samples["image"]> {
  const image = samples.image;
  if (!image || image.height !== size || image.width !== size) {
    const shape = image ? `${image.height}x${image.width}` : `vectors of ${samples.features.d}`;
    throw new ExtractorInputError(
      `the '${names.name}' features need ${size}x${size} images; '${names.source}' holds ${shape}`,
    );
  }
  return image;
}

/** Grey [n, 28, 28, 1] pixels in [−1, 1] from 28x28 images in [0, 1] with 1, 3 or 4 channels. */
function greyImages(samples: Samples, source: string, name: string): Float32Array {
  const image = squareImages(samples, 28, { source, name });
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
 * Runs ganbench's feature network `name` over images in [−1, 1] of its input shape (grey 28x28 for
 * the MNIST networks), batch by batch. Exported for the suites and stacked-MNIST, which hold
 * images already in that form.
 */
export async function classifierFeatures(
  name: string,
  images: Float32Array,
  n: number,
  shape: readonly [number, number, number] = [28, 28, 1],
): Promise<{ features: FeatureMatrix; probabilities: FeatureMatrix }> {
  const net = await loadFeatureNet(name);
  const { featureDim, classes } = net.manifest;
  const features = new Float64Array(n * featureDim);
  const probabilities = new Float64Array(n * classes);
  const size = shape[0] * shape[1] * shape[2];
  for (let start = 0; start < n; start += BATCH) {
    const count = Math.min(BATCH, n - start);
    const out = tf.tidy(() =>
      net.predict(
        tf.tensor4d(images.subarray(start * size, (start + count) * size), [count, ...shape]),
      )
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

/** RGB [n, 32, 32, 3] pixels in [−1, 1] from 32x32 images in [0, 1] (grey repeated, alpha dropped). */
function colourImages(samples: Samples, source: string, name: string): Float32Array {
  const image = squareImages(samples, 32, { source, name });
  const { data, n } = samples.features;
  const channels = image.channels, pixels = 1024;
  const out = new Float32Array(n * pixels * 3);
  for (let i = 0; i < n * pixels; i++) {
    for (let c = 0; c < 3; c++) {
      out[3 * i + c] = 2 * data[i * channels + Math.min(c, channels - 1)] - 1;
    }
  }
  return out;
}

/** Ganbench's classifier `name` as an extractor (its manifest must match the declared sizes). */
function featureNet(
  name: string,
  about: string,
  sizes: { featureDim: number; classes: number },
  input: "grey28" | "colour32" = "grey28",
): FeatureExtractor {
  const shape = input === "grey28" ? [28, 28, 1] as const : [32, 32, 3] as const;
  const images = input === "grey28" ? greyImages : colourImages;
  return {
    description: `${about} (ganbench's own classifier, trained by scripts/train_feature_net.ts)`,
    label: `${name}-net`,
    ...sizes,
    imageSize: [shape[0], shape[1]],
    // async, so that samples it cannot take reject the promise rather than throw at the call.
    extract: async (samples, source) =>
      await classifierFeatures(name, images(samples, source, name), samples.features.n, shape),
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

EXTRACTORS.register("cifar10", {
  ...featureNet(
    "cifar10",
    "128-d features of a CIFAR-10 classifier, trained on your CIFAR-10 (--data DIR)",
    { featureDim: 128, classes: 10 },
    "colour32",
  ),
  availability() {
    const dir = featureNetDir("cifar10");
    let manifest;
    try {
      manifest = JSON.parse(Deno.readTextFileSync(join(dir, "manifest.json")));
    } catch {
      return {
        ok: false,
        reason:
          `no cifar10-net in '${dir}' (train it on your CIFAR-10: deno run -A scripts/train_feature_net.ts cifar10 --data DIR)`,
      };
    }
    const accuracy = Number(manifest.testAccuracy);
    return {
      ok: true,
      identity: String(manifest.sha256?.["weights.bin"] ?? "").slice(0, 16),
      about: `features: cifar10-net, ganbench's own CIFAR-10 classifier (test accuracy ${
        (100 * accuracy).toFixed(1)
      }%), not Inception: its FIDs are not comparable with published ones (give the FID Inception with ${INCEPTION_FID_ENV}=DIR for those)`,
    };
  },
});
EXTRACTORS.register("inception-fid", inceptionFidExtractor());
/**
 * The same network fed as pytorch-fid feeds it (half-pixel bilinear resize): its own label, so
 * that its figures (`fid[inception-ptfid]`) never mix with the TF1 resize's. A suite chooses it
 * with `"fidResize": "pytorch-fid"`; `score` with `--fid-resize pytorch-fid`.
 */
EXTRACTORS.register("inception-fid-pytorch", inceptionFidExtractor(undefined, "pytorch-fid"));

/** The `--fid-resize` / `fidResize` choices: the TF1 resize (TTUR, torch-fidelity) or pytorch-fid's. */
export const FID_RESIZES = ["tf1", "pytorch-fid"] as const;
/** How images are resized to the FID Inception's 299x299 input. */
export type FidResize = typeof FID_RESIZES[number];
/** The extractor name a suite's `inception-fid` becomes under `resize`. */
export function inceptionFidName(resize: FidResize | undefined): string {
  return resize === "pytorch-fid" ? "inception-fid-pytorch" : "inception-fid";
}

/** How to run a user's model for `inception=PATH`. */
export interface UserModelOptions {
  /** Square input side (default 299, InceptionV3's). */
  inputSize?: number;
  /** Feature node or layer; default: the model's output. */
  node?: string;
}

/** The extractor `spec` names: a registered name, or `inception=PATH`. */
export function resolveExtractor(
  spec: string,
  model: UserModelOptions & { fidResize?: FidResize } = {},
): FeatureExtractor {
  const fidDir = /^inception-fid=(.+)$/.exec(spec)?.[1];
  if (fidDir) {
    return inceptionFidExtractor(fidDir, model.fidResize === "pytorch-fid" ? "pytorch-fid" : "tf");
  }
  if (spec === "inception-fid") return EXTRACTORS.get(inceptionFidName(model.fidResize));
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

/** What to tell a user who gave no FID Inception folder. */
export const INCEPTION_FID_MISSING =
  `no FID Inception model given: convert pytorch-fid's pt_inception-2015-12-05-6726825d.pth with scripts/convert_inception.py and pass its folder as inception-fid=DIR (score) or ${INCEPTION_FID_ENV}=DIR (suites); see docs/fid-inception.md`;

/**
 * The FID Inception network as an extractor: pool3 features and the Inception Score's
 * probabilities, from the converted folder `dir` (default: `GANBENCH_INCEPTION_FID`'s).
 */
function inceptionFidExtractor(dir?: string, protocol: InceptionProtocol = "tf"): FeatureExtractor {
  const folder = () => dir ?? (Deno.env.get(INCEPTION_FID_ENV) || undefined);
  const resize = protocol === "tf"
    ? "TF1 bilinear resize to 299x299, as TTUR, compare_gan and torch-fidelity"
    : "pytorch-fid's half-pixel bilinear resize to 299x299";
  return {
    description:
      `2048-d pool3 features and 1008-way predictions of the FID Inception-v3 (pytorch-fid's weights converted by scripts/convert_inception.py), ${resize}: inception-fid=DIR, or ${INCEPTION_FID_ENV}=DIR for suites`,
    label: protocol === "tf" ? "inception" : "inception-ptfid",
    resize: protocol === "tf" ? "tf1" : "pytorch-fid",
    featureDim: 2048,
    classes: 1008,
    availability() {
      const path = folder();
      if (!path) return { ok: false, reason: INCEPTION_FID_MISSING };
      try {
        const source = inceptionFidSource(path);
        const weights = source.published
          ? `pytorch-fid's published weights, sha256 ${source.sha256.slice(0, 8)}…`
          : `NOT the published weights (sha256 ${
            source.sha256.slice(0, 12)
          }…): figures not comparable with published ones`;
        return {
          ok: true,
          identity: source.sha256.slice(0, 16),
          about: `features: FID Inception-v3 from ${path} (${weights}); resize: ${resize}`,
        };
      } catch (error) {
        if (error instanceof InceptionFidError) return { ok: false, reason: error.message };
        throw error;
      }
    },
    async extract(samples, source) {
      const path = folder();
      if (!path) throw new InceptionFidError(INCEPTION_FID_MISSING);
      const image = samples.image;
      if (!image) {
        throw new ExtractorInputError(
          `'${source}' holds feature vectors, not images: use --features raw`,
        );
      }
      const model = await loadInceptionFid(path);
      const { data, n } = samples.features;
      // RGBA images (PNG) lose their alpha channel.
      const rgb = image.channels === 4
        ? Float32Array.from(
          { length: n * image.height * image.width * 3 },
          (_, i) => data[Math.floor(i / 3) * 4 + (i % 3)],
        )
        : data;
      const out = await inceptionFidFeatures(model, {
        data: rgb,
        n,
        height: image.height,
        width: image.width,
        channels: image.channels === 4 ? 3 : image.channels,
      }, { protocol });
      return { features: out.features, probabilities: out.probabilities };
    },
  };
}

/** The extractor a suite scores with, chosen from its list of preferences. */
export interface ChosenExtractor {
  name: string;
  /** Its weights' identity, for extractors of user-supplied files. */
  identity?: string;
  /** One line for the run's output: what it uses, or why none of the list could run. */
  about?: string;
  /** Set when none of the list can run here: why each could not (the run then stops on it). */
  unavailable?: string;
}

/**
 * The first extractor of `names` that can run here (see {@linkcode FeatureExtractor.availability});
 * when none can, the first, with the reasons of all.
 */
export function chooseExtractor(names: readonly string[]): ChosenExtractor {
  const reasons: string[] = [];
  for (const name of names) {
    const availability = EXTRACTORS.get(name).availability?.() ?? { ok: true, about: "" };
    if (availability.ok) {
      return {
        name,
        ...(availability.identity ? { identity: availability.identity } : {}),
        ...(availability.about ? { about: availability.about } : {}),
      };
    }
    reasons.push(`${name}: ${availability.reason}`);
  }
  return { name: names[0], unavailable: reasons.join("; ") };
}
