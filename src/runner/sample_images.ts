/**
 * Pictures of a generator for image datasets: sample grids from a fixed latent batch, latent
 * interpolation strips and a latent vector-arithmetic row (Radford et al. 2016), as PNG bytes
 * (`sharp`), stored beside the cell's result.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import type { Rng } from "../engine/rng.ts";
import type { Generator } from "../models/network.ts";

/** Pixels between tiles. */
const GAP = 2;

/**
 * A PNG of `rows` x `cols` images (row-major, [n, H, W, C] in [−1, 1], C = 1 or 3), tiled with
 * a 2-pixel white gap. Missing tiles (n < rows · cols) stay white.
 */
export async function imageGridPng(
  samples: Float32Array,
  shape: number[],
  rows: number,
  cols: number,
): Promise<Uint8Array> {
  const [height, width, channels] = shape;
  const gridWidth = cols * width + (cols - 1) * GAP;
  const gridHeight = rows * height + (rows - 1) * GAP;
  const pixels = new Uint8Array(gridWidth * gridHeight * channels).fill(255);
  const tile = height * width * channels;
  const count = Math.min(rows * cols, samples.length / tile);
  for (let t = 0; t < count; t++) {
    const top = Math.floor(t / cols) * (height + GAP), left = (t % cols) * (width + GAP);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const v = samples[t * tile + (y * width + x) * channels + c];
          const byte = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
          pixels[((top + y) * gridWidth + left + x) * channels + c] = Number.isFinite(v) ? byte : 0;
        }
      }
    }
  }
  const raw = { width: gridWidth, height: gridHeight, channels: channels as 1 | 3 };
  const png = await sharp(pixels, { raw })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return new Uint8Array(png);
}

/** Generates samples for `latent` (and labels) and reads them. */
async function render(
  generator: Generator,
  latent: tf.Tensor2D,
  labels?: tf.Tensor1D,
): Promise<Float32Array> {
  const out = tf.tidy(() => generator.generate(latent, labels));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/** The fixed inputs of a cell's pictures, drawn once from its seed. */
export interface PictureInputs {
  /** The grid's latent codes (8 x 8, or 8 per class for a conditional G). */
  grid: tf.Tensor2D;
  gridLabels?: tf.Tensor1D;
  rows: number;
  /** Interpolation end points: `strips` pairs. */
  from: tf.Tensor2D;
  to: tf.Tensor2D;
  stripLabels?: tf.Tensor1D;
}

/** Columns of the grid and steps of an interpolation strip. */
const GRID_COLS = 8, STRIP_STEPS = 10, STRIPS = 4;

/** Draws the latent codes of a cell's pictures from `rng`. */
export function pictureInputs(
  latentDim: number,
  classes: number | undefined,
  rng: Rng,
): PictureInputs {
  const rows = classes ?? 8;
  const normals = (n: number) => tf.tensor2d(rng.normals(n * latentDim), [n, latentDim]);
  const labels = (n: number, per: number) =>
    classes === undefined ? undefined : tf.tensor1d(
      Int32Array.from({ length: n }, (_, i) => Math.floor(i / per) % classes),
      "int32",
    );
  return {
    grid: normals(rows * GRID_COLS),
    gridLabels: labels(rows * GRID_COLS, GRID_COLS),
    rows,
    from: normals(STRIPS),
    to: normals(STRIPS),
    stripLabels: labels(STRIPS * STRIP_STEPS, STRIP_STEPS),
  };
}

/** Frees the tensors of `inputs`. */
export function disposePictureInputs(inputs: PictureInputs): void {
  tf.dispose(
    [inputs.grid, inputs.gridLabels, inputs.from, inputs.to, inputs.stripLabels].filter((t) =>
      t !== undefined
    ) as tf.Tensor[],
  );
}

/** The sample grid: 8 x 8, or one row per class (same codes down each column) when conditional. */
export async function sampleGrid(
  generator: Generator,
  inputs: PictureInputs,
  shape: number[],
): Promise<Uint8Array> {
  let latent = inputs.grid;
  if (inputs.gridLabels) {
    // Conditional: column j uses code j in every row, so that rows differ by class alone.
    latent = tf.tidy(() =>
      tf.tile(tf.slice(inputs.grid, [0, 0], [GRID_COLS, -1]), [inputs.rows, 1]) as tf.Tensor2D
    );
  }
  const samples = await render(generator, latent, inputs.gridLabels);
  if (latent !== inputs.grid) latent.dispose();
  return imageGridPng(samples, shape, inputs.rows, GRID_COLS);
}

/** Linear interpolation strips between pairs of codes: 4 rows of 10 steps. */
export async function interpolationStrip(
  generator: Generator,
  inputs: PictureInputs,
  shape: number[],
): Promise<Uint8Array> {
  const latent = tf.tidy(() => {
    const rows: tf.Tensor2D[] = [];
    for (let r = 0; r < STRIPS; r++) {
      const a = tf.slice(inputs.from, [r, 0], [1, -1]), b = tf.slice(inputs.to, [r, 0], [1, -1]);
      for (let s = 0; s < STRIP_STEPS; s++) {
        const t = s / (STRIP_STEPS - 1);
        rows.push(tf.add(tf.mul(a, 1 - t), tf.mul(b, t)) as tf.Tensor2D);
      }
    }
    return tf.concat(rows, 0) as tf.Tensor2D;
  });
  const samples = await render(generator, latent, inputs.stripLabels);
  latent.dispose();
  return imageGridPng(samples, shape, STRIPS, STRIP_STEPS);
}

/** What the vector-arithmetic row shows. */
export interface ArithmeticExample {
  /** Classes of the three exemplar groups A, B, C, and the classifier's call on A − B + C. */
  a: number;
  b: number;
  c: number;
  result: number;
  png: Uint8Array;
}

/**
 * Latent vector arithmetic as in DCGAN: among `pool` seeded codes, the three classes the
 * classifier predicts most often give groups A, B, C (the 3 most confident exemplars each);
 * the row shows the mean code of A, of B, of C, and of mean(A) − mean(B) + mean(C).
 *
 * @param classify class probabilities ([n, classes], row-major) of generated samples.
 */
export async function vectorArithmetic(
  generator: Generator,
  shape: number[],
  rng: Rng,
  classify: (samples: Float32Array, n: number) => Promise<{ data: ArrayLike<number>; d: number }>,
  pool = 512,
): Promise<ArithmeticExample | undefined> {
  const latentDim = generator.latentDim;
  const codes = rng.normals(pool * latentDim);
  const latent = tf.tensor2d(codes, [pool, latentDim]);
  const samples = await render(generator, latent);
  latent.dispose();
  const probabilities = await classify(samples, pool);
  const predicted = Array.from({ length: pool }, (_, i) => {
    let best = 0;
    for (let c = 1; c < probabilities.d; c++) {
      if (
        probabilities.data[i * probabilities.d + c] > probabilities.data[i * probabilities.d + best]
      ) best = c;
    }
    return { i, best, confidence: probabilities.data[i * probabilities.d + best] };
  });
  const counts = new Map<number, number>();
  for (const p of predicted) counts.set(p.best, (counts.get(p.best) ?? 0) + 1);
  const top = [...counts.entries()].filter(([, n]) => n >= 3).sort((x, y) =>
    y[1] - x[1] || x[0] - y[0]
  )
    .slice(0, 3).map(([c]) => c);
  if (top.length < 3) return undefined;
  const meanCode = (label: number) => {
    const members = predicted.filter((p) => p.best === label)
      .sort((x, y) => y.confidence - x.confidence).slice(0, 3);
    const mean = new Float32Array(latentDim);
    for (const { i } of members) {
      for (let j = 0; j < latentDim; j++) mean[j] += codes[i * latentDim + j] / members.length;
    }
    return mean;
  };
  const [a, b, c] = top.map(meanCode);
  const result = a.map((v, j) => v - b[j] + c[j]);
  const row = new Float32Array(4 * latentDim);
  [a, b, c, result].forEach((code, k) => row.set(code, k * latentDim));
  const rowLatent = tf.tensor2d(row, [4, latentDim]);
  const rendered = await render(generator, rowLatent);
  rowLatent.dispose();
  const call = await classify(rendered.slice(3 * (rendered.length / 4)), 1);
  let resultClass = 0;
  for (let k = 1; k < call.d; k++) if (call.data[k] > call.data[resultClass]) resultClass = k;
  return {
    a: top[0],
    b: top[1],
    c: top[2],
    result: resultClass,
    png: await imageGridPng(rendered, shape, 1, 4),
  };
}
