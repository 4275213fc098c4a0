/**
 * Translation datasets: two domains A and B with a known map T between them (b = T(a)), drawn
 * from disjoint parts of the data so that training is truly unpaired, and held-out samples to
 * score a translator against T.
 *
 * - `mnist-inverted`: b = −a (pixel inversion in [−1, 1]);
 * - `mnist-rotated`: b = a rotated by 90° counter-clockwise;
 * - `ring8-rotated`: b = 2 · R(π/8) · a, ring8's points rotated by π/8 and scaled by 2.
 *
 * The MNIST pairs draw A from the first half of the training split and B from the second (T of
 * those images); their held-out samples are the first half of the test split, and their reference
 * samples (the real side of a distribution match) its second half. The ring pair draws A and B
 * independently from the mixture; its held-out and reference samples come from fixed seeds.
 *
 * @module
 */
import { Rng } from "../engine/rng.ts";
import type { Dataset, DomainTranslation, MixtureSpec } from "./dataset.ts";
import { type ImageSet, scaledImage } from "./images.ts";
import { ring8 } from "./mixtures.ts";
import { loadMnist } from "./mnist.ts";

/** Pixels of an MNIST image. */
const SIDE = 28;

/** b = −a, pixel by pixel. Its own inverse. */
export function invertPixels(samples: Float32Array): Float32Array {
  return samples.map((v) => -v);
}

/**
 * Each of the `side` x `side` x `channels` images of `samples` rotated by 90°, counter-clockwise
 * (`clockwise` false: the top-right corner goes to the top left) or clockwise.
 */
export function rotateImages(
  samples: Float32Array,
  options: { side: number; channels: number; clockwise: boolean },
): Float32Array {
  const { side, channels, clockwise } = options;
  const size = side * side * channels;
  const out = new Float32Array(samples.length);
  for (let offset = 0; offset < samples.length; offset += size) {
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        // Counter-clockwise: out[r][c] = in[c][side − 1 − r]; clockwise: out[r][c] = in[side − 1 − c][r].
        const [sr, sc] = clockwise ? [side - 1 - c, r] : [c, side - 1 - r];
        for (let ch = 0; ch < channels; ch++) {
          out[offset + (r * side + c) * channels + ch] =
            samples[offset + (sr * side + sc) * channels + ch];
        }
      }
    }
  }
  return out;
}

/** Pixels of images `first`, `first + 1`, … (`count` of them) of `set`, scaled to [−1, 1], with labels. */
function imageRange(
  set: ImageSet,
  first: number,
  count: number,
): { samples: Float32Array; labels: Int32Array } {
  const size = set.height * set.width;
  const samples = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    scaledImage(set, first + i, samples, i * size);
    labels[i] = set.labels[first + i];
  }
  return { samples, labels };
}

/** An MNIST translation dataset with the map `forward` and its inverse. */
function mnistDomains(
  name: string,
  map: string,
  forward: (samples: Float32Array) => Float32Array,
  inverse: (samples: Float32Array) => Float32Array,
): Dataset {
  let train: ImageSet | undefined, test: ImageSet | undefined;
  const trainSet = () => (train ??= loadMnist("train"));
  const testSet = () => (test ??= loadMnist("test"));
  /** Draws `n` images with replacement from training images [first, first + count). */
  const draw = (n: number, rng: Rng, first: number, count: number) => {
    const set = trainSet();
    const size = set.height * set.width;
    const samples = new Float32Array(n * size);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const index = first + rng.int(count);
      scaledImage(set, index, samples, i * size);
      labels[i] = set.labels[index];
    }
    return { samples, labels };
  };
  const halfOf = (set: ImageSet) => Math.floor(set.count / 2);
  const sampleWithLabels = (n: number, rng: Rng) => draw(n, rng, 0, halfOf(trainSet()));
  /** Refuses more held-out images than half the test split (a programming error: the runner checks). */
  const checked = (n: number) => {
    const half = halfOf(testSet());
    if (n > half) throw new RangeError(`'${name}' holds ${half} held-out images, asked for ${n}`);
    return n;
  };
  const translation: DomainTranslation = {
    map,
    sampleB(n, rng) {
      const half = halfOf(trainSet());
      return forward(draw(n, rng, half, trainSet().count - half).samples);
    },
    // MNIST's test split has 10,000 images: 5,000 held-out inputs and 5,000 references.
    heldOutSize: 5000,
    heldOut: (n) => imageRange(testSet(), 0, checked(n)),
    reference: (n) => imageRange(testSet(), halfOf(testSet()), checked(n)).samples,
    forward,
    inverse,
  };
  return {
    name,
    description:
      `MNIST translation, A: the first 30k training digits, B: the other 30k with ${map}`,
    sampleShape: [SIDE, SIDE, 1],
    range: [-1, 1],
    classes: 10,
    sample: (n, rng) => sampleWithLabels(n, rng).samples,
    sampleWithLabels,
    translation,
  };
}

/** A → B of MNIST digits and their pixel inversions. */
export const mnistInverted: Dataset = mnistDomains(
  "mnist-inverted",
  "b = −a (pixel inversion)",
  invertPixels,
  invertPixels,
);

/** A → B of MNIST digits and the same digits rotated by 90° counter-clockwise. */
export const mnistRotated: Dataset = mnistDomains(
  "mnist-rotated",
  "b = a rotated by 90° counter-clockwise",
  (samples) => rotateImages(samples, { side: SIDE, channels: 1, clockwise: false }),
  (samples) => rotateImages(samples, { side: SIDE, channels: 1, clockwise: true }),
);

/** The angle and scale of `ring8-rotated`'s map. */
const RING_ANGLE = Math.PI / 8, RING_SCALE = 2;

/** `points` (x, y pairs) rotated by `angle` and scaled by `scale`, computed in float64. */
export function rotateScalePoints(
  points: Float32Array,
  angle: number,
  scale: number,
): Float32Array {
  const cos = Math.cos(angle) * scale, sin = Math.sin(angle) * scale;
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i], y = points[i + 1];
    out[i] = cos * x - sin * y;
    out[i + 1] = sin * x + cos * y;
  }
  return out;
}

/** Held-out points of the ring pair (any number; the cap keeps it a number). */
const RING_HELD_OUT = 200_000;
/** Seed of the ring pair's held-out and reference draws. */
const RING_SEED = 20_170_320;

/** ring8 (A) → its points rotated by π/8 and scaled by 2 (B). */
export const ring8Rotated: Dataset = (() => {
  const forward = (points: Float32Array) => rotateScalePoints(points, RING_ANGLE, RING_SCALE);
  const inverse = (points: Float32Array) => rotateScalePoints(points, -RING_ANGLE, 1 / RING_SCALE);
  const a: MixtureSpec = ring8.mixture!;
  const b: MixtureSpec = {
    centres: a.centres.map((c) => Array.from(forward(Float32Array.from(c)))),
    std: a.std * RING_SCALE,
  };
  const fixedDraw = (stream: string, n: number) => {
    if (n > RING_HELD_OUT) {
      throw new RangeError(
        `'ring8-rotated' holds ${RING_HELD_OUT} held-out points, asked for ${n}`,
      );
    }
    // A fresh source each time: the first n points of one fixed sequence.
    return ring8.sampleWithLabels!(n, new Rng(RING_SEED).stream(stream));
  };
  return {
    name: "ring8-rotated",
    description:
      "ring8 translation, A: ring8's points, B: the points rotated by π/8 and scaled by 2",
    sampleShape: [2],
    classes: 8,
    sample: (n, rng) => ring8.sample(n, rng),
    sampleWithLabels: (n, rng) => ring8.sampleWithLabels!(n, rng),
    translation: {
      map: "b = 2 · R(π/8) · a (rotated by π/8, scaled by 2)",
      sampleB: (n, rng) => forward(ring8.sample(n, rng)),
      heldOutSize: RING_HELD_OUT,
      heldOut: (n) => fixedDraw("held-out", n),
      reference: (n) => fixedDraw("reference", n).samples,
      forward,
      inverse,
      mixtures: { a, b },
    },
  };
})();
