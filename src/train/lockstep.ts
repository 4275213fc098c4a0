/**
 * Seeds in lockstep: the cells of one row (same variant, dataset, hyper-parameters and budget; only
 * the seed differs) trained together as one model with a leading seed axis S. Each seed keeps its
 * own data, noise and penalty streams (drawn as the solo run draws them, then stacked), its own
 * optimiser state (the flat optimisers are elementwise), its own power-iteration vectors, its own
 * curves and evaluations (each seed runs the shared loop of `loop.ts`; a barrier joins their steps
 * into one batched step), and its own divergence: a seed whose loss or logged norm goes non-finite
 * ends there, as alone, and its slice of every tensor stays its own (the losses are summed over
 * seeds, whose gradient is exactly 1 for each).
 *
 * Every op is the solo trainer's (`train.ts`) with a seed axis in front, in the same order: the
 * dense layers are {@linkcode batchedDenseLayer} (the solo kernels slice by slice), each per-seed
 * reduction runs over the innermost axes (the same kernel loop as the solo full reduction) or over
 * the leading rows after a transpose, so that on the wasm backend a seed trained here gives the
 * bits it gives alone (tested in `lockstep_test.ts`). Other backends make no such promise.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchedDenseLayer, type DenseActivation } from "@ganbench/wasm-kernels";
import type { Rng } from "../engine/rng.ts";
import { DATASETS } from "../data/mod.ts";
// Not imported by train/mod.ts, so the losses' registry (which imports the trainers') is safe here.
import { LOSSES } from "../losses/mod.ts";
import type { CellConfig } from "../runner/cells.ts";
import type { StepReport } from "./loop.ts";
import {
  applySeedUpdates,
  runLockstepLoops,
  SEED_LOSSES,
  seedMean,
  type SeedOutput,
  type SeedUpdate,
  stackDraws,
  stacked,
  writeSlice,
} from "./lockstep_parts.ts";
import { trainPacganLockstep } from "./lockstep_pacgan.ts";
import {
  diverged,
  optimizerFor,
  type TrainOptions,
  type TrainOutcome,
  type WeightedRegulariser,
} from "./trainer.ts";

/** Seeds trained together when the user does not say (`--lockstep` absent), but see {@linkcode lockstepAuto}. */
export const LOCKSTEP_AUTO = 16;

/**
 * Architectures whose automatic group size is not {@linkcode LOCKSTEP_AUTO}, from bench:speed's
 * lockstep rows (docs/speed.md, "Seeds in lockstep"): the WGAN-GP toy's 512-wide `relu-mlp` gains
 * as much at 4 seeds as at 10, and PacGAN gains nothing measurable, so a larger group would only
 * hold its cells back from being stored until the whole group ends.
 */
export const LOCKSTEP_AUTO_BY_ARCHITECTURE: Readonly<Record<string, number>> = {
  "relu-mlp": 4,
  pacgan: 1,
};

/** The group size `--lockstep` absent gives a configuration's row (before `lockstepUnsupported`). */
export function lockstepAuto(config: Pick<CellConfig, "architecture">): number {
  return LOCKSTEP_AUTO_BY_ARCHITECTURE[config.architecture] ?? LOCKSTEP_AUTO;
}

/** What the seed-axis discriminator step needs of a penalty, perturbation or constraint. */
interface SeedRegulariser {
  /** A term of D's loss per seed. */
  penalty?(
    context: { discriminate: (x: tf.Tensor) => SeedOutput; real: tf.Tensor; fake: tf.Tensor },
    weight: number,
    rngs: Rng[],
  ): tf.Tensor1D;
  /** A transformation of every input D sees, each seed's draws from its own stream. */
  perturb?(x: tf.Tensor, weight: number, rngs: Rng[]): tf.Tensor;
  /** Elementwise on the weights, so the solo regulariser runs on the stacked ones as they are. */
  elementwiseConstraint?: true;
}

/** regularisers.ts' squared input-gradient norms per sample, per seed: `[S, n]`. */
function seedSquaredInputGradientNorms(
  discriminate: (x: tf.Tensor) => SeedOutput,
  x: tf.Tensor,
): tf.Tensor2D {
  const [seeds, n] = x.shape;
  const gradient = tf.grad((input: tf.Tensor) => tf.sum(discriminate(input).logits))(x);
  const flat = tf.reshape(gradient, [seeds, n, -1]);
  return tf.sum(tf.square(flat), 2) as tf.Tensor2D;
}

/** The regularisers lockstep supports, by registered name: regularisers.ts' own, op for op. */
const SEED_REGULARISERS: Record<string, SeedRegulariser> = {
  "gradient-penalty": {
    penalty({ discriminate, real, fake }, weight, rngs) {
      const [seeds, n] = real.shape;
      const epsShape = [seeds, n, ...real.shape.slice(2).map(() => 1)];
      const eps = tf.tensor(stackDraws(rngs, (rng) => rng.uniforms(n, 0, 1)), epsShape);
      const interpolates = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
      const norms = tf.sqrt(
        tf.add(seedSquaredInputGradientNorms(discriminate, interpolates), 1e-12),
      );
      return tf.mul(weight, seedMean(tf.square(tf.sub(norms, 1))));
    },
  },
  r1: {
    penalty: ({ discriminate, real }, weight) =>
      tf.mul(weight / 2, seedMean(seedSquaredInputGradientNorms(discriminate, real))),
  },
  r2: {
    penalty: ({ discriminate, fake }, weight) =>
      tf.mul(weight / 2, seedMean(seedSquaredInputGradientNorms(discriminate, fake))),
  },
  "instance-noise": {
    perturb(x, sigma, rngs) {
      const size = x.size / x.shape[0];
      return tf.add(x, tf.tensor(stackDraws(rngs, (rng) => rng.normals(size, sigma)), x.shape));
    },
  },
  "weight-clip": { elementwiseConstraint: true },
};

/** The architectures whose pairs carry a lockstep layout (network.ts' `LockstepLayout`). */
const LOCKSTEP_ARCHITECTURES = new Set(["mlp", "relu-mlp", "dirac", "pacgan"]);

/**
 * The trainers with a lockstep form: the GAN step (on the architectures above), PacGAN's joint step
 * and CycleGAN's step, each of these two on its own architecture only.
 */
const LOCKSTEP_TRAINERS = new Set(["gan", "pacgan", "cyclegan"]);

/** Architectures whose lockstep form is their own trainer's (every other one's is the GAN step's). */
const ARCHITECTURE_TRAINER: Record<string, string> = { pacgan: "pacgan", cyclegan: "cyclegan" };

/** Why cells of this configuration cannot train in lockstep (undefined when they can). Pure: config only. */
export function lockstepUnsupported(config: CellConfig): string | undefined {
  const trainer = config.trainer ?? "gan";
  if (!LOCKSTEP_TRAINERS.has(trainer)) return `trainer '${trainer}' trains each seed alone`;
  if (trainer !== (ARCHITECTURE_TRAINER[config.architecture] ?? "gan")) {
    return `trainer '${trainer}' on architecture '${config.architecture}' has no lockstep form (PacGAN's and CycleGAN's steps have one on their own networks only)`;
  }
  // The wasm kernels (and `blas`, which hashes as wasm) run each seed's slice through the solo
  // kernel; other backends' batched products may add in another order, so a grouped seed could
  // differ from the cell its hash names.
  if (config.backend !== "wasm") {
    return `on backend '${config.backend}' a seed trained in lockstep is not known to match its solo run (tested on wasm)`;
  }
  if (trainer === "cyclegan") {
    if (DATASETS.get(config.dataset).sampleShape.length !== 1) {
      return "CycleGAN's image networks train each seed alone (its point networks train in lockstep)";
    }
  } else {
    if (!LOCKSTEP_ARCHITECTURES.has(config.architecture)) {
      return `architecture '${config.architecture}' has no lockstep form (${
        [...LOCKSTEP_ARCHITECTURES].join(", ")
      } have)`;
    }
    if (config.conditional) return "class-conditional pairs train each seed alone";
    const discriminator = (config.model as { discriminator?: { normalisation?: string } })
      .discriminator;
    const normalisation = discriminator?.normalisation ?? "none";
    if (normalisation !== "none" && normalisation !== "spectral") {
      return `${normalisation} norm in the discriminator has no lockstep form`;
    }
  }
  if (!LOSSES.has(config.loss) || !SEED_LOSSES.has(LOSSES.get(config.loss))) {
    return `loss '${config.loss}' has no lockstep form`;
  }
  const other = Object.keys(config.regularisers).find((name) => !(name in SEED_REGULARISERS));
  if (other) return `regulariser '${other}' has no lockstep form`;
  return undefined;
}

/** `L2`-normalises each row of `v` (`[S, n]`), as normalisation.ts' `l2Normalise` each alone. */
function l2NormaliseRows(v: tf.Tensor2D): tf.Tensor2D {
  return tf.div(v, tf.maximum(tf.norm(v, "euclidean", 1, true), 1e-12));
}

/**
 * Spectral normalisation of one stacked weight `[S, in, out]` with stacked u `[S, out]` and v
 * `[S, in]`: normalisation.ts' `SpectralNorm`, op for op, per seed.
 */
class SeedSpectralNorm {
  readonly #weight: tf.Variable;
  readonly #u: tf.Variable;
  readonly #v: tf.Variable;
  readonly #shape: [number, number, number];

  constructor(weight: tf.Variable, u: tf.Variable, v: tf.Variable) {
    this.#weight = weight;
    this.#u = u;
    this.#v = v;
    const [seeds, rows, cols] = weight.shape;
    this.#shape = [seeds, rows, cols];
  }

  #matrix(): tf.Tensor3D {
    return tf.reshape(this.#weight, this.#shape);
  }

  update(): void {
    const [seeds, rows, cols] = this.#shape;
    tf.tidy(() => {
      const m = this.#matrix();
      const v = l2NormaliseRows(
        tf.reshape(tf.matMul(m, tf.reshape(this.#u, [seeds, cols, 1])), [seeds, rows]),
      );
      const u = l2NormaliseRows(
        tf.reshape(tf.matMul(tf.reshape(v, [seeds, 1, rows]), m), [seeds, cols]),
      );
      this.#v.assign(v);
      this.#u.assign(u);
    });
  }

  #sigma(): tf.Tensor1D {
    const [seeds, rows, cols] = this.#shape;
    return tf.tidy(() =>
      tf.sum(
        tf.mul(
          tf.reshape(tf.matMul(this.#matrix(), tf.reshape(this.#u, [seeds, cols, 1])), [
            seeds,
            rows,
          ]),
          this.#v,
        ),
        1,
      )
    );
  }

  normalised(): tf.Tensor3D {
    return tf.div(this.#weight, tf.reshape(this.#sigma(), [this.#shape[0], 1, 1]));
  }
}

/** The S pairs of one row as one batched pair: stacked variables, forward passes with a seed axis. */
interface SeedModel {
  readonly generatorVariables: tf.Variable[];
  readonly discriminatorVariables: tf.Variable[];
  /** The generator on `[S, n, latent]` codes: `[S, n, ...sampleShape]`. */
  generate(latent: tf.Tensor3D): tf.Tensor;
  /** The discriminator on `[S, n, ...sampleShape]` samples. */
  discriminate(x: tf.Tensor): SeedOutput;
  /** What the solo discriminator's `afterStep` does, per seed. */
  afterDiscriminatorStep(): void;
  /** Writes seed `s`'s weights (and state) into its solo pair. */
  writeBack(s: number, pair: TrainOptions["pair"]): void;
  dispose(): void;
}

/** dirac.ts' G(z) = θ and D(x) = ψ·x with θ and ψ stacked to `[S]`. */
class SeedDirac implements SeedModel {
  readonly generatorVariables: tf.Variable[];
  readonly discriminatorVariables: tf.Variable[];

  constructor(group: TrainOptions[]) {
    this.generatorVariables = stacked(group.map((o) => o.pair.generator.variables));
    this.discriminatorVariables = stacked(group.map((o) => o.pair.discriminator.variables));
  }

  generate(latent: tf.Tensor3D): tf.Tensor {
    const [seeds, n] = latent.shape;
    return tf.mul(tf.ones([seeds, n, 1]), tf.reshape(this.generatorVariables[0], [seeds, 1, 1]));
  }

  discriminate(x: tf.Tensor): SeedOutput {
    const seeds = x.shape[0];
    const input = tf.reshape(x, [seeds, -1, 1]) as tf.Tensor3D;
    const psi = tf.reshape(this.discriminatorVariables[0], [seeds, 1, 1]);
    return { logits: tf.mul(input, psi) as tf.Tensor3D, features: input };
  }

  afterDiscriminatorStep(): void {}

  writeBack(s: number, pair: TrainOptions["pair"]): void {
    writeSlice(this.generatorVariables, pair.generator.variables, s);
    writeSlice(this.discriminatorVariables, pair.discriminator.variables, s);
  }

  dispose(): void {
    tf.dispose([...this.generatorVariables, ...this.discriminatorVariables]);
  }
}

/** The S pairs of one row as one batched MLP pair (`mlp` or `relu-mlp`). */
class SeedMlp implements SeedModel {
  readonly generatorVariables: tf.Variable[];
  readonly discriminatorVariables: tf.Variable[];
  /** Spectral normalisation's u, v per layer (empty without). */
  readonly discriminatorState: tf.Variable[];
  readonly #spectral: SeedSpectralNorm[];
  readonly #generatorOutput: DenseActivation;
  readonly #discriminatorHidden: DenseActivation;
  readonly #sampleShape: number[];
  readonly #sampleSize: number;

  constructor(group: TrainOptions[]) {
    const layout = group[0].pair.lockstep!;
    this.generatorVariables = stacked(group.map((o) => o.pair.generator.variables));
    this.discriminatorVariables = stacked(group.map((o) => o.pair.discriminator.variables));
    this.discriminatorState = layout.normalisation === "spectral"
      ? stacked(group.map((o) => [...o.pair.discriminator.state!]), false)
      : [];
    this.#spectral = !this.discriminatorState.length ? [] : layerPairs(
      this.discriminatorVariables,
    ).map(([kernel], i) =>
      new SeedSpectralNorm(
        kernel,
        this.discriminatorState[2 * i],
        this.discriminatorState[2 * i + 1],
      )
    );
    this.#generatorOutput = layout.generatorOutput;
    this.#discriminatorHidden = layout.discriminatorHidden === "relu" ? "relu" : "leakyrelu";
    this.#sampleShape = group[0].dataset.sampleShape;
    this.#sampleSize = this.#sampleShape.reduce((a, b) => a * b, 1);
  }

  /** mlp.ts' (relu_mlp.ts') generator on `[S, n, latent]` codes. */
  generate(latent: tf.Tensor3D): tf.Tensor {
    const layers = layerPairs(this.generatorVariables);
    let h = latent;
    layers.forEach(([kernel, bias], i) => {
      const act = i === layers.length - 1 ? this.#generatorOutput : "relu";
      h = batchedDenseLayer(h, kernel as tf.Tensor3D, bias as tf.Tensor2D, act);
    });
    return tf.reshape(h, [h.shape[0], -1, ...this.#sampleShape]);
  }

  /**
   * mlp.ts' (relu_mlp.ts') discriminator on `[S, n, ...sampleShape]` samples; each layer reads its (normalised)
   * kernel as it comes, as the solo forward does.
   */
  discriminate(x: tf.Tensor): SeedOutput {
    const layers = layerPairs(this.discriminatorVariables);
    const kernel = (i: number) =>
      (this.#spectral.length ? this.#spectral[i].normalised() : layers[i][0]) as tf.Tensor3D;
    let h = tf.reshape(x, [x.shape[0], -1, this.#sampleSize]) as tf.Tensor3D;
    layers.slice(0, -1).forEach(([, bias], i) => {
      h = batchedDenseLayer(h, kernel(i), bias as tf.Tensor2D, this.#discriminatorHidden);
    });
    const last = layers.length - 1;
    const logits = batchedDenseLayer(h, kernel(last), layers[last][1] as tf.Tensor2D, "linear");
    return { logits, features: h };
  }

  /** Spectral normalisation's power iteration after each D step (the solo `afterStep`). */
  afterDiscriminatorStep(): void {
    for (const norm of this.#spectral) norm.update();
  }

  /** Writes seed `s`'s weights (and state) into its solo pair. */
  writeBack(s: number, pair: TrainOptions["pair"]): void {
    writeSlice(this.generatorVariables, pair.generator.variables, s);
    writeSlice(this.discriminatorVariables, pair.discriminator.variables, s);
    if (this.discriminatorState.length) {
      writeSlice(this.discriminatorState, [...pair.discriminator.state!], s);
    }
  }

  dispose(): void {
    tf.dispose([
      ...this.generatorVariables,
      ...this.discriminatorVariables,
      ...this.discriminatorState,
    ]);
  }
}

/** `variables` (kernel, bias, kernel, bias, ...) as (kernel, bias) pairs. */
function layerPairs(variables: tf.Variable[]): [tf.Variable, tf.Variable][] {
  return Array.from({ length: variables.length / 2 }, (_, i) => [
    variables[2 * i],
    variables[2 * i + 1],
  ]);
}

/** Each seed's streams, as train.ts draws them. */
interface SeedStreams {
  data: Rng[];
  noise: Rng[];
  penalty: Rng[];
}

/** Throws unless every element of `group` trains the same row (only the seed may differ). */
function checkGroup(group: TrainOptions[]): void {
  const [first] = group;
  const same = (o: TrainOptions) =>
    o.loss === first.loss && JSON.stringify(o.hyper) === JSON.stringify(first.hyper) &&
    JSON.stringify(o.budget) === JSON.stringify(first.budget) &&
    JSON.stringify(o.regularisers.map((r) => [r.name, r.weight])) ===
      JSON.stringify(first.regularisers.map((r) => [r.name, r.weight])) &&
    JSON.stringify(o.pair.lockstep) === JSON.stringify(first.pair.lockstep) &&
    String(o.dataset.sampleShape) === String(first.dataset.sampleShape);
  if (!group.every(same)) {
    throw new TypeError(
      "seeds in lockstep must share loss, regularisers, hyper-parameters and budget",
    );
  }
  const layout = first.pair.lockstep;
  if (
    !layout || first.pair.classes !== undefined ||
    (layout.normalisation !== "none" && layout.normalisation !== "spectral")
  ) {
    throw new TypeError("this pair has no lockstep form (lockstepUnsupported says why)");
  }
  if (!first.loss || !SEED_LOSSES.has(first.loss)) {
    throw new TypeError("this loss has no lockstep form");
  }
  const other = first.regularisers.find((r) => !(r.name in SEED_REGULARISERS));
  if (other) throw new TypeError(`regulariser '${other.name}' has no lockstep form`);
}

/**
 * Trains each element of `group` as `TRAINERS.get("gan").train(group[i])` would, all in one batched
 * model; outcome i is group[i]'s, bit-identical on wasm. Calls group[i].evaluate(generator, at) with a
 * solo Generator holding seed i's weights at step `at` (at 0 and every evalEvery, like the loop), and
 * group[i].onProgress; at the end group[i].pair's variables hold seed i's final weights (so the runner's
 * checkpoints, final figures and pictures work unchanged).
 *
 * @throws {TypeError} when the group's members differ in more than their seed, or have no lockstep form
 */
export async function trainLockstep(group: TrainOptions[]): Promise<TrainOutcome[]> {
  if (group.length === 0) return [];
  checkGroup(group);
  if (group[0].pair.lockstep!.architecture === "pacgan") return trainPacganLockstep(group);
  const [{ hyper, budget, regularisers }] = group;
  const loss = SEED_LOSSES.get(group[0].loss!)!;
  const generatorNeedsReal = group[0].loss!.generatorNeedsReal ?? false;
  const streams: SeedStreams = {
    data: group.map((o) => o.rng.stream("data")),
    noise: group.map((o) => o.rng.stream("noise")),
    penalty: group.map((o) => o.rng.stream("penalty")),
  };
  const model: SeedModel = group[0].pair.lockstep!.architecture === "dirac"
    ? new SeedDirac(group)
    : new SeedMlp(group);
  const optimizerD = optimizerFor(hyper, hyper.lrD);
  const optimizerG = optimizerFor(hyper, hyper.lrG);
  const seeds = group.length;
  const { batchSize } = budget;
  const sampleShape = group[0].dataset.sampleShape;
  const latentDim = group[0].pair.generator.latentDim;
  const penalties = regularisers.filter((r) => SEED_REGULARISERS[r.name].penalty);
  const constraints = regularisers.filter((r) => SEED_REGULARISERS[r.name].elementwiseConstraint);
  const perturbations = regularisers.filter((r) => SEED_REGULARISERS[r.name].perturb);
  /** D's view of an input, after every perturbation, as train.ts' `seen`. */
  const seen = (x: tf.Tensor) =>
    perturbations.reduce(
      (input, { name, weight }) => SEED_REGULARISERS[name].perturb!(input, weight, streams.penalty),
      x,
    );

  const realBatch = () =>
    tf.tensor(
      stackDraws(streams.data, (rng, s) => group[s].dataset.sample(batchSize, rng)),
      [seeds, batchSize, ...sampleShape],
    );
  const latentBatch = () =>
    tf.tensor3d(
      stackDraws(streams.noise, (rng) => rng.normals(batchSize * latentDim)),
      [seeds, batchSize, latentDim],
    );
  const discriminatorUpdate = (): SeedUpdate => {
    const real = seen(realBatch());
    const fake = seen(model.generate(latentBatch()));
    return {
      optimizer: optimizerD,
      variables: model.discriminatorVariables,
      objective: () => {
        let total = loss.discriminatorLoss(model.discriminate(real), model.discriminate(fake));
        for (const { name, weight } of penalties) {
          const context = { discriminate: (x: tf.Tensor) => model.discriminate(x), real, fake };
          total = tf.add(
            total,
            SEED_REGULARISERS[name].penalty!(context, weight, streams.penalty),
          );
        }
        return total;
      },
    };
  };
  const generatorUpdate = (): SeedUpdate => {
    const latent = latentBatch();
    const real = generatorNeedsReal ? seen(realBatch()) : undefined;
    return {
      optimizer: optimizerG,
      variables: model.generatorVariables,
      objective: () => {
        const fakeOut = model.discriminate(seen(model.generate(latent)));
        return loss.generatorLoss(fakeOut, real && model.discriminate(real));
      },
    };
  };
  /** The constraints and the power iteration after each D step, on every seed's slice. */
  const afterDiscriminatorStep = () => {
    const critic = { variables: model.discriminatorVariables, discriminate: () => ({}) };
    for (const { regulariser, weight } of constraints as WeightedRegulariser[]) {
      regulariser.afterDiscriminatorStep!(critic as never, weight);
    }
    model.afterDiscriminatorStep();
  };

  /** train.ts' step for the seeds in `running`, each seed's report as it would be alone. */
  const step = async (_g: number, logging: boolean, running: number[]) => {
    const reports = new Map<number, StepReport>();
    const state = running.map(() => ({ lossesD: [] as number[], normD: -1, lossG: 0, normG: -1 }));
    /** Ends seed `running[i]`'s step with `report`, its weights written back as they are now. */
    const end = (i: number, report: StepReport) => {
      reports.set(running[i], report);
      model.writeBack(running[i], group[running[i]].pair);
    };
    for (let d = 0; d < hyper.k; d++) {
      const last = d === hyper.k - 1;
      const joint = last && hyper.scheme === "simultaneous";
      const [forD, forG] = await applySeedUpdates(
        () => (joint ? [discriminatorUpdate(), generatorUpdate()] : [discriminatorUpdate()]),
        logging && last,
      );
      afterDiscriminatorStep();
      running.forEach((s, i) => {
        if (reports.has(s)) return;
        const seed = state[i];
        seed.normD = forD.norms[s];
        if (forG) [seed.lossG, seed.normG] = [forG.losses[s], forG.norms[s]];
        if (diverged(forD.losses[s], seed.normD)) {
          end(i, { ...seed, lossesD: seed.lossesD, diverged: "D" });
        } else seed.lossesD.push(forD.losses[s]);
      });
    }
    if (hyper.scheme === "alternating") {
      const [forG] = await applySeedUpdates(() => [generatorUpdate()], logging);
      running.forEach((s, i) => {
        if (!reports.has(s)) [state[i].lossG, state[i].normG] = [forG.losses[s], forG.norms[s]];
      });
    }
    running.forEach((s, i) => {
      if (reports.has(s)) return;
      const { lossesD, normD, lossG, normG } = state[i];
      if (diverged(lossG, normG)) end(i, { lossesD, normD, lossG, normG, diverged: "G" });
      else reports.set(s, { lossesD, normD, lossG, normG });
    });
    return reports;
  };

  try {
    return await runLockstepLoops({
      group,
      writeBack: (s) => model.writeBack(s, group[s].pair),
      evaluate: (s, at) => group[s].evaluate(group[s].pair.generator, at),
    }, step);
  } finally {
    optimizerD.dispose();
    optimizerG.dispose();
    model.dispose();
  }
}
