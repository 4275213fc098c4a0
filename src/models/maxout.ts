/**
 * Maxout layers (Goodfellow et al. 2013) and PacGAN's packing (Lin et al. 2018), the pieces of
 * PacGAN's discriminator. tfjs has neither; both are a reshape and one reduction, so they are
 * written here rather than pulled in with a layers library that the rest of ganbench does not use.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { maxoutPieces } from "@ganbench/wasm-kernels";
import { dense, type DenseWeights } from "./layers.ts";

/**
 * A maxout layer: `x · kernel + bias` gives `pieces · units` values per row, and each unit is the
 * largest of its `pieces` values. The columns are grouped piece by piece (unit u's pieces are
 * columns u, units + u, 2·units + u, ...), where Blocks' `LinearMaxout` (PacGAN's code) groups them
 * unit by unit: a permutation of the columns, so with weights drawn independently the networks
 * and their initial distribution are the same. This layout takes the maximum with `pieces − 1`
 * elementwise `maximum`s of column blocks, whose gradients cost a third of `max` over a reshaped
 * axis on the wasm backend; there, one kernel does it (`maxoutPieces`), with the same values and
 * gradients.
 *
 * @param weights kernel `[in, pieces · units]` and bias `[pieces · units]`.
 * @returns `[n, units]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../engine/backend.ts";
 * import { maxout } from "./maxout.ts";
 *
 * await initBackend("cpu");
 * // One input, 2 units of 3 pieces: unit 0's pieces are x·(1, 3, 0), unit 1's x·(-2, -1, 0.5).
 * const weights = {
 *   kernel: tf.variable(tf.tensor2d([[1, -2, 3, -1, 0, 0.5]])),
 *   bias: tf.variable(tf.zeros([6])),
 * };
 * assert.deepEqual(Array.from(await maxout(tf.tensor2d([[2]]), weights, 3).data()), [6, 1]);
 * ```
 */
export function maxout(x: tf.Tensor2D, weights: DenseWeights, pieces: number): tf.Tensor2D {
  const linear = dense(x, weights);
  const width = linear.shape[1];
  if (width % pieces) {
    throw new TypeError(`a maxout layer of ${width} outputs cannot have ${pieces} pieces per unit`);
  }
  return maxoutPieces(linear, pieces);
}

/**
 * PacGAN's packing: `m · n` samples laid out pass-major (the first sample of every example, then
 * the second, ...) become `n` examples of `m` samples side by side, `[n, m · d]`. Example i is
 * samples i, n + i, ..., (m − 1)·n + i: each example takes one sample from each of `m` batches,
 * as PacGAN's code concatenates its `m` generator passes (and its `m` resampled real columns).
 *
 * @param x `[m · n, ...]` samples, flattened to `d` values each.
 * @throws {TypeError} when the rows are not a multiple of `m`
 */
export function pack(x: tf.Tensor, m: number): tf.Tensor2D {
  const rows = x.shape[0];
  const d = x.size / rows;
  if (rows % m) throw new TypeError(`cannot pack ${rows} samples into examples of ${m}`);
  if (m === 1) return tf.reshape(x, [rows, d]) as tf.Tensor2D;
  const flat = tf.reshape(x, [m, rows / m, d]);
  return tf.reshape(tf.transpose(flat, [1, 0, 2]), [rows / m, m * d]) as tf.Tensor2D;
}
