/**
 * `score`'s inputs: folders of PNG images, `.npy` arrays (feature vectors or images) and `.npz`
 * FID statistics, read and checked so that an input that cannot give a meaningful figure is
 * refused with one line (a truncated file, NaN or infinite values, an ambiguous pixel range, a
 * sigma that is no covariance) instead of scored into a silent wrong number.
 *
 * @module
 */
import { join } from "node:path";
import { Matrix } from "ml-matrix";
import sharp from "sharp";
import { UsageError, UserError, userErrorFromOs } from "./errors.ts";
import { printable, readPrefix, regularFileSize } from "./data/input_file.ts";
import {
  ArrayFileError,
  describePosition,
  dtypeName,
  type FloatArray,
  MAX_ARRAY_VALUES,
  MAX_NPY_HEADER,
  readNpy,
} from "./data/npy.ts";
import { readNpz } from "./data/npz.ts";
import type { FeatureMatrix, GaussianStats } from "./metrics/features.ts";

/** Raised for inputs `score` cannot use; one line for the user. */
export class ScoreInputError extends UserError {
  override name = "ScoreInputError";
  override readonly code: string = "score-input";
}

/** The value ranges of image arrays that `--range` may state, as written on the command line. */
export const VALUE_RANGES = ["0-1", "0-255", "-1-1"] as const;
/** A value range of image arrays: `0-1`, `0-255` or `-1-1`. */
export type ValueRange = typeof VALUE_RANGES[number];

/** Each range's bounds and its map to [0, 1] (the arithmetic `score` has always used). */
const RANGES: Record<ValueRange, { min: number; max: number; toUnit: (v: number) => number }> = {
  "0-1": { min: 0, max: 1, toUnit: (v) => v },
  "0-255": { min: 0, max: 255, toUnit: (v) => v / 255 },
  "-1-1": { min: -1, max: 1, toUnit: (v) => (v + 1) / 2 },
};

/**
 * The largest magnitude scored. The metrics sum squares (FID, precision/recall) and cubes of dot
 * products (KID's kernel) of the values; beyond 1e50 these overflow float64 or lose every digit,
 * and the figures come out as Infinity, NaN or a silent 1.
 */
export const MAX_ABS_VALUE = 1e50;

/** An input's image layout, when it holds images. */
export type ImageShape = { height: number; width: number; channels: number };

/** An input: features (with class probabilities from a classifier), or precomputed FID statistics. */
export type Input = {
  features: FeatureMatrix;
  probabilities?: FeatureMatrix;
  image?: ImageShape;
  stats?: undefined;
} | {
  features?: undefined;
  probabilities?: undefined;
  image?: undefined;
  stats: GaussianStats;
};

/** How to read inputs. */
export interface ReadInputOptions {
  /** The value range of `.npy` image arrays; guessed from the dtype and the values when unset. */
  range?: ValueRange;
  /**
   * Refuses (throws) a width of the values per sample the metrics asked for cannot take; called
   * with an .npy header's width before its data is read.
   */
  checkWidth?: (d: number) => void;
}

/** Runs a file-system call on `path`, turning an OS fault into one line naming `path`. */
async function onPath<T>(path: string, action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw userErrorFromOs(error, path) ?? error;
  }
}

/** The most pixels of one PNG (a 4096 x 4096 image; FID's Inception takes 299 x 299). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
/** The largest PNG file read. */
const MAX_PNG_BYTES = 256 * 2 ** 20;

/** What a PNG's IHDR declares. */
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: number;
}

/** Channels of each PNG colour type, as read (a palette as RGB; sharp adds alpha for tRNS). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/**
 * The IHDR of the PNG at `file` (its first 26 bytes), so that its size is known before it is
 * decoded: a 249 kB file may declare 16,000 x 16,000 pixels.
 */
async function pngHeader(file: string): Promise<PngHeader> {
  await regularFileSize(file, MAX_PNG_BYTES, "a PNG image");
  const bytes = await readPrefix(file, 26);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (
    bytes.length < 26 || signature.some((b, i) => bytes[i] !== b) ||
    String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR"
  ) {
    throw new ScoreInputError(
      `Cannot read image '${file}': it is no PNG (no PNG signature and IHDR)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colourType: bytes[25],
  };
}

/**
 * The PNG files of folder `path`, sorted by name. A symlink is followed to its target, which must
 * be a regular file (a sample folder of links into a dataset is common); a link to anything else,
 * or a dangling one, is refused by name rather than skipped, so that every sample is scored.
 */
async function pngFiles(path: string): Promise<string[]> {
  const entries = await onPath(path, () => Array.fromAsync(Deno.readDir(path)));
  const names = entries.filter((e) => (e.isFile || e.isSymlink) && /\.png$/i.test(e.name))
    .map((e) => e.name).sort();
  if (!names.length) throw new ScoreInputError(`'${path}' holds no .png images`);
  return names.map((name) => join(path, name));
}

/**
 * Reads a folder of PNG images (sorted by name) as N x (H·W·C) pixel values in [0, 1], as the PNG
 * format means them: grey images as one channel, grey+alpha as two, colour images as 3 (or 4
 * with alpha), 16-bit samples at 16 bits (divided by 65535). Every IHDR is read first: images of
 * more than {@linkcode MAX_IMAGE_PIXELS}, or a folder of more than {@linkcode MAX_ARRAY_VALUES}
 * values, are refused before any is decoded.
 */
async function readPngFolder(path: string): Promise<Input> {
  const files = await pngFiles(path);
  let total = 0;
  const headers: PngHeader[] = [];
  for (const file of files) {
    const header = await pngHeader(file);
    const pixels = header.width * header.height;
    if (pixels > MAX_IMAGE_PIXELS) {
      throw new ScoreInputError(
        `Cannot read image '${file}': it declares ${header.width} x ${header.height} pixels, more than the ${MAX_IMAGE_PIXELS} (4096 x 4096) ganbench decodes`,
      );
    }
    total += pixels * (PNG_CHANNELS[header.colourType] ?? 4);
    if (total > MAX_ARRAY_VALUES) {
      throw new ScoreInputError(
        `'${path}' holds more than ${MAX_ARRAY_VALUES} pixel values (at '${file}'), more than ganbench reads (see docs/inputs.md)`,
      );
    }
    headers.push(header);
  }
  let image: ImageShape | undefined;
  let data: Float64Array | undefined;
  for (const [i, file] of files.entries()) {
    const { bitDepth, colourType } = headers[i];
    const grey = colourType === 0 || colourType === 4;
    let samples: ArrayLike<number>, shape: ImageShape;
    try {
      const bytes = await onPath(file, () => Deno.readFile(file));
      let png = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS });
      if (bitDepth === 16) png = png.toColourspace(grey ? "grey16" : "rgb16");
      const decoded = await png.raw(bitDepth === 16 ? { depth: "ushort" } : {})
        .toBuffer({ resolveWithObject: true });
      const { width, height, channels } = decoded.info;
      const raw = bitDepth === 16
        ? new Uint16Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length / 2)
        : decoded.data;
      // sharp decodes grey as RGB (grey repeated); keep the grey channel and the alpha.
      const keep = grey && channels >= 3 ? (channels === 4 ? [0, 3] : [0]) : undefined;
      samples = keep ? pickChannels(raw, channels, keep) : raw;
      shape = { height, width, channels: keep?.length ?? channels };
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new ScoreInputError(
        `Cannot read image '${file}': ${
          printable(String((error as Error).message).split("\n")[0])
        }`,
      );
    }
    if (image && describeImage(shape) !== describeImage(image)) {
      throw new ScoreInputError(
        `'${file}' is ${describeImage(shape)}, the images before it are ${describeImage(image)}`,
      );
    }
    image = shape;
    const d = shape.height * shape.width * shape.channels;
    data ??= new Float64Array(files.length * d);
    const scale = bitDepth === 16 ? 65535 : 255;
    for (let j = 0; j < d; j++) data[i * d + j] = samples[j] / scale;
  }
  const d = data!.length / files.length;
  return { features: { data: data!, n: files.length, d }, image };
}

/** The channels `keep` of interleaved `samples` of `channels` channels. */
function pickChannels(samples: ArrayLike<number>, channels: number, keep: number[]): number[] {
  const out: number[] = [];
  for (let at = 0; at < samples.length; at += channels) {
    for (const c of keep) out.push(samples[at + c]);
  }
  return out;
}

/** "28x28x1". */
function describeImage(image: ImageShape): string {
  return `${image.height}x${image.width}x${image.channels}`;
}

/** "1.0001", "-3e+300": a value as found. */
function valueText(v: number): string {
  return String(v);
}

/**
 * Refuses NaN, infinite and overflowing values (see {@linkcode MAX_ABS_VALUE}), naming the first
 * one and its position in an array of `shape`.
 */
export function checkFinite(data: ArrayLike<number>, shape: number[], source: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v) && Math.abs(v) <= MAX_ABS_VALUE) continue;
    const what = Number.isNaN(v)
      ? "NaN"
      : Number.isFinite(v)
      ? `${valueText(v)}, beyond ±${MAX_ABS_VALUE} (too large to score)`
      : valueText(v);
    throw new ScoreInputError(
      `'${source}' holds ${what} at ${describePosition(shape, i)}: score needs finite values`,
    );
  }
}

/**
 * The value range of an image array: the one stated, else the one its dtype and values make
 * clear: uint8 is 0-255; values all in [0, 1] are 0-1; in [−1, 1] reaching below −0.5 are −1-1;
 * in [0, 255] reaching 2 or more are 0-255. Values just outside [0, 1] (below 0 but not below
 * −0.5, above 1 but below 2) fit two ranges, so they are refused as ambiguous, as are values
 * that fit none, with what was found and how to state the range.
 *
 * @throws {ScoreInputError} for an ambiguous range, or a value outside the stated one
 */
export function imageRange(array: FloatArray, source: string, stated?: ValueRange): ValueRange {
  const { data, shape, dtype } = array;
  if (stated) {
    const { min, max } = RANGES[stated];
    for (let i = 0; i < data.length; i++) {
      if (data[i] < min || data[i] > max) {
        throw new ScoreInputError(
          `'${source}' holds ${valueText(data[i])} at ${
            describePosition(shape, i)
          }, outside the stated --range ${stated}`,
        );
      }
    }
    return stated;
  }
  if (dtype === "u1") return "0-255";
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < min) min = data[i];
    if (data[i] > max) max = data[i];
  }
  if (min >= 0 && max <= 1) return "0-1";
  if (min >= -1 && max <= 1 && min <= -0.5) return "-1-1";
  if (min >= 0 && max <= 255 && max >= 2) return "0-255";
  const found = `found min ${valueText(min)}, max ${valueText(max)} (${dtypeName(dtype)})`;
  const how = "state it with --range 0-1|0-255|-1-1 (values outside it are refused)";
  const near = (min >= -1 && max <= 1) || (min >= 0 && max < 2);
  throw new ScoreInputError(
    near
      ? `Cannot tell the value range of the images in '${source}': ${found}, just outside [0, 1] but not clearly [-1, 1] or [0, 255]; clip them or ${how}`
      : `Cannot tell the value range of the images in '${source}': ${found}, within none of [0, 1], [-1, 1], [0, 255]; rescale them or ${how}`,
  );
}

/** Reads an .npy input: N feature vectors (N x D) or N images (N x H x W [x C]). */
async function readArray(path: string, options: ReadInputOptions): Promise<Input> {
  const array = await readNpy(path, {
    checkShape: (shape) => options.checkWidth?.(shape.slice(1).reduce((a, b) => a * b, 1)),
  });
  const { shape } = array;
  if (shape.length < 2 || shape[0] < 1) {
    throw new ScoreInputError(
      `'${path}' must hold N samples (shape N x ...), got shape [${shape.join(", ")}]`,
    );
  }
  if (shape.includes(0)) {
    throw new ScoreInputError(
      `'${path}' holds no values: shape [${shape.join(", ")}] has a dimension of 0`,
    );
  }
  checkFinite(array.data, shape, path);
  const n = shape[0], d = shape.slice(1).reduce((a, b) => a * b, 1);
  if (shape.length >= 3) {
    const [, height, width, channels = 1] = shape;
    const { toUnit } = RANGES[imageRange(array, path, options.range)];
    const data = array.data.map(toUnit);
    return { features: { data, n, d }, image: { height, width, channels } };
  }
  return { features: { data: array.data, n, d } };
}

/**
 * FID statistics from an .npz holding `mu` (d) and `sigma` (d x d), as pytorch-fid writes them:
 * finite, sigma symmetric and positive semi-definite (within a rounding tolerance), as a
 * covariance is.
 */
async function readStats(path: string): Promise<GaussianStats> {
  const header = MAX_NPY_HEADER + 12;
  const arrays = await readNpz(path, {
    arrays: ["mu", "sigma"],
    maxBytes: { mu: header + MAX_STATS_WIDTH * 8, sigma: header + MAX_STATS_WIDTH ** 2 * 8 },
  }).catch((error) => {
    throw error instanceof ArrayFileError && /uncompressed, more than/.test(error.message)
      ? new ScoreInputError(
        `${error.message}: FID statistics of at most ${MAX_STATS_WIDTH} features are read`,
      )
      : error;
  });
  const { mu, sigma } = arrays;
  const d = mu?.data.length ?? 0;
  if (!mu || !sigma) {
    const held = Object.keys(arrays).join(", ") || "no arrays";
    throw new ScoreInputError(
      `'${path}' must hold FID statistics: mu (d) and sigma (d x d); it holds ${held}`,
    );
  }
  if (
    mu.shape.length !== 1 || d < 1 || sigma.shape.length !== 2 || sigma.shape[0] !== d ||
    sigma.shape[1] !== d
  ) {
    throw new ScoreInputError(
      `'${path}' must hold FID statistics: mu (d) and sigma (d x d), got mu [${
        mu.shape.join(", ")
      }] and sigma [${sigma.shape.join(", ")}]`,
    );
  }
  if (d > MAX_STATS_WIDTH) {
    throw new ScoreInputError(
      `'${path}' holds FID statistics of ${d} features, more than the ${MAX_STATS_WIDTH} ganbench reads (see docs/inputs.md)`,
    );
  }
  checkFinite(mu.data, mu.shape, `${path}:mu`);
  checkFinite(sigma.data, sigma.shape, `${path}:sigma`);
  const covariance = checkCovariance(sigma.data, d, `${path}:sigma`);
  return { mean: mu.data, covariance, n: Number.NaN };
}

/**
 * The widest FID statistics read, and written by `score --save-stats` (so that every file it
 * writes can be scored): 2,048 features, the width of the FID Inception's pool3 that pytorch-fid,
 * clean-fid and torch-fidelity save. Checking sigma (a Cholesky factorisation) and FID itself (an
 * eigendecomposition) cost d³: 3 s at 2,048 on one core here, 25 s at 4,096.
 */
export const MAX_STATS_WIDTH = 2048;

/** Relative tolerance of sigma's symmetry (float64 rounding of a saved covariance). */
const SYMMETRY_TOLERANCE = 1e-6;
/** Relative tolerance of sigma's eigenvalues below 0 (float32 rounding of a saved covariance). */
const PSD_TOLERANCE = 1e-4;

/**
 * `data` (d x d, row-major) as a covariance Matrix, refused unless it is one: a non-negative
 * diagonal, symmetric, and positive semi-definite, each within a tolerance relative to its
 * largest variance. Positive semi-definiteness is tested as a Cholesky factorisation of sigma +
 * δI succeeding (δ = 1e-4 × the largest variance), i.e. no eigenvalue below −δ, which costs a
 * third of an eigendecomposition.
 */
export function checkCovariance(data: Float64Array, d: number, source: string): Matrix {
  const shape = [d, d];
  let scale = 0;
  for (let i = 0; i < d; i++) {
    const variance = data[i * d + i];
    if (variance < 0) {
      throw new ScoreInputError(
        `'${source}' is no covariance: a negative variance ${valueText(variance)} at ${
          describePosition(shape, i * d + i)
        }`,
      );
    }
    scale = Math.max(scale, variance);
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const a = data[i * d + j], b = data[j * d + i];
      if (Math.abs(a - b) > SYMMETRY_TOLERANCE * scale) {
        throw new ScoreInputError(
          `'${source}' is no covariance: it is not symmetric (${valueText(a)} at ${
            describePosition(shape, i * d + j)
          }, ${valueText(b)} at ${describePosition(shape, j * d + i)})`,
        );
      }
    }
  }
  if (scale > 0 && !positiveDefinite(data, d, PSD_TOLERANCE * scale)) {
    throw new ScoreInputError(
      `'${source}' is no covariance: it is not positive semi-definite (an eigenvalue is below −${PSD_TOLERANCE} × its largest variance ${
        valueText(scale)
      })`,
    );
  }
  if (scale === 0 && data.some((v) => v !== 0)) {
    throw new ScoreInputError(
      `'${source}' is no covariance: its variances are all 0 but other entries are not`,
    );
  }
  const rows = Array.from({ length: d }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  const covariance = new Matrix(rows);
  return covariance;
}

/**
 * Whether `data` + `shift`·I (d x d, row-major, symmetric) is positive definite: a Cholesky
 * factorisation (row by row, on a copy) that stops at the first pivot that is not positive.
 * Written here rather than ml-matrix's CholeskyDecomposition, which first copies sigma into
 * arrays of rows and always runs to the end: a sigma that is no covariance is refused in the time
 * it takes to reach its first bad row, and a valid one costs d³/6 multiply-adds (3 s at d = 2,048
 * on one idle core).
 */
function positiveDefinite(data: Float64Array, d: number, shift: number): boolean {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let sum = data[ri + j] + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) sum -= l[ri + k] * l[rj + k];
      if (i === j) {
        if (!(sum > 0)) return false;
        l[ri + i] = Math.sqrt(sum);
      } else {
        l[ri + j] = sum / l[rj + j];
      }
    }
  }
  return true;
}

/**
 * Reads INPUT: a folder of PNGs, an .npy array (N x ..., flattened) or an .npz with mu and sigma.
 *
 * @throws {ScoreInputError} (or another one-line user error) for an input that cannot be scored
 */
export async function readInput(path: string, options: ReadInputOptions = {}): Promise<Input> {
  const info = await onPath(path, () => Deno.stat(path));
  if (info.isDirectory) return await readPngFolder(path);
  if (path.endsWith(".npz")) return { stats: await readStats(path) };
  if (!path.endsWith(".npy")) {
    throw new ScoreInputError(
      `Cannot read '${path}': score reads .npy arrays, .npz statistics or folders of PNG images`,
    );
  }
  return await readArray(path, options);
}

/**
 * Reads every input, in order, so that a mistake in INPUT1 is the one reported when both have one
 * (read concurrently, whichever failed first won); refuses a `--range` that no input can take.
 */
export async function readInputs(paths: string[], options: ReadInputOptions): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const path of paths) inputs.push(await readInput(path, options));
  if (options.range && !paths.some((path, i) => path.endsWith(".npy") && inputs[i].image)) {
    throw new UsageError(
      `--range applies to .npy image arrays (N x H x W [x C]); none of ${
        paths.map((p) => `'${p}'`).join(", ")
      } is one`,
    );
  }
  return inputs;
}

/** What an input holds, for messages: "28x28x1 images (784 values each)", "128-d features". */
export function describeInput(input: Input): string {
  if (input.stats) return `FID statistics of ${input.stats.mean.length}-d features`;
  const { image, features } = input;
  return image
    ? `${describeImage(image)} images (${features.d} values each)`
    : `${features.d}-d features`;
}
