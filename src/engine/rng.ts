/**
 * Seeded randomness. One integer seed per cell; named streams (`init`, `noise`, `data`, `eval`)
 * are derived from it so that, e.g., evaluating more often does not change the training noise.
 *
 * @module
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** 32-bit FNV-1a hash of a string, used to derive stream seeds from names. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A seeded random source (xoroshiro128+ from `pure-rand`) with the draws ganbench needs. */
export class Rng {
  readonly seed: number;
  #generator: RandomGenerator;
  #spareNormal: number | undefined;

  /** @param seed any integer; the same seed always yields the same sequence. */
  constructor(seed: number) {
    this.seed = seed | 0;
    this.#generator = xoroshiro128plus(this.seed);
  }

  /** An independent stream named `name`, derived from this one's seed (not from its state). */
  stream(name: string): Rng {
    return new Rng(Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) ^ hashString(name));
  }

  /** A uniform draw in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.#generator);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box-Muller; pure-rand has no normal distribution). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** `n` normal draws with mean `mean` and standard deviation `std`. */
  normals(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** `n` uniform draws in [low, high). */
  uniforms(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }
}
