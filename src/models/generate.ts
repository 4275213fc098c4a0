/**
 * Running a generator on given latent codes and reading its samples back, in chunks to bound
 * memory. Scoring, the sample grids and the vector arithmetic all read a generator this way.
 *
 * It lives with the networks rather than with the metrics or the runner: it needs nothing but the
 * {@linkcode Generator} interface, and metrics take sample arrays, never a network.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Generator } from "./network.ts";

/**
 * Latent codes per generator call. A generator with batch norm normalises with the statistics
 * of the batch it is given, so the chunk size is part of what a sample is: changing it changes
 * stored figures.
 */
const GENERATION_CHUNK = 1024;

/**
 * The samples of `generator` for fixed latent codes (and class labels, for a conditional
 * generator), generated `GENERATION_CHUNK` codes at a time and read asynchronously, as one flat
 * row-major array.
 *
 * @param latent latent codes, `[n, latentDim]`.
 * @param labels requested classes, `[n]` int32 (conditional generators only).
 * @returns the `n` samples, each `sampleShape` flattened, one after another.
 */
export async function generateSamples(
  generator: Generator,
  latent: tf.Tensor2D,
  labels?: tf.Tensor1D,
): Promise<Float32Array> {
  const n = latent.shape[0];
  const parts: Float32Array[] = [];
  generator.prepareSampling?.();
  const sample = generator.sample ?? generator.generate;
  for (let start = 0; start < n; start += GENERATION_CHUNK) {
    const size = Math.min(GENERATION_CHUNK, n - start);
    const part = tf.tidy(() =>
      sample.call(
        generator,
        tf.slice(latent, [start, 0], [size, -1]),
        labels && tf.slice(labels, [start], [size]),
      )
    );
    parts.push((await part.data()) as Float32Array);
    part.dispose();
  }
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
