/**
 * The parts every lockstep form shares (`lockstep.ts` for the MLP and Dirac pairs,
 * `lockstep_pacgan.ts` for PacGAN's): the seed-axis losses, stacked variables and their slices,
 * the batched optimiser update, and the barrier and loops that join S seeds' training loops into
 * one batched step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";
import {
  featureMatchingLoss,
  hingeLoss,
  leastSquaresLoss,
  minimaxLoss,
  nonSaturatingLoss,
  wassersteinLoss,
} from "../losses/gan_losses.ts";
import type { GanLoss } from "../losses/loss.ts";
import { ownedVariable } from "../models/layers.ts";
import { runTrainingLoop, type StepReport } from "./loop.ts";
import type { TrainOptions, TrainOutcome } from "./trainer.ts";
import type { Optimizer } from "./optimizers.ts";

/** A batched network's outputs: `[S, n, 1]` scores and `[S, n, f]` penultimate features. */
export interface SeedOutput {
  logits: tf.Tensor3D;
  features: tf.Tensor3D;
}

/** A GAN loss with a seed axis: each player's loss per seed, `[S]`, as the solo loss computes it. */
export interface SeedLoss {
  discriminatorLoss(real: SeedOutput, fake: SeedOutput): tf.Tensor1D;
  generatorLoss(fake: SeedOutput, real?: SeedOutput): tf.Tensor1D;
}

/** The mean of each seed's slice (every axis but the first), as `tf.mean` of the slice alone. */
export function seedMean(x: tf.Tensor): tf.Tensor1D {
  return tf.mean(x, x.shape.slice(1).map((_, i) => i + 1)) as tf.Tensor1D;
}

/** Each seed's mean over its rows (`[S, n, f]` to `[S, f]`), as `tf.mean(slice, 0)` alone. */
function seedRowMean(x: tf.Tensor3D): tf.Tensor2D {
  return tf.mean(tf.transpose(x, [1, 0, 2]), 0) as tf.Tensor2D;
}

function crossEntropyDiscriminator(real: tf.Tensor, fake: tf.Tensor): tf.Tensor1D {
  return tf.add(seedMean(tf.softplus(tf.neg(real))), seedMean(tf.softplus(fake)));
}

/** The seed-axis form of each GAN loss of `gan_losses.ts`, op for op. */
export const SEED_LOSSES = new Map<GanLoss, SeedLoss>([
  [minimaxLoss, {
    discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
    generatorLoss: (fake) => tf.neg(seedMean(tf.softplus(fake.logits))),
  }],
  [nonSaturatingLoss, {
    discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
    generatorLoss: (fake) => seedMean(tf.softplus(tf.neg(fake.logits))),
  }],
  [leastSquaresLoss, {
    discriminatorLoss: (real, fake) =>
      tf.mul(
        0.5,
        tf.add(seedMean(tf.square(tf.sub(real.logits, 1))), seedMean(tf.square(fake.logits))),
      ),
    generatorLoss: (fake) => tf.mul(0.5, seedMean(tf.square(tf.sub(fake.logits, 1)))),
  }],
  [wassersteinLoss, {
    discriminatorLoss: (real, fake) => tf.sub(seedMean(fake.logits), seedMean(real.logits)),
    generatorLoss: (fake) => tf.neg(seedMean(fake.logits)),
  }],
  [hingeLoss, {
    discriminatorLoss: (real, fake) =>
      tf.add(
        seedMean(tf.relu(tf.sub(1, real.logits))),
        seedMean(tf.relu(tf.add(1, fake.logits))),
      ),
    generatorLoss: (fake) => tf.neg(seedMean(fake.logits)),
  }],
  [featureMatchingLoss, {
    discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
    generatorLoss: (fake, real) => {
      if (!real) throw new TypeError("feature matching needs D's output on real data");
      return tf.sum(
        tf.square(tf.sub(seedRowMean(real.features), seedRowMean(fake.features))),
        1,
      ) as tf.Tensor1D;
    },
  }],
]);

/** `draw(rngs[s])` for every seed s, end to end, as one float32 buffer. */
export function stackDraws(rngs: Rng[], draw: (rng: Rng, s: number) => Float32Array): Float32Array {
  const parts = rngs.map(draw);
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The solo pairs' weights stacked along a new leading axis, as trainable variables. They are
 * created in the order in which `tf.variableGrads` lists the solo variables' gradients (its result
 * is keyed by variable name, and tfjs' names are numbers, which an object orders numerically, so
 * by creation: PacGAN's G creates its kernels before its batch norms), so that the batched
 * gradients come in the same order and a gradient norm adds its terms as the solo one does.
 */
export function stacked(solo: tf.Variable[][], trainable = true): tf.Variable[] {
  const order: number[] = Object.values(
    Object.fromEntries(solo[0].map((variable, j) => [variable.name, j])),
  );
  const out: tf.Variable[] = new Array(solo[0].length);
  for (const j of order) out[j] = ownedVariable(tf.stack(solo.map((vars) => vars[j])), trainable);
  return out;
}

/** Writes seed `s`'s slice of each of `batched` into `solo` (the same order). */
export function writeSlice(batched: tf.Variable[], solo: tf.Variable[], s: number): void {
  tf.tidy(() => {
    batched.forEach((variable, j) => {
      const begin = variable.shape.map((_, axis) => (axis === 0 ? s : 0));
      const size = variable.shape.map((d, axis) => (axis === 0 ? 1 : d));
      solo[j].assign(tf.reshape(tf.slice(variable, begin, size), solo[j].shape));
    });
  });
}

/** One optimiser update of stacked variables: per-seed losses `[S]` whose sum is minimised. */
export interface SeedUpdate {
  optimizer: Optimizer;
  variables: tf.Variable[];
  /**
   * Groups of `variables` whose gradient norms are measured each (trainer.ts' `normGroups`);
   * default: all of them as one.
   */
  normGroups?: tf.Variable[][];
  /** The per-seed losses; `record` keeps another `[S]` value computed on the way, to be read back. */
  objective(record: (value: tf.Tensor1D) => void): tf.Tensor1D;
}

/**
 * Each seed's loss, gradient norm per group (−1 when not measured; `norms` is the first group's)
 * and recorded values of one {@linkcode SeedUpdate}.
 */
export interface SeedValues {
  losses: Float32Array;
  norms: Float32Array;
  groupNorms: Float32Array[];
  recorded: Float32Array[];
}

/**
 * trainer.ts' `applyUpdates` with a seed axis: the gradients of every update at the current
 * weights (of the sum over seeds, so each seed's slice gets its own loss's gradient), then all
 * applied; each seed's loss, gradient norms and recorded values read back in one transfer per
 * update.
 */
export async function applySeedUpdates(
  makeUpdates: () => SeedUpdate[],
  measureNorms: boolean,
): Promise<SeedValues[]> {
  const layouts: { groups: number; recorded: number }[] = [];
  const tensors = tf.tidy(() => {
    const updates = makeUpdates();
    const recorded: tf.Tensor1D[][] = updates.map(() => []);
    const computed = updates.map((update, i) => {
      let losses: tf.Tensor1D | undefined;
      const { grads } = tf.variableGrads(() => {
        // Kept out of the gradient's tidy scope, to be read below.
        losses = tf.keep(update.objective((value) => recorded[i].push(tf.keep(value))));
        return tf.sum(losses);
      }, update.variables);
      return { losses: losses!, grads };
    });
    const out = computed.map(({ losses, grads }, i) => {
      const seeds = losses.shape[0];
      // trainer.ts' globalNorm per seed and group: each gradient's squares summed over its slice,
      // the gradients in the order the solo update adds them.
      const groups = updates[i].normGroups?.map((group) => group.map((v) => grads[v.name])) ??
        [Object.values(grads)];
      const norms = groups.map((group) =>
        measureNorms
          ? tf.sqrt(tf.addN(group.map((g) => tf.sum(tf.square(tf.reshape(g, [seeds, -1])), 1))))
          : tf.fill([seeds], -1)
      );
      layouts.push({ groups: norms.length, recorded: recorded[i].length });
      return tf.stack([losses, ...norms, ...recorded[i]]);
    });
    computed.forEach(({ grads }, i) => updates[i].optimizer.applyGradients(grads));
    tf.dispose([...computed.map(({ losses }) => losses), ...recorded.flat()]);
    return out;
  });
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return values.map((v, i) => {
    const { groups, recorded } = layouts[i];
    const seeds = v.length / (1 + groups + recorded);
    const row = (r: number) => v.subarray(r * seeds, (r + 1) * seeds);
    const groupNorms = Array.from({ length: groups }, (_, g) => row(1 + g));
    return {
      losses: row(0),
      norms: groupNorms[0],
      groupNorms,
      recorded: Array.from({ length: recorded }, (_, r) => row(1 + groups + r)),
    };
  });
}

/**
 * Joins the steps of S training loops (one per seed) into one batched step: a step runs once every
 * loop still running has asked for it, so that each loop's evaluations and bookkeeping run between
 * steps exactly as alone.
 */
export class StepBarrier {
  readonly #active: Set<number>;
  readonly #waiting = new Map<
    number,
    { resolve: (report: StepReport) => void; reject: (error: unknown) => void }
  >();
  #next: { g: number; logging: boolean } | undefined;
  #failed: { error: unknown } | undefined;
  readonly #run: (
    g: number,
    logging: boolean,
    seeds: number[],
  ) => Promise<Map<number, StepReport>>;

  constructor(
    seeds: number,
    run: (g: number, logging: boolean, seeds: number[]) => Promise<Map<number, StepReport>>,
  ) {
    this.#active = new Set(Array.from({ length: seeds }, (_, s) => s));
    this.#run = run;
  }

  /** Seed `s`'s step `g`: resolves with its report once every running seed's step `g` ran. */
  step(s: number, g: number, logging: boolean): Promise<StepReport> {
    if (this.#failed) return Promise.reject(this.#failed.error);
    return new Promise((resolve, reject) => {
      this.#waiting.set(s, { resolve, reject });
      this.#next = { g, logging };
      this.#release();
    });
  }

  /** Seed `s`'s loop ended (completed, diverged, out of time or failed). */
  leave(s: number): void {
    this.#active.delete(s);
    this.#release();
  }

  /** Rejects every waiting and later step with `error`. */
  fail(error: unknown): void {
    this.#failed ??= { error };
    for (const { reject } of this.#waiting.values()) reject(error);
    this.#waiting.clear();
  }

  #release(): void {
    if (this.#waiting.size === 0 || this.#waiting.size < this.#active.size) return;
    const waiting = new Map(this.#waiting);
    this.#waiting.clear();
    const { g, logging } = this.#next!;
    this.#run(g, logging, [...waiting.keys()]).then(
      (reports) => waiting.forEach(({ resolve }, s) => resolve(reports.get(s)!)),
      (error) => {
        this.fail(error);
        waiting.forEach(({ reject }) => reject(error));
      },
    );
  }
}

/** Copies each of `solo` into seed `s`'s slice of `batched` (the same order): writeSlice's inverse. */
export function readSlice(batched: tf.Variable[], solo: tf.Variable[], s: number): void {
  tf.tidy(() => {
    batched.forEach((variable, j) => {
      const seeds = variable.shape[0];
      const parts = [
        ...(s > 0 ? [tf.slice(variable, 0, s)] : []),
        tf.expandDims(solo[j], 0),
        ...(s < seeds - 1 ? [tf.slice(variable, s + 1)] : []),
      ];
      variable.assign(tf.concat(parts, 0));
    });
  });
}

/** What the loops need of a row's seeds: each seed's budget, progress, and evaluation hooks. */
export interface LockstepSeeds {
  /** The seeds' options (their `budget` and `onProgress`). */
  group: Pick<TrainOptions, "budget" | "onProgress">[];
  /** Writes seed `s`'s weights (and state) from the batched model into its solo networks. */
  writeBack(s: number): void;
  /** Reads back into seed `s`'s slice what an evaluation changed in its networks (PacGAN's averages). */
  readBack?(s: number): void;
  /** Seed `s`'s evaluation at step `at`, on its solo networks (written back just before). */
  evaluate(s: number, at: number): Promise<Record<string, number>> | Record<string, number>;
}

/**
 * Runs each seed's training loop (`loop.ts`) with its steps joined by a {@linkcode StepBarrier}
 * into `step` (each report then carrying its share of the batched step's seconds), its evaluations on its solo networks (written back before, read back after), and
 * its final weights written back; resolves once every loop settled, with the first failure as the
 * group's.
 */
export async function runLockstepLoops(
  seeds: LockstepSeeds,
  step: (g: number, logging: boolean, seeds: number[]) => Promise<Map<number, StepReport>>,
): Promise<TrainOutcome[]> {
  // Each seed's report carries its share of the batched step's time.
  const timed = async (g: number, logging: boolean, running: number[]) => {
    const started = performance.now();
    const reports = await step(g, logging, running);
    const seconds = (performance.now() - started) / 1000 / running.length;
    for (const report of reports.values()) report.seconds = seconds;
    return reports;
  };
  const barrier = new StepBarrier(seeds.group.length, timed);
  const loops = seeds.group.map((options, s) =>
    runTrainingLoop({
      budget: options.budget,
      evaluate: async (at) => {
        seeds.writeBack(s);
        const metrics = await seeds.evaluate(s, at);
        seeds.readBack?.(s);
        return metrics;
      },
      onProgress: options.onProgress,
      step: (g, logging) => barrier.step(s, g, logging),
    }).then(
      (outcome) => {
        if (outcome.status !== "diverged") seeds.writeBack(s);
        barrier.leave(s);
        return outcome;
      },
      (error) => {
        barrier.fail(error);
        barrier.leave(s);
        throw error;
      },
    )
  );
  // Every loop settles before the batched model is freed (a failure stops the others at their
  // next step); the first failure is the group's.
  const settled = await Promise.allSettled(loops);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<TrainOutcome>).value);
}
