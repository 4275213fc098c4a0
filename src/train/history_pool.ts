/**
 * The history of generated samples a discriminator trains on (Shrivastava et al., CVPR 2017, as
 * CycleGAN's `ImagePool`): until the pool is full each new sample is stored and returned as is;
 * then each is, with probability `swap`, exchanged for a stored one picked uniformly (the new one
 * takes its place and the old one is returned), and otherwise returned as is. A pool of capacity
 * 0 returns every batch unchanged. Samples are kept as plain arrays (CycleGAN's pool holds
 * 50 images per domain), so the pool holds no tensors.
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";

/** A seeded history pool of generated samples. */
export class HistoryPool {
  readonly capacity: number;
  readonly swap: number;
  #rng: Rng;
  #stored: Float32Array[] = [];

  /**
   * @param capacity samples kept (CycleGAN: 50).
   * @param swap probability that a new sample is exchanged for a stored one once the pool is full
   *   (CycleGAN: 0.5).
   * @param rng the pool's own seeded source (one uniform draw per sample once the pool is full,
   *   and one more per exchange).
   */
  constructor(capacity: number, swap: number, rng: Rng) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`a history pool's capacity must be an integer >= 0, got ${capacity}`);
    }
    if (!(swap >= 0 && swap <= 1)) {
      throw new RangeError(`a history pool's swap probability must be in [0, 1], got ${swap}`);
    }
    this.capacity = capacity;
    this.swap = swap;
    this.#rng = rng;
  }

  /** Samples stored so far. */
  get size(): number {
    return this.#stored.length;
  }

  /**
   * The batch a discriminator trains on for the newly generated `samples` (row-major, `size`
   * values each): of the same length, each row the new sample or the stored one it replaced.
   */
  query(samples: Float32Array, size: number): Float32Array {
    if (this.capacity === 0) return samples;
    const out = new Float32Array(samples.length);
    for (let offset = 0; offset < samples.length; offset += size) {
      const sample = samples.slice(offset, offset + size);
      if (this.#stored.length < this.capacity) {
        this.#stored.push(sample);
        out.set(sample, offset);
      } else if (this.#rng.uniform() < this.swap) {
        const index = this.#rng.int(this.capacity);
        out.set(this.#stored[index], offset);
        this.#stored[index] = sample;
      } else {
        out.set(sample, offset);
      }
    }
    return out;
  }
}
