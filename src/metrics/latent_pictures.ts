/**
 * What a generator's pictures show, for image datasets: a sample grid from a fixed latent batch
 * (one row per class for a conditional generator) and linear interpolation strips between pairs
 * of latent codes. The codes are drawn once per cell from its seed, so that the grids of every
 * evaluation step show the same codes. The images come back as {@linkcode ImageGrid}s;
 * `report/pictures.ts` composes them into PNG files.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";
import { generateSamples, type Generator } from "../models/mod.ts";

/** Generated images laid out as `rows` x `cols` tiles, row-major. */
export interface ImageGrid {
  /** The images, each `[height, width, channels]` flattened, one after another. */
  samples: Float32Array;
  rows: number;
  cols: number;
}

/** Columns of the sample grid. */
const GRID_COLS = 8;
/** Steps of an interpolation strip (its columns), end points included. */
const STRIP_STEPS = 10;
/** Interpolation strips (rows). */
const STRIPS = 4;

/** The fixed latent codes of a cell's pictures, drawn once from its seed. */
export interface PictureInputs {
  /** The grid's latent codes (8 x 8, or 8 per class for a conditional G). */
  grid: tf.Tensor2D;
  gridLabels?: tf.Tensor1D;
  /** Rows of the grid: 8, or the number of classes. */
  rows: number;
  /** Interpolation end points: one pair per strip. */
  from: tf.Tensor2D;
  to: tf.Tensor2D;
  stripLabels?: tf.Tensor1D;
}

/**
 * Draws the latent codes of a cell's pictures from `rng` (the grid's, then the strips' start and
 * end points); a conditional generator's grid has one row per class, each strip one class.
 */
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

/**
 * The sample grid: 8 x 8 images of the grid's codes, or for a conditional generator one row per
 * class with the same 8 codes down each column, so that rows differ by class alone.
 */
export async function sampleGrid(generator: Generator, inputs: PictureInputs): Promise<ImageGrid> {
  const latent = inputs.gridLabels
    ? tf.tidy(() =>
      tf.tile(tf.slice(inputs.grid, [0, 0], [GRID_COLS, -1]), [inputs.rows, 1]) as tf.Tensor2D
    )
    : inputs.grid;
  const samples = await generateSamples(generator, latent, inputs.gridLabels);
  if (latent !== inputs.grid) latent.dispose();
  return { samples, rows: inputs.rows, cols: GRID_COLS };
}

/** Linear interpolation strips between the pairs of codes: 4 rows of 10 steps, end points included. */
export async function interpolationStrips(
  generator: Generator,
  inputs: PictureInputs,
): Promise<ImageGrid> {
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
  const samples = await generateSamples(generator, latent, inputs.stripLabels);
  latent.dispose();
  return { samples, rows: STRIPS, cols: STRIP_STEPS };
}
