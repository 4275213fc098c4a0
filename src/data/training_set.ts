/**
 * Fixed-size training sets, drawn once per run. The mixture datasets draw fresh points for every
 * batch; the papers that the replication suites follow train on a fixed set instead (PacGAN: 100,000
 * points; WGAN-GP's 25 Gaussians: 4,000 per mode), read epoch by epoch in the order their code
 * reads it. A dataset that declares a {@linkcode TrainingSetSpec} is trained, cell by cell, on
 * the {@linkcode RunTrainingSet} that {@linkcode trainingData} draws from the cell's seed.
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";
import type { Dataset } from "./dataset.ts";

/** How a dataset's fixed training set is drawn and read. */
export interface TrainingSetSpec {
  /** Points drawn once per run. */
  size: number;
  /**
   * `random`: each point from the dataset's own sampler (its mode drawn uniformly; PacGAN);
   * `balanced`: size / modes points of every mode, mode after mode, then shuffled once (WGAN-GP's
   * 25 Gaussians; size must be a multiple of the modes).
   */
  modes: "random" | "balanced";
  /**
   * `reshuffled-packs` (PacGAN's Fuel stream): the examples are `pack` independent resamples with
   * replacement of the points, side by side (drawn once per run, also for pack 1), and each epoch
   * visits all of them in a fresh random order. `fixed-order` (WGAN-GP's `inf_train_gen`): the
   * shuffled points are read in order, epoch after epoch, each epoch's last partial batch dropped.
   */
  order: "reshuffled-packs" | "fixed-order";
}

/** A uniform random permutation of 0..n-1 (Fisher-Yates), drawn from `rng`. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * One run's fixed training set of a dataset: its points, drawn once from the run's
 * `training-set` stream, and the read position of the batches that walk it. Batches of `pack`
 * samples per example come out pass-major: the first sample of every example, then the second,
 * and so on (as a packed discriminator and the PacGAN trainer's `pack` generator passes are laid
 * out).
 */
export class RunTrainingSet implements Dataset {
  readonly name: string;
  readonly description: string;
  readonly sampleShape: number[];
  readonly classes?: number;
  readonly mixture?: Dataset["mixture"];
  readonly range?: Dataset["range"];
  readonly spec: TrainingSetSpec;
  /** The points, row-major. */
  readonly points: Float32Array;
  /** Each point's mode (class). */
  readonly labels: Int32Array;
  #dim: number;
  #rng: Rng;
  /** `reshuffled-packs`: the resampled point indices of each pack position, drawn on first use. */
  #packs: Uint32Array[] | undefined;
  /** The current epoch's order of examples. */
  #order: Uint32Array | undefined;
  #position = 0;
  /** Epochs started so far. */
  epochs = 0;

  /**
   * Draws the set of `base` as `spec` says, from `rng` (the run's `training-set` stream).
   *
   * @throws {TypeError} for a spec that does not fit the dataset
   */
  constructor(base: Dataset, spec: TrainingSetSpec, rng: Rng) {
    this.name = base.name;
    this.description = base.description;
    this.sampleShape = base.sampleShape;
    this.classes = base.classes;
    this.mixture = base.mixture;
    this.range = base.range;
    this.spec = spec;
    this.#dim = base.sampleShape.reduce((a, b) => a * b, 1);
    this.#rng = rng;
    if (!Number.isInteger(spec.size) || spec.size < 1) {
      throw new TypeError(`training set of '${base.name}': size must be a positive integer`);
    }
    if (spec.modes === "random") {
      if (!base.sampleWithLabels) {
        const points = base.sample(spec.size, rng);
        this.points = points;
        this.labels = new Int32Array(spec.size);
      } else {
        const { samples, labels } = base.sampleWithLabels(spec.size, rng);
        this.points = samples;
        this.labels = labels;
      }
    } else {
      const drawn = balancedPoints(base, spec.size, rng);
      // Shuffled once, as the set is (np.random.shuffle in WGAN-GP's toy script).
      const order = permutation(spec.size, rng);
      this.points = new Float32Array(spec.size * this.#dim);
      this.labels = new Int32Array(spec.size);
      order.forEach((from, to) => {
        this.points.set(
          drawn.points.subarray(from * this.#dim, (from + 1) * this.#dim),
          to * this.#dim,
        );
        this.labels[to] = drawn.labels[from];
      });
    }
  }

  /** The next `n` points of the set (one sample per example); see {@linkcode samplePacked}. */
  sample(n: number, rng: Rng): Float32Array {
    return this.samplePacked(n, 1, rng).samples;
  }

  /** The next `n` points with their modes. */
  sampleWithLabels(n: number, rng: Rng): { samples: Float32Array; labels: Int32Array } {
    return this.samplePacked(n, 1, rng);
  }

  /**
   * The next `n` examples of `pack` samples each, pass-major (`n · pack` samples: the first sample
   * of every example, then the second, ...). `rng` (the trainer's data stream) orders each new
   * epoch of `reshuffled-packs`; `fixed-order` sets never reshuffle.
   *
   * @throws {TypeError} when `pack` differs from the first call's, or is not 1 for `fixed-order`
   */
  samplePacked(
    n: number,
    pack: number,
    rng: Rng,
  ): { samples: Float32Array; labels: Int32Array } {
    const size = this.spec.size;
    if (n > size) throw new TypeError(`a batch of ${n} is larger than the training set (${size})`);
    const packs = this.#packIndices(pack);
    if (!this.#order || this.#position + n > size) {
      this.#order = this.spec.order === "fixed-order"
        ? (this.#order ?? Uint32Array.from({ length: size }, (_, i) => i))
        : permutation(size, rng);
      this.#position = 0;
      this.epochs++;
    }
    const dim = this.#dim;
    const samples = new Float32Array(n * pack * dim);
    const labels = new Int32Array(n * pack);
    for (let j = 0; j < pack; j++) {
      for (let i = 0; i < n; i++) {
        const example = this.#order[this.#position + i];
        const point = packs ? packs[j][example] : example;
        const row = j * n + i;
        samples.set(this.points.subarray(point * dim, (point + 1) * dim), row * dim);
        labels[row] = this.labels[point];
      }
    }
    this.#position += n;
    return { samples, labels };
  }

  /** The resampled indices of each pack position (`reshuffled-packs`), or undefined. */
  #packIndices(pack: number): Uint32Array[] | undefined {
    if (!Number.isInteger(pack) || pack < 1) throw new TypeError(`pack must be >= 1, got ${pack}`);
    if (this.spec.order === "fixed-order") {
      if (pack !== 1) throw new TypeError(`a fixed-order training set has no packs, got ${pack}`);
      return undefined;
    }
    if (!this.#packs) {
      // PacGAN's GaussianPackingMixture: np.random.randint(0, N, size=N) per pack position.
      const size = this.spec.size;
      this.#packs = Array.from(
        { length: pack },
        () => Uint32Array.from({ length: size }, () => this.#rng.int(size)),
      );
    } else if (this.#packs.length !== pack) {
      throw new TypeError(
        `this run's training set is packed by ${this.#packs.length}, asked for ${pack}`,
      );
    }
    return this.#packs;
  }
}

/** size / modes points of every mode of `base`'s mixture, mode after mode, point after point. */
function balancedPoints(
  base: Dataset,
  size: number,
  rng: Rng,
): { points: Float32Array; labels: Int32Array } {
  const mixture = base.mixture;
  if (!mixture) {
    throw new TypeError(`a balanced training set needs a mixture, '${base.name}' is not`);
  }
  const modes = mixture.centres.length;
  if (size % modes) {
    throw new TypeError(
      `a balanced training set of ${size} points is no multiple of ${modes} modes`,
    );
  }
  const dim = mixture.centres[0].length;
  const points = new Float32Array(size * dim);
  const labels = new Int32Array(size);
  // The order of WGAN-GP's loop: for each of size / modes rounds, every mode once.
  for (let i = 0, row = 0; i < size / modes; i++) {
    for (let m = 0; m < modes; m++, row++) {
      for (let d = 0; d < dim; d++) {
        points[row * dim + d] = mixture.centres[m][d] + mixture.std * rng.normal();
      }
      labels[row] = m;
    }
  }
  return { points, labels };
}

/**
 * The data a run trains on: a {@linkcode RunTrainingSet} drawn from `rng` when `dataset` declares a
 * fixed training set, else `dataset` itself (fresh samples for every batch).
 *
 * @param rng the run's `training-set` stream.
 */
export function trainingData(dataset: Dataset, rng: Rng): Dataset {
  return dataset.trainingSet ? new RunTrainingSet(dataset, dataset.trainingSet, rng) : dataset;
}

/**
 * `n` examples of `pack` real samples each, pass-major (`n · pack` samples): from the run's fixed
 * training set when it has one, else `n · pack` fresh samples (independent draws, in any order).
 */
export function packedBatch(dataset: Dataset, n: number, pack: number, rng: Rng): Float32Array {
  return dataset instanceof RunTrainingSet
    ? dataset.samplePacked(n, pack, rng).samples
    : dataset.sample(n * pack, rng);
}
