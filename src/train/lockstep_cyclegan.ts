/**
 * CycleGAN's point networks in lockstep: S seeds of one row (the `cyclegan` trainer on 2-D points,
 * e.g. `ring8-rotated`) trained as one batched set of translators G, F and discriminators D_A,
 * D_B, with `train_cyclegan.ts`' step op for op and a seed axis in front: each seed draws its
 * batches from its own `data` stream and keeps its own history pools on its own `pool` stream;
 * every loss and mean is per seed, every dense layer {@linkcode batchedDenseLayer} (the solo
 * kernel slice by slice). A seed whose translators' objective goes non-finite ends before its
 * discriminators' update, as alone.
 *
 * On the wasm backend a seed trained here gives the bits it gives alone (`lockstep_test.ts`). The
 * image networks (ResNet translators, PatchGAN discriminators) train each seed alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchedDenseLayer, type DenseActivation } from "@ganbench/wasm-kernels";
import { sampleSize } from "../data/dataset.ts";
import type { TranslationNetworks } from "../models/translation.ts";
import type { StepReport } from "./loop.ts";
import {
  applySeedUpdates,
  runLockstepLoops,
  SEED_LOSSES,
  seedMean,
  type SeedOutput,
  stackDraws,
  stacked,
  writeSlice,
} from "./lockstep_parts.ts";
import { HistoryPool } from "./history_pool.ts";
import { cycleganSetup, jointNorm } from "./train_cyclegan.ts";
import { diverged, type TrainOutcome, type TranslationTrainOptions } from "./trainer.ts";

/** One network of the four: stacked `[S, in, out]` kernels and `[S, out]` biases, layer by layer. */
class SeedDenseStack {
  readonly variables: tf.Variable[];
  readonly #hidden: DenseActivation;

  constructor(solo: tf.Variable[][], hidden: DenseActivation) {
    this.variables = stacked(solo);
    this.#hidden = hidden;
  }

  /** The network on `[S, n, in]`: its output `[S, n, out]` and its last hidden layer's. */
  run(x: tf.Tensor): { out: tf.Tensor3D; features: tf.Tensor3D } {
    const [seeds, n] = x.shape;
    const layers = this.variables.length / 2;
    let h = tf.reshape(x, [seeds, n, -1]) as tf.Tensor3D;
    let features = h;
    for (let i = 0; i < layers; i++) {
      features = h;
      h = batchedDenseLayer(
        h,
        this.variables[2 * i] as tf.Tensor3D,
        this.variables[2 * i + 1] as tf.Tensor2D,
        i === layers - 1 ? "linear" : this.#hidden,
      );
    }
    return { out: h, features };
  }
}

/** The four point networks of S seeds (cyclegan.ts' `pointTranslator`, `pointDiscriminator`). */
class SeedCyclegan {
  readonly forward: SeedDenseStack;
  readonly backward: SeedDenseStack;
  readonly discriminatorA: SeedDenseStack;
  readonly discriminatorB: SeedDenseStack;

  constructor(group: TranslationNetworks[]) {
    this.forward = new SeedDenseStack(group.map((n) => n.forward.variables), "relu");
    this.backward = new SeedDenseStack(group.map((n) => n.backward.variables), "relu");
    this.discriminatorA = new SeedDenseStack(
      group.map((n) => n.discriminatorA.variables),
      "leakyrelu",
    );
    this.discriminatorB = new SeedDenseStack(
      group.map((n) => n.discriminatorB.variables),
      "leakyrelu",
    );
  }

  /** G, F, D_A, D_B in that order. */
  networks(): SeedDenseStack[] {
    return [this.forward, this.backward, this.discriminatorA, this.discriminatorB];
  }

  writeBack(s: number, networks: TranslationNetworks): void {
    const solo = [
      networks.forward,
      networks.backward,
      networks.discriminatorA,
      networks.discriminatorB,
    ];
    this.networks().forEach((net, i) => writeSlice(net.variables, solo[i].variables, s));
  }

  dispose(): void {
    tf.dispose(this.networks().flatMap((net) => net.variables));
  }
}

/** cycle_losses.ts' `meanAbsoluteError` per seed. */
function seedMeanAbsoluteError(x: tf.Tensor, y: tf.Tensor): tf.Tensor1D {
  return seedMean(tf.abs(tf.sub(x, y)));
}

/**
 * Trains each element of `group` (the point networks of one row's seeds) as the `cyclegan`
 * trainer would alone, all in one batched set of networks; outcome i is group[i]'s. Each seed's
 * evaluation runs on its own networks, written back before it; at the end each group[i].networks
 * holds seed i's final weights.
 *
 * @throws {TypeError} when the seeds differ in more than their seed, or their networks are not
 *   point networks
 */
export async function trainCycleganLockstep(
  group: TranslationTrainOptions[],
): Promise<TrainOutcome[]> {
  if (group.length === 0) return [];
  const [first] = group;
  const same = (o: TranslationTrainOptions) =>
    o.loss === first.loss && JSON.stringify(o.hyper) === JSON.stringify(first.hyper) &&
    JSON.stringify(o.budget) === JSON.stringify(first.budget) &&
    JSON.stringify(o.trainerOptions) === JSON.stringify(first.trainerOptions) &&
    o.dataset.name === first.dataset.name;
  if (!group.every(same)) {
    throw new TypeError(
      "seeds in lockstep must share dataset, loss, trainer options, hyper-parameters and budget",
    );
  }
  const translation = first.dataset.translation;
  if (!translation) throw new TypeError("the cyclegan trainer needs a translation dataset");
  if (first.dataset.sampleShape.length !== 1) {
    throw new TypeError("only CycleGAN's point networks train in lockstep");
  }
  const { hyper, budget, loss: soloLoss } = first;
  if (hyper.k !== 1 || hyper.scheme !== "alternating") {
    throw new TypeError("the cyclegan trainer takes k = 1 and scheme 'alternating'");
  }
  const loss = SEED_LOSSES.get(soloLoss);
  if (!loss) throw new TypeError("this loss has no lockstep form");
  const { settings, weights, optimizerG, optimizerD } = cycleganSetup(first);
  const model = new SeedCyclegan(group.map((o) => o.networks));
  const seeds = group.length;
  const n = budget.batchSize;
  const sampleShape = first.dataset.sampleShape;
  const size = sampleSize(first.dataset);
  const shape = [seeds, n, ...sampleShape];
  const data = group.map((o) => o.rng.stream("data"));
  const pools = group.map((o) => {
    const rng = o.rng.stream("pool");
    return {
      a: new HistoryPool(settings.poolSize, settings.poolSwap, rng),
      b: new HistoryPool(settings.poolSize, settings.poolSwap, rng),
    };
  });
  const g = (x: tf.Tensor) => model.forward.run(x).out;
  const f = (x: tf.Tensor) => model.backward.run(x).out;
  const score = (net: SeedDenseStack, x: tf.Tensor): SeedOutput => {
    const { out, features } = net.run(x);
    return { logits: out, features };
  };

  /** train_cyclegan.ts' step for the seeds in `running`, each seed's report as it would be alone. */
  const step = async (_g: number, logging: boolean, running: number[]) => {
    // Each seed draws a, then b, from its own data stream.
    const drawn = data.map((rng, s) => ({
      a: group[s].dataset.sample(n, rng),
      b: group[s].dataset.translation!.sampleB(n, rng),
    }));
    const a = stackDraws(data, (_rng, s) => drawn[s].a);
    const b = stackDraws(data, (_rng, s) => drawn[s].b);
    let fakes: { a: tf.Tensor; b: tf.Tensor } | undefined;
    const [forG] = await applySeedUpdates(() => {
      const batchA = tf.tensor(a, shape), batchB = tf.tensor(b, shape);
      return [{
        optimizer: optimizerG,
        variables: [...model.forward.variables, ...model.backward.variables],
        normGroups: [model.forward.variables, model.backward.variables],
        objective(record) {
          // cycle_losses.ts' translatorLosses, per seed.
          const fakeB = g(batchA), fakeA = f(batchB);
          const adversarial = (net: SeedDenseStack, fake: tf.Tensor) =>
            tf.mul(weights.adversarial, loss.generatorLoss(score(net, fake)));
          const terms = (
            adversarialTerm: tf.Tensor,
            cycle: () => tf.Tensor,
            identity: () => tf.Tensor,
          ): tf.Tensor1D => {
            let total = adversarialTerm;
            if (weights.cycle > 0) total = tf.add(total, tf.mul(weights.cycle, cycle()));
            if (weights.identity > 0) total = tf.add(total, tf.mul(weights.identity, identity()));
            return total as tf.Tensor1D;
          };
          const forward = terms(
            adversarial(model.discriminatorB, fakeB),
            () => seedMeanAbsoluteError(f(fakeB), batchA),
            () => seedMeanAbsoluteError(g(batchB), batchB),
          );
          const backward = terms(
            adversarial(model.discriminatorA, fakeA),
            () => seedMeanAbsoluteError(g(fakeA), batchB),
            () => seedMeanAbsoluteError(f(batchA), batchA),
          );
          fakes = { a: tf.keep(fakeA), b: tf.keep(fakeB) };
          record(forward);
          record(backward);
          return tf.add(forward, backward) as tf.Tensor1D;
        },
      }];
    }, logging);
    const reports = new Map<number, StepReport>();
    const live: number[] = [];
    for (const s of running) {
      const normG = jointNorm([forG.groupNorms[0][s], forG.groupNorms[1][s]]);
      if (diverged(forG.losses[s], normG)) {
        reports.set(s, { lossesD: [], lossG: forG.losses[s], normD: -1, normG, diverged: "G" });
        model.writeBack(s, group[s].networks);
      } else live.push(s);
    }
    // Each live seed's pools take its translations (A's pool, then B's, one stream).
    const [fakeA, fakeB] = await Promise.all(
      [fakes!.a, fakes!.b].map((t) => t.data() as Promise<Float32Array>),
    );
    tf.dispose([fakes!.a, fakes!.b]);
    const perSeed = n * size;
    const pooledA = new Float32Array(fakeA.length), pooledB = new Float32Array(fakeB.length);
    for (const s of live) {
      const slice = (x: Float32Array) => x.subarray(s * perSeed, (s + 1) * perSeed);
      pooledA.set(pools[s].a.query(slice(fakeA), size), s * perSeed);
      pooledB.set(pools[s].b.query(slice(fakeB), size), s * perSeed);
    }
    const [forD] = await applySeedUpdates(() => {
      const batches = {
        a: tf.tensor(a, shape),
        b: tf.tensor(b, shape),
        fakeA: tf.tensor(pooledA, shape),
        fakeB: tf.tensor(pooledB, shape),
      };
      return [{
        optimizer: optimizerD,
        variables: [...model.discriminatorA.variables, ...model.discriminatorB.variables],
        normGroups: [model.discriminatorA.variables, model.discriminatorB.variables],
        objective(record) {
          // cycle_losses.ts' discriminatorLosses, per seed.
          const lossA = loss.discriminatorLoss(
            score(model.discriminatorA, batches.a),
            score(model.discriminatorA, batches.fakeA),
          );
          const lossB = loss.discriminatorLoss(
            score(model.discriminatorB, batches.b),
            score(model.discriminatorB, batches.fakeB),
          );
          record(lossA);
          record(lossB);
          return tf.add(lossA, lossB) as tf.Tensor1D;
        },
      }];
    }, logging);
    for (const s of live) {
      const normG = jointNorm([forG.groupNorms[0][s], forG.groupNorms[1][s]]);
      const normD = jointNorm([forD.groupNorms[0][s], forD.groupNorms[1][s]]);
      const report: StepReport = {
        lossesD: [forD.losses[s]],
        lossG: forG.losses[s],
        normD,
        normG,
        networks: {
          G: { loss: forG.recorded[0][s], norm: forG.groupNorms[0][s] },
          F: { loss: forG.recorded[1][s], norm: forG.groupNorms[1][s] },
          D_A: { loss: forD.recorded[0][s], norm: forD.groupNorms[0][s] },
          D_B: { loss: forD.recorded[1][s], norm: forD.groupNorms[1][s] },
        },
        ...(diverged(forD.losses[s], normD) ? { diverged: "D" as const } : {}),
      };
      if (report.diverged) model.writeBack(s, group[s].networks);
      reports.set(s, report);
    }
    return reports;
  };

  try {
    return await runLockstepLoops({
      group,
      writeBack: (s) => model.writeBack(s, group[s].networks),
      evaluate: (s, at) => group[s].evaluate(at),
    }, step);
  } finally {
    optimizerG.dispose();
    optimizerD.dispose();
    model.dispose();
  }
}
