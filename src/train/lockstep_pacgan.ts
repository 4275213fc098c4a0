/**
 * PacGAN's pairs in lockstep: S seeds of one row trained as one batched pair, with the joint step
 * of `train_pacgan.ts` op for op and a seed axis in front.
 *
 * - G's products are batched products (`tf.matMul` of `[S, n, in]` by `[S, in, out]`: the solo
 *   product slice by slice); its batch norm runs on the seeds side by side, `[n, S · units]`, so
 *   that each seed's statistics are the columns the solo kernel sums alone, in the same row order;
 *   its running averages and their pending sums are `[S, units]`, folded elementwise.
 * - D packs each seed's samples as `pack` does, its dense layers are {@linkcode batchedDenseLayer}
 *   and its maxouts run on the seeds' rows stacked (a maxout is row by row).
 * - Each evaluation refreshes the seed's running averages on its solo pair (its own refresh
 *   stream), which are read back before the next step.
 *
 * On the wasm backend a seed trained here gives the bits it gives alone (`lockstep_test.ts`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchedDenseLayer, batchNormTraining, maxoutPieces } from "@ganbench/wasm-kernels";
import { packedBatch } from "../data/training_set.ts";
import type { PacganGenerator } from "../models/pacgan.ts";
import type { StepReport } from "./loop.ts";
import {
  applySeedUpdates,
  readSlice,
  runLockstepLoops,
  SEED_LOSSES,
  type SeedOutput,
  stackDraws,
  stacked,
  writeSlice,
} from "./lockstep_parts.ts";
import { diverged, optimizerFor, type TrainOptions, type TrainOutcome } from "./trainer.ts";

/** PacGAN's solo generator state, per batch-norm layer: mean, stdev, pending mean, pending stdev. */
const STATE_PER_LAYER = 4;

/** The S PacGAN pairs of one row as one batched pair. */
class SeedPacgan {
  readonly generatorVariables: tf.Variable[];
  readonly discriminatorVariables: tf.Variable[];
  /** G's batch-norm state, `[S, units]` each, in the solo generator's `state` order. */
  readonly generatorState: tf.Variable[];
  readonly #pack: number;
  readonly #pieces: number;
  readonly #momentum: number;
  readonly #epsilon: number;
  readonly #sampleShape: number[];
  readonly #sampleSize: number;
  /** Training-mode batch-norm passes since the last fold. */
  #pending = 0;

  constructor(group: TrainOptions[]) {
    const layout = group[0].pair.lockstep!.pacgan!;
    this.#pack = layout.pack;
    this.#pieces = layout.pieces;
    this.#momentum = layout.momentum;
    this.#epsilon = layout.epsilon;
    this.generatorVariables = stacked(group.map((o) => o.pair.generator.variables));
    this.discriminatorVariables = stacked(group.map((o) => o.pair.discriminator.variables));
    this.generatorState = stacked(group.map((o) => [...stateOf(o)]), false);
    this.#sampleShape = group[0].dataset.sampleShape;
    this.#sampleSize = this.#sampleShape.reduce((a, b) => a * b, 1);
  }

  /** pacgan.ts' generator in training mode on `[S, n, latent]` codes: one pass, its own batch. */
  generate(latent: tf.Tensor3D): tf.Tensor {
    const vars = this.generatorVariables;
    const layers = (vars.length - 2) / 3;
    const [seeds, n] = latent.shape;
    let h: tf.Tensor3D = latent;
    for (let i = 0; i < layers; i++) {
      const [kernel, scale, shift] = vars.slice(3 * i, 3 * i + 3);
      const units = kernel.shape[2]!;
      const linear = tf.matMul(h, kernel as tf.Tensor3D);
      // The seeds side by side: column s·units + u is seed s's unit u, over its own n rows.
      const wide = tf.reshape(tf.transpose(linear, [1, 0, 2]), [n, seeds * units]) as tf.Tensor2D;
      const flat = (v: tf.Tensor) => tf.reshape(v, [seeds * units]) as tf.Tensor1D;
      const [, , pendingMean, pendingStdev] = this.generatorState.slice(
        STATE_PER_LAYER * i,
        STATE_PER_LAYER * i + STATE_PER_LAYER,
      );
      const { y, sums } = batchNormTraining(
        wide,
        { scale: flat(scale), shift: flat(shift) },
        { mean: flat(pendingMean), stdev: flat(pendingStdev) },
        { epsilon: this.#epsilon, activation: "relu" },
      );
      pendingMean.assign(tf.reshape(sums.mean, [seeds, units]));
      pendingStdev.assign(tf.reshape(sums.stdev, [seeds, units]));
      h = tf.transpose(tf.reshape(y, [n, seeds, units]), [1, 0, 2]);
    }
    this.#pending++;
    const [kernel, bias] = vars.slice(3 * layers);
    const out = batchedDenseLayer(h, kernel as tf.Tensor3D, bias as tf.Tensor2D, "linear");
    return tf.reshape(out, [seeds, n, ...this.#sampleShape]);
  }

  /** pacgan.ts' discriminator on `[S, pack · n, ...sampleShape]` samples, pass-major per seed. */
  discriminate(x: tf.Tensor): SeedOutput {
    const [seeds, rows] = x.shape;
    const m = this.#pack, n = rows / m, d = this.#sampleSize;
    let h = (m === 1 ? tf.reshape(x, [seeds, n, d]) : tf.reshape(
      tf.transpose(tf.reshape(x, [seeds, m, n, d]), [0, 2, 1, 3]),
      [seeds, n, m * d],
    )) as tf.Tensor3D;
    const vars = this.discriminatorVariables;
    const layers = vars.length / 2 - 1;
    for (let i = 0; i < layers; i++) {
      const linear = batchedDenseLayer(
        h,
        vars[2 * i] as tf.Tensor3D,
        vars[2 * i + 1] as tf.Tensor2D,
        "linear",
      );
      const width = linear.shape[2];
      const maxed = maxoutPieces(tf.reshape(linear, [seeds * n, width]), this.#pieces);
      h = tf.reshape(maxed, [seeds, n, width / this.#pieces]);
    }
    const logits = batchedDenseLayer(
      h,
      vars[2 * layers] as tf.Tensor3D,
      vars[2 * layers + 1] as tf.Tensor2D,
      "linear",
    );
    return { logits, features: h };
  }

  /** RunningBatchNorm.fold per seed: the averages move towards the mean of the pending sums. */
  fold(): void {
    if (!this.#pending) return;
    const count = this.#pending, momentum = this.#momentum;
    tf.tidy(() => {
      for (let at = 0; at < this.generatorState.length; at += STATE_PER_LAYER) {
        const [mean, stdev, pendingMean, pendingStdev] = this.generatorState.slice(
          at,
          at + STATE_PER_LAYER,
        );
        for (const [average, pending] of [[mean, pendingMean], [stdev, pendingStdev]]) {
          average.assign(
            tf.add(tf.mul(average, 1 - momentum), tf.mul(pending, momentum / count)),
          );
          pending.assign(tf.zerosLike(pending));
        }
      }
    });
    this.#pending = 0;
  }

  writeBack(s: number, pair: TrainOptions["pair"]): void {
    writeSlice(this.generatorVariables, pair.generator.variables, s);
    writeSlice(this.discriminatorVariables, pair.discriminator.variables, s);
    writeSlice(this.generatorState, stateOf({ pair }), s);
  }

  /** The averages an evaluation's refresh moved (on the solo pair), back into seed `s`'s slice. */
  readBack(s: number, pair: TrainOptions["pair"]): void {
    readSlice(this.generatorState, stateOf({ pair }), s);
  }

  dispose(): void {
    tf.dispose([
      ...this.generatorVariables,
      ...this.discriminatorVariables,
      ...this.generatorState,
    ]);
  }
}

/** A PacGAN pair's generator state (its batch norms' averages and pending sums). */
function stateOf(options: Pick<TrainOptions, "pair">): tf.Variable[] {
  return (options.pair.generator as PacganGenerator).state;
}

/**
 * Trains each element of `group` (PacGAN pairs of one row) as the `pacgan` trainer
 * (`train_pacgan.ts`) would alone, all in one batched pair; see `trainLockstep`, which calls it.
 */
export async function trainPacganLockstep(group: TrainOptions[]): Promise<TrainOutcome[]> {
  const [{ hyper, budget }] = group;
  if (group.some((o) => o.regularisers.length)) {
    throw new TypeError("the pacgan trainer takes no regularisers");
  }
  if (hyper.k !== 1 || hyper.scheme !== "simultaneous") {
    throw new TypeError("the pacgan trainer takes one joint step (k = 1, simultaneous)");
  }
  const loss = SEED_LOSSES.get(group[0].loss!)!;
  const model = new SeedPacgan(group);
  const seeds = group.length;
  const n = budget.batchSize;
  const pack = group[0].pair.lockstep!.pacgan!.pack;
  const sampleShape = group[0].dataset.sampleShape;
  const latentDim = group[0].pair.generator.latentDim;
  const data = group.map((o) => o.rng.stream("data"));
  const noise = group.map((o) => o.rng.stream("noise"));
  const optimizerD = optimizerFor(hyper, hyper.lrD);
  const optimizerG = optimizerFor(hyper, hyper.lrG);

  /** train_pacgan.ts' step for the seeds in `running`, each seed's report as it would be alone. */
  const step = async (_g: number, logging: boolean, running: number[]) => {
    let fake: tf.Tensor | undefined;
    const [forG, forD] = await applySeedUpdates(() => {
      const real = tf.tensor(
        stackDraws(data, (rng, s) => packedBatch(group[s].dataset, n, pack, rng)),
        [seeds, n * pack, ...sampleShape],
      );
      const latents = tf.split(
        tf.tensor3d(stackDraws(noise, (rng) => rng.normals(n * pack * latentDim)), [
          seeds,
          n * pack,
          latentDim,
        ]),
        pack,
        1,
      ) as tf.Tensor3D[];
      return [
        {
          optimizer: optimizerG,
          variables: model.generatorVariables,
          objective: () => {
            const generated = tf.concat(latents.map((z) => model.generate(z)), 1);
            fake = tf.keep(generated);
            return loss.generatorLoss(model.discriminate(generated));
          },
        },
        {
          optimizer: optimizerD,
          variables: model.discriminatorVariables,
          objective: () =>
            loss.discriminatorLoss(model.discriminate(real), model.discriminate(fake!)),
        },
      ];
    }, logging).finally(() => fake?.dispose());
    model.fold();
    const reports = new Map<number, StepReport>();
    for (const s of running) {
      const [lossD, normD, lossG, normG] = [
        forD.losses[s],
        forD.norms[s],
        forG.losses[s],
        forG.norms[s],
      ];
      if (diverged(lossD, normD)) {
        reports.set(s, { lossesD: [], lossG, normD, normG, diverged: "D" });
      } else if (diverged(lossG, normG)) {
        reports.set(s, { lossesD: [lossD], lossG, normD, normG, diverged: "G" });
      } else reports.set(s, { lossesD: [lossD], lossG, normD, normG });
      if (reports.get(s)!.diverged) model.writeBack(s, group[s].pair);
    }
    return reports;
  };

  try {
    return await runLockstepLoops({
      group,
      writeBack: (s) => model.writeBack(s, group[s].pair),
      readBack: (s) => model.readBack(s, group[s].pair),
      evaluate: (s, at) => group[s].evaluate(group[s].pair.generator, at),
    }, step);
  } finally {
    optimizerD.dispose();
    optimizerG.dispose();
    model.dispose();
  }
}
