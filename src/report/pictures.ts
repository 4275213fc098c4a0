/**
 * PNG composition of generated images (`sharp`): the sample grids, interpolation strips and
 * vector-arithmetic rows stored beside a cell's result, which the site shows. What the pictures
 * show (which latent codes, which classes) is decided in `metrics/latent_pictures.ts` and
 * `metrics/vector_arithmetic.ts`; this module only lays the images out.
 *
 * @module
 */
import sharp from "sharp";
import type { ImageGrid } from "../metrics/latent_pictures.ts";

/** Pixels of white between tiles. */
const TILE_GAP = 2;

/**
 * A PNG of `grid.rows` x `grid.cols` images tiled row-major with a 2-pixel white gap. Values in
 * [−1, 1] map to 0..255 (clipped); a non-finite value is black; missing tiles (fewer images than
 * rows · cols) stay white.
 *
 * @param grid the images, `[n, height, width, channels]` row-major (channels 1 or 3).
 * @param shape one image's `[height, width, channels]`.
 * @returns the PNG file's bytes.
 */
export async function imageGridPng(grid: ImageGrid, shape: number[]): Promise<Uint8Array> {
  const { samples, rows, cols } = grid;
  const [height, width, channels] = shape;
  const gridWidth = cols * width + (cols - 1) * TILE_GAP;
  const gridHeight = rows * height + (rows - 1) * TILE_GAP;
  const pixels = new Uint8Array(gridWidth * gridHeight * channels).fill(255);
  const tile = height * width * channels;
  const count = Math.min(rows * cols, samples.length / tile);
  for (let t = 0; t < count; t++) {
    const top = Math.floor(t / cols) * (height + TILE_GAP), left = (t % cols) * (width + TILE_GAP);
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
