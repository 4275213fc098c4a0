/**
 * The FID Inception network in TensorFlow.js: Inception-v3 as in TensorFlow's 2015-12-05 graph,
 * the network behind published FIDs (TTUR's original code, compare_gan, pytorch-fid,
 * torch-fidelity), with its FID-specific blocks: the average pools of the Mixed_5*, Mixed_6b-e and
 * Mixed_7b branches leave the padding out of the count, and Mixed_7c's pool branch is a max pool.
 * It yields the 2048-d `pool3` features (FID, KID, precision/recall) and the 1008-way logits (the
 * Inception Score).
 *
 * No weights ship with ganbench: `scripts/convert_inception.py` turns pytorch-fid's published
 * weight file (`pt_inception-2015-12-05-6726825d.pth`) into a folder this module reads
 * (`model.json` + `weights.bin`, batch norm folded into the convolutions). The network is written
 * out here rather than loaded as a TF.js graph model because tfjs-converter needs TensorFlow's
 * SavedModel, which no PyTorch file gives; the layer table below is also what the loader checks a
 * folder against, so a folder with a missing or misshapen tensor is refused by name.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { FeatureMatrix } from "./features.ts";

/** Raised for a missing, unreadable or mismatched converted model; one line for the user. */
export class InceptionFidError extends UserError {
  override name = "InceptionFidError";
  override readonly code: string = "inception-fid";
}

/** The `format` of a converted folder's model.json. */
export const INCEPTION_FID_FORMAT = "ganbench-inception-fid";
/** The version of that format this module reads. */
export const INCEPTION_FID_FORMAT_VERSION = 1;
/** The weight file pytorch-fid publishes, which the converter expects. */
export const PYTORCH_FID_WEIGHTS = {
  file: "pt_inception-2015-12-05-6726825d.pth",
  url:
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
  sha256: "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
  bytes: 95_628_359,
} as const;

/** The network's input side. */
export const INCEPTION_INPUT_SIZE = 299;
/** Width of the pool3 features. */
export const POOL3_DIM = 2048;
/** Classes of the logits (TensorFlow's 2015 graph has 1008 outputs, 1001 of them used). */
export const LOGIT_CLASSES = 1008;

/**
 * How images are brought to the network's 299x299 input in [−1, 1]:
 * - `tf`: as TensorFlow's graph does it (TTUR's original FID code, compare_gan, torch-fidelity):
 *   bilinear resize of 0-255 values with TF1's asymmetric sampling (source = target · in/out), then
 *   (v − 128) / 128;
 * - `pytorch-fid`: as pytorch-fid does it: bilinear resize with half-pixel centres
 *   (`F.interpolate(..., align_corners=False)`), then 2v − 1 for v in [0, 1].
 */
export type InceptionProtocol = "tf" | "pytorch-fid";
/** The protocol ganbench scores with: the original FID's. */
export const DEFAULT_INCEPTION_PROTOCOL: InceptionProtocol = "tf";

/** One convolution + batch norm + ReLU (torchvision's `BasicConv2d`) of the network. */
export interface ConvSpec {
  /** PyTorch module path, e.g. `Mixed_5b.branch1x1`. */
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: [height: number, width: number];
  stride: 1 | 2;
  /** `valid`: no padding; `same`: PyTorch's symmetric padding of (k − 1) / 2 at stride 1. */
  padding: "valid" | "same";
}

function conv(
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number | [number, number],
  options: { stride?: 1 | 2; padding?: "valid" | "same" } = {},
): ConvSpec {
  const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
  const padding = options.padding ?? (kh === 1 && kw === 1 ? "valid" : "same");
  return { name, inChannels, outChannels, kernel: [kh, kw], stride: options.stride ?? 1, padding };
}

/** A block of the network: its convolutions, and how they are wired (see `forwardBlock`). */
interface BlockSpec {
  name: string;
  kind: "A" | "B" | "C" | "D" | "E";
  convs: ConvSpec[];
  /** The pool of the pool branch (A, C, E): average without padding in the count, or max. */
  pool?: "avg" | "max";
}

function blockA(name: string, inC: number, poolFeatures: number): BlockSpec {
  return {
    name,
    kind: "A",
    pool: "avg",
    convs: [
      conv(`${name}.branch1x1`, inC, 64, 1),
      conv(`${name}.branch5x5_1`, inC, 48, 1),
      conv(`${name}.branch5x5_2`, 48, 64, 5),
      conv(`${name}.branch3x3dbl_1`, inC, 64, 1),
      conv(`${name}.branch3x3dbl_2`, 64, 96, 3),
      conv(`${name}.branch3x3dbl_3`, 96, 96, 3),
      conv(`${name}.branch_pool`, inC, poolFeatures, 1),
    ],
  };
}

function blockB(name: string, inC: number): BlockSpec {
  return {
    name,
    kind: "B",
    convs: [
      conv(`${name}.branch3x3`, inC, 384, 3, { stride: 2, padding: "valid" }),
      conv(`${name}.branch3x3dbl_1`, inC, 64, 1),
      conv(`${name}.branch3x3dbl_2`, 64, 96, 3),
      conv(`${name}.branch3x3dbl_3`, 96, 96, 3, { stride: 2, padding: "valid" }),
    ],
  };
}

function blockC(name: string, inC: number, c7: number): BlockSpec {
  return {
    name,
    kind: "C",
    pool: "avg",
    convs: [
      conv(`${name}.branch1x1`, inC, 192, 1),
      conv(`${name}.branch7x7_1`, inC, c7, 1),
      conv(`${name}.branch7x7_2`, c7, c7, [1, 7]),
      conv(`${name}.branch7x7_3`, c7, 192, [7, 1]),
      conv(`${name}.branch7x7dbl_1`, inC, c7, 1),
      conv(`${name}.branch7x7dbl_2`, c7, c7, [7, 1]),
      conv(`${name}.branch7x7dbl_3`, c7, c7, [1, 7]),
      conv(`${name}.branch7x7dbl_4`, c7, c7, [7, 1]),
      conv(`${name}.branch7x7dbl_5`, c7, 192, [1, 7]),
      conv(`${name}.branch_pool`, inC, 192, 1),
    ],
  };
}

function blockD(name: string, inC: number): BlockSpec {
  return {
    name,
    kind: "D",
    convs: [
      conv(`${name}.branch3x3_1`, inC, 192, 1),
      conv(`${name}.branch3x3_2`, 192, 320, 3, { stride: 2, padding: "valid" }),
      conv(`${name}.branch7x7x3_1`, inC, 192, 1),
      conv(`${name}.branch7x7x3_2`, 192, 192, [1, 7]),
      conv(`${name}.branch7x7x3_3`, 192, 192, [7, 1]),
      conv(`${name}.branch7x7x3_4`, 192, 192, 3, { stride: 2, padding: "valid" }),
    ],
  };
}

function blockE(name: string, inC: number, pool: "avg" | "max"): BlockSpec {
  return {
    name,
    kind: "E",
    pool,
    convs: [
      conv(`${name}.branch1x1`, inC, 320, 1),
      conv(`${name}.branch3x3_1`, inC, 384, 1),
      conv(`${name}.branch3x3_2a`, 384, 384, [1, 3]),
      conv(`${name}.branch3x3_2b`, 384, 384, [3, 1]),
      conv(`${name}.branch3x3dbl_1`, inC, 448, 1),
      conv(`${name}.branch3x3dbl_2`, 448, 384, 3),
      conv(`${name}.branch3x3dbl_3a`, 384, 384, [1, 3]),
      conv(`${name}.branch3x3dbl_3b`, 384, 384, [3, 1]),
      conv(`${name}.branch_pool`, inC, 192, 1),
    ],
  };
}

/** The stem: convolutions and max pools before the first Inception block. */
const STEM: (ConvSpec | "maxpool")[] = [
  conv("Conv2d_1a_3x3", 3, 32, 3, { stride: 2, padding: "valid" }),
  conv("Conv2d_2a_3x3", 32, 32, 3, { padding: "valid" }),
  conv("Conv2d_2b_3x3", 32, 64, 3),
  "maxpool",
  conv("Conv2d_3b_1x1", 64, 80, 1),
  conv("Conv2d_4a_3x3", 80, 192, 3, { padding: "valid" }),
  "maxpool",
];

/** The Inception blocks, in order: pytorch-fid's `fid_inception_v3()`. */
const BLOCKS: BlockSpec[] = [
  blockA("Mixed_5b", 192, 32),
  blockA("Mixed_5c", 256, 64),
  blockA("Mixed_5d", 288, 64),
  blockB("Mixed_6a", 288),
  blockC("Mixed_6b", 768, 128),
  blockC("Mixed_6c", 768, 160),
  blockC("Mixed_6d", 768, 160),
  blockC("Mixed_6e", 768, 192),
  blockD("Mixed_7a", 768),
  blockE("Mixed_7b", 1280, "avg"),
  blockE("Mixed_7c", 2048, "max"),
];

/** Every tensor a converted folder must hold, by name, with its shape. */
export function expectedWeights(): Map<string, number[]> {
  const convs = [
    ...STEM.filter((s): s is ConvSpec => s !== "maxpool"),
    ...BLOCKS.flatMap((b) => b.convs),
  ];
  const weights = new Map<string, number[]>();
  for (const c of convs) {
    weights.set(`${c.name}.kernel`, [...c.kernel, c.inChannels, c.outChannels]);
    weights.set(`${c.name}.bias`, [c.outChannels]);
  }
  weights.set("fc.kernel", [POOL3_DIM, LOGIT_CLASSES]);
  weights.set("fc.bias", [LOGIT_CLASSES]);
  return weights;
}

/** What a converted folder's model.json says about the file it came from. */
export interface InceptionFidSource {
  file: string;
  sha256: string;
  bytes: number;
  /** Whether the converter found the published file's sha256. */
  published: boolean;
}

/** A loaded FID Inception network. */
export interface InceptionFid {
  /** The folder it was read from. */
  dir: string;
  source: InceptionFidSource;
  /**
   * pool3 features `[n, 2048]` and logits `[n, 1008]` (with and without the output layer's bias)
   * of images `[n, 299, 299, 3]` already in the network's [−1, 1] range.
   */
  forward(x: tf.Tensor4D): { pool3: tf.Tensor2D; logits: tf.Tensor2D; logitsUnbiased: tf.Tensor2D };
}

interface ModelJson {
  format?: unknown;
  formatVersion?: unknown;
  source?: Partial<InceptionFidSource>;
  weightsSha256?: unknown;
  weightsManifest?: tf.io.WeightsManifestConfig;
}

/** The environment variable naming the converted folder the suites score with. */
export const INCEPTION_FID_ENV = "GANBENCH_INCEPTION_FID";

/** Reads `dir/model.json` and checks its format; one line naming the problem otherwise. */
function readManifestSync(dir: string): ModelJson & { source: InceptionFidSource } {
  const path = join(dir, "model.json");
  let json: ModelJson;
  try {
    json = JSON.parse(Deno.readTextFileSync(path));
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file (convert pytorch-fid's weights with scripts/convert_inception.py, see docs/fid-inception.md)"
      : (error as Error).message.split("\n")[0];
    throw new InceptionFidError(`Cannot read FID Inception model '${path}': ${reason}`);
  }
  if (json.format !== INCEPTION_FID_FORMAT || json.formatVersion !== INCEPTION_FID_FORMAT_VERSION) {
    throw new InceptionFidError(
      `Cannot use FID Inception model '${path}': format must be '${INCEPTION_FID_FORMAT}' version ${INCEPTION_FID_FORMAT_VERSION} (written by scripts/convert_inception.py), got '${
        String(json.format).slice(0, 80)
      }' version ${String(json.formatVersion).slice(0, 20)}`,
    );
  }
  const source = json.source ?? {};
  if (typeof source.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(source.sha256)) {
    throw new InceptionFidError(
      `Cannot use FID Inception model '${path}': source.sha256 must be 64 hex digits`,
    );
  }
  return {
    ...json,
    source: {
      file: String(source.file ?? ""),
      sha256: source.sha256,
      bytes: Number(source.bytes ?? 0),
      published: source.sha256 === PYTORCH_FID_WEIGHTS.sha256,
    },
  };
}

/**
 * What the converted folder `dir` was made from (its model.json only: quick, for a run's first
 * line and its cells' configuration).
 *
 * @throws {InceptionFidError} for a missing or foreign model.json
 */
export function inceptionFidSource(dir: string): InceptionFidSource {
  return readManifestSync(dir).source;
}

const loaded = new Map<string, Promise<InceptionFid>>();

/**
 * Loads (once per process) the converted FID Inception network in `dir`, checking the weights'
 * sha256 and every tensor's name and shape against the network.
 *
 * @throws {InceptionFidError} for a missing, corrupt or mismatched folder
 */
export function loadInceptionFid(dir: string): Promise<InceptionFid> {
  const key = join(dir);
  if (!loaded.has(key)) {
    const promise = readInceptionFid(key);
    // A failed load is not cached, so that a corrected folder is read again.
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return loaded.get(key)!;
}

async function readInceptionFid(dir: string): Promise<InceptionFid> {
  const manifest = readManifestSync(dir);
  const where = join(dir, "model.json");
  const groups = manifest.weightsManifest ?? [];
  const specs = groups.flatMap((group) => group.weights);
  const shards: Uint8Array[] = [];
  for (const file of groups.flatMap((group) => group.paths)) {
    try {
      shards.push(await Deno.readFile(join(dir, file)));
    } catch (error) {
      throw new InceptionFidError(
        `Cannot read weights '${join(dir, file)}' of '${where}': ${
          (error as Error).message.split("\n")[0]
        }`,
      );
    }
  }
  const bytes = new Uint8Array(shards.reduce((sum, shard) => sum + shard.length, 0));
  shards.reduce((offset, shard) => (bytes.set(shard, offset), offset + shard.length), 0);
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== manifest.weightsSha256) {
    throw new InceptionFidError(
      `FID Inception weights in '${dir}' are corrupt: sha256 ${actual}, model.json says ${
        String(manifest.weightsSha256).slice(0, 64)
      }`,
    );
  }
  const expected = expectedWeights();
  for (const spec of specs) {
    const shape = expected.get(spec.name);
    if (!shape) {
      throw new InceptionFidError(`'${where}' holds an unknown tensor '${spec.name}'`);
    }
    if (spec.dtype !== "float32" || spec.shape.join("x") !== shape.join("x")) {
      throw new InceptionFidError(
        `'${where}': tensor '${spec.name}' must be float32 of shape [${shape}], got ${spec.dtype} [${spec.shape}]`,
      );
    }
  }
  const missing = [...expected.keys()].filter((name) => !specs.some((s) => s.name === name));
  if (missing.length) {
    throw new InceptionFidError(
      `'${where}' lacks ${missing.length} tensor(s) of the network, e.g. '${missing[0]}'`,
    );
  }
  const size = specs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (size !== bytes.length) {
    throw new InceptionFidError(
      `'${where}' describes ${size} bytes of weights, the files hold ${bytes.length}`,
    );
  }
  const tensors = tf.io.decodeWeights(bytes.buffer, specs);
  Object.values(tensors).forEach((t) => tf.keep(t));
  return {
    dir,
    source: manifest.source,
    forward: (x) => forwardNetwork(tensors, x),
  };
}

/** conv + folded batch norm + ReLU. */
function basicConv(weights: tf.NamedTensorMap, spec: ConvSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: weights[`${spec.name}.kernel`] as tf.Tensor4D,
    bias: weights[`${spec.name}.bias`],
    strides: spec.stride,
    pad: spec.padding,
    activation: "relu",
  });
}

/**
 * The 3x3 stride-1 pool of a branch: TensorFlow's average pool with SAME padding divides by the
 * number of real inputs under the window (pytorch-fid's `count_include_pad=False`), which is what
 * `tf.avgPool` does too.
 */
function branchPool(x: tf.Tensor4D, kind: "avg" | "max"): tf.Tensor4D {
  return kind === "avg" ? tf.avgPool(x, 3, 1, "same") : tf.maxPool(x, 3, 1, "same");
}

function forwardBlock(weights: tf.NamedTensorMap, block: BlockSpec, x: tf.Tensor4D): tf.Tensor4D {
  const c = (i: number, input: tf.Tensor4D) => basicConv(weights, block.convs[i], input);
  const concat = (parts: tf.Tensor4D[]) => tf.concat(parts, 3) as tf.Tensor4D;
  switch (block.kind) {
    case "A":
      return concat([
        c(0, x),
        c(2, c(1, x)),
        c(5, c(4, c(3, x))),
        c(6, branchPool(x, block.pool!)),
      ]);
    case "B":
      return concat([c(0, x), c(3, c(2, c(1, x))), tf.maxPool(x, 3, 2, "valid")]);
    case "C":
      return concat([
        c(0, x),
        c(3, c(2, c(1, x))),
        c(8, c(7, c(6, c(5, c(4, x))))),
        c(9, branchPool(x, block.pool!)),
      ]);
    case "D":
      return concat([c(1, c(0, x)), c(5, c(4, c(3, c(2, x)))), tf.maxPool(x, 3, 2, "valid")]);
    case "E": {
      const b3 = c(1, x);
      const dbl = c(5, c(4, x));
      return concat([
        c(0, x),
        c(2, b3),
        c(3, b3),
        c(6, dbl),
        c(7, dbl),
        c(8, branchPool(x, block.pool!)),
      ]);
    }
  }
}

function forwardNetwork(weights: tf.NamedTensorMap, input: tf.Tensor4D) {
  // Layer by layer, each in its own scope, so that only one layer's activations are alive at once.
  let x = input;
  const advance = (layer: (t: tf.Tensor4D) => tf.Tensor4D) => {
    const next = tf.tidy(() => layer(x));
    if (x !== input) x.dispose();
    x = next;
  };
  for (const step of STEM) {
    advance((t) => step === "maxpool" ? tf.maxPool(t, 3, 2, "valid") : basicConv(weights, step, t));
  }
  for (const block of BLOCKS) advance((t) => forwardBlock(weights, block, t));
  const features = x;
  return tf.tidy(() => {
    const pool3 = tf.mean(features, [1, 2]) as tf.Tensor2D;
    features.dispose();
    const logitsUnbiased: tf.Tensor2D = tf.matMul(pool3, weights["fc.kernel"] as tf.Tensor2D);
    const logits = tf.add(logitsUnbiased, weights["fc.bias"]) as tf.Tensor2D;
    return { pool3, logits, logitsUnbiased };
  });
}

/**
 * Images `[n, h, w, c]` in [0, 1] (c = 1 or 3) as the network's input under `protocol`: 3
 * channels, 299x299, [−1, 1] (see {@linkcode InceptionProtocol}).
 */
export function inceptionInput(images: tf.Tensor4D, protocol: InceptionProtocol): tf.Tensor4D {
  return tf.tidy(() => {
    let x = images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    const size = INCEPTION_INPUT_SIZE;
    const resize = x.shape[1] !== size || x.shape[2] !== size;
    if (protocol === "tf") {
      x = tf.mul(x, 255);
      if (resize) x = tf.image.resizeBilinear(x, [size, size], false, false);
      return tf.div(tf.sub(x, 128), 128) as tf.Tensor4D;
    }
    if (resize) x = tf.image.resizeBilinear(x, [size, size], false, true);
    return tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
  });
}

/** Images, row-major `n x height x width x channels`, values in [0, 1]. */
export interface InceptionImages {
  data: Float32Array | Float64Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** What {@linkcode inceptionFidFeatures} computes. */
export interface InceptionFidFeatures {
  /** pool3, `n x 2048`. */
  features: FeatureMatrix;
  /** The logits with the output layer's bias, `n x 1008` (only when asked for). */
  logits?: FeatureMatrix;
  /**
   * softmax of the logits without the output layer's bias, `n x 1008`: what the original
   * Inception Score code and torch-fidelity's `isc` use (only when asked for).
   */
  probabilities?: FeatureMatrix;
}

/** Options of {@linkcode inceptionFidFeatures}. */
export interface InceptionFidOptions {
  /** @default {DEFAULT_INCEPTION_PROTOCOL} */
  protocol?: InceptionProtocol;
  /** Images per forward pass. @default {16} */
  batchSize?: number;
  /** Whether to return the logits and probabilities too. @default {true} */
  logits?: boolean;
  /** Where to put the pool3 features (e.g. a preallocated float32 buffer for a large set). */
  into?: Float32Array | Float64Array;
}

/**
 * Runs `images` through `model`, batch by batch: pool3 features, and (unless `logits` is false)
 * the logits and the Inception Score's probabilities.
 */
export async function inceptionFidFeatures(
  model: InceptionFid,
  images: InceptionImages,
  options: InceptionFidOptions = {},
): Promise<InceptionFidFeatures> {
  const { n, height, width, channels } = images;
  if (channels !== 1 && channels !== 3) {
    throw new InceptionFidError(
      `the FID Inception network takes grey or RGB images, got ${channels} channels`,
    );
  }
  const protocol = options.protocol ?? DEFAULT_INCEPTION_PROTOCOL;
  const batchSize = options.batchSize ?? 16;
  const wantLogits = options.logits ?? true;
  const size = height * width * channels;
  const features = options.into ?? new Float64Array(n * POOL3_DIM);
  const logits = wantLogits ? new Float64Array(n * LOGIT_CLASSES) : undefined;
  const probabilities = wantLogits ? new Float64Array(n * LOGIT_CLASSES) : undefined;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const out = tf.tidy(() => {
      const batch = tf.tensor4d(
        Float32Array.from(images.data.subarray(start * size, (start + count) * size)),
        [count, height, width, channels],
      );
      const { pool3, logits, logitsUnbiased } = model.forward(inceptionInput(batch, protocol));
      return wantLogits ? [pool3, logits, tf.softmax(logitsUnbiased)] : [pool3];
    });
    const values = await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    features.set(values[0], start * POOL3_DIM);
    logits?.set(values[1], start * LOGIT_CLASSES);
    probabilities?.set(values[2], start * LOGIT_CLASSES);
  }
  const matrix = (data: Float64Array, d: number): FeatureMatrix => ({ data, n, d });
  return {
    features: { data: features, n, d: POOL3_DIM },
    ...(logits ? { logits: matrix(logits, LOGIT_CLASSES) } : {}),
    ...(probabilities ? { probabilities: matrix(probabilities, LOGIT_CLASSES) } : {}),
  };
}
