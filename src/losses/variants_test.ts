/**
 * One conformance test that every registered variant must pass (as every hono router passes one
 * shared test file): a few steps of the shared training loop on a tiny MLP pair and ring8 give
 * finite losses, move every weight of G and D, leak no tensors, rerun bit-identically with the same
 * seed and differently with another; an absurd learning rate ends the run as `diverged`.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { ring8 } from "../data/mixtures.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { buildConditional } from "../models/conditional.ts";
import { type BuildContext, disposePair, type GanPair } from "../models/network.ts";
import { TRAINERS } from "../train/mod.ts";
import type { TrainOutcome } from "../train/mod.ts";
import { DEFAULT_HYPER, ganLossOf, Hyper, REGULARISERS, type Variant, VARIANTS } from "./mod.ts";

await initBackend("cpu");

/** The tiny MLP pair, with the discriminator normalisation the variant prescribes (sngan's). */
const modelFor = (variant: Variant) =>
  MlpOptions.parse({
    generator: { hidden: [8] },
    discriminator: { hidden: [8], normalisation: variant.normalisation },
  });
const STEPS = 5;

function hyperFor(variant: Variant, overrides: Partial<Hyper> = {}): Hyper {
  return Hyper.parse({ ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3, ...variant.defaults, ...overrides });
}

interface Run {
  outcome: TrainOutcome;
  /** Every trainable weight (G's, then D's) before and after training, with its owner. */
  weights: { owner: "G" | "D"; index: number; before: Float32Array; after: Float32Array }[];
  evaluations: number;
}

/** Trains a fresh tiny pair for `variant` from `seed`, then disposes it; checks for leaks. */
async function run(variant: Variant, seed: number, overrides: Partial<Hyper> = {}): Promise<Run> {
  const tensorsBefore = tf.memory().numTensors;
  const rng = new Rng(seed);
  const trainer = TRAINERS.get(variant.trainer ?? "gan");
  if (trainer.networks === "translation") throw new TypeError("a translation variant");
  const context = {
    sampleShape: [2],
    latentDim: 2,
    rng: rng.stream("init"),
    outputs: trainer.discriminatorOutputs?.(2),
  };
  const pair = variant.conditional
    ? buildConditional(
      buildMlp as (o: unknown, c: BuildContext) => GanPair,
      modelFor(variant),
      context,
      8,
    )
    : buildMlp(modelFor(variant), context);
  const owned = [
    ...pair.generator.variables.map((v, index) => ({ owner: "G" as const, index, v })),
    ...pair.discriminator.variables.map((v, index) => ({ owner: "D" as const, index, v })),
  ];
  const snapshot = () => owned.map(({ v }) => (v.dataSync() as Float32Array).slice());
  const before = snapshot();
  const tensorsBuilt = tf.memory().numTensors;
  let evaluations = 0;
  const outcome = await trainer.train({
    dataset: ring8,
    pair,
    loss: ganLossOf(variant.loss, variant.trainer),
    regularisers: Object.entries(variant.regularisers).map(([name, weight]) => ({
      name,
      regulariser: REGULARISERS.get(name),
      weight,
    })),
    hyper: hyperFor(variant, overrides),
    budget: { steps: STEPS, batchSize: 16, logEvery: 1, evalEvery: 5 },
    rng,
    evaluate: () => ({ evaluations: ++evaluations }),
  });
  const after = snapshot();
  assert.equal(tf.memory().numTensors, tensorsBuilt, "training leaks no tensor");
  const weights = owned.map(({ owner, index }, i) => ({
    owner,
    index,
    before: before[i],
    after: after[i],
  }));
  disposePair(pair);
  assert.equal(
    tf.memory().numTensors,
    tensorsBefore,
    "building and disposing the pair leaks nothing",
  );
  return { outcome, weights, evaluations };
}

/**
 * The variants that train one generator and its discriminator. Translation variants (cyclegan:
 * two translators and two discriminators on two domains) pass their own conformance test,
 * src/train/train_cyclegan_test.ts.
 */
const PAIR_VARIANTS = VARIANTS.entries().filter(([, variant]) =>
  TRAINERS.get(variant.trainer ?? "gan").networks !== "translation"
);

/** The curves without their wall-clock seconds, which no rerun reproduces. */
const timeless = (outcome: TrainOutcome) => outcome.curves.map((p) => ({ ...p, seconds: 0 }));

for (const [name, variant] of PAIR_VARIANTS) {
  Deno.test(`variant '${name}' trains with finite losses, reaches every weight and reruns identically`, async () => {
    const first = await run(variant, 11);
    const { outcome } = first;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.divergence, undefined);
    assert.equal(outcome.steps, STEPS);
    assert.deepEqual(outcome.curves.map((p) => p.step), [1, 2, 3, 4, 5]);
    assert.deepEqual(outcome.evals.map((e) => e.step), [0, STEPS]);
    assert.equal(first.evaluations, 2);
    for (const p of outcome.curves) {
      for (const key of ["lossD", "lossG", "gradNormD", "gradNormG"] as const) {
        assert.ok(Number.isFinite(p[key]), `${key} at step ${p.step}: ${p[key]}`);
      }
      assert.ok(p.gradNormD >= 0 && p.gradNormG > 0, `gradient norms at step ${p.step}`);
    }

    // Gradients reach every weight. One exception is forced by the mathematics: the Wasserstein
    // loss does not change when a constant is added to D's output, so the gradient for D's output
    // bias (D's last variable) is exactly 0 and Adam/RMSprop leave it bit-identical (the gradient
    // penalty does not involve it either; weight clipping moves it regardless, by clipping it).
    // The hinge loss is shift-invariant too while all its terms are active (|logits| < 1, as at
    // initialisation), so its output bias may or may not move.
    const lastD = first.weights.filter((w) => w.owner === "D").length - 1;
    const isOutputBias = (w: Run["weights"][number]) => w.owner === "D" && w.index === lastD;
    for (const w of first.weights) {
      const changed = w.after.some((x, j) => x !== w.before[j]);
      assert.ok(w.after.every(Number.isFinite), `${w.owner} weight ${w.index} is finite`);
      if (isOutputBias(w) && variant.loss === "hinge") continue;
      if (
        isOutputBias(w) && variant.loss === "wasserstein" &&
        !("weight-clip" in variant.regularisers)
      ) {
        assert.ok(!changed, "the Wasserstein loss leaves D's output bias alone");
      } else {
        assert.ok(changed, `${w.owner} weight ${w.index} did not change`);
      }
    }

    const again = await run(variant, 11);
    assert.deepEqual(timeless(again.outcome), timeless(outcome), "same seed, same curves");
    assert.deepEqual(again.weights.map((w) => w.after), first.weights.map((w) => w.after));

    const other = await run(variant, 12);
    assert.notDeepEqual(
      other.outcome.curves.map((p) => p.lossD),
      outcome.curves.map((p) => p.lossD),
      "another seed, other curves",
    );
  });
}

for (const [name, variant] of PAIR_VARIANTS) {
  Deno.test(`variant '${name}' with an absurd learning rate ends as diverged at a step instead of throwing`, async () => {
    const { outcome } = await run(variant, 1, { lrG: 1e30, lrD: 1e30 });
    assert.equal(outcome.status, "diverged");
    assert.ok(outcome.divergence, "a divergence is recorded");
    const { step, network } = outcome.divergence;
    assert.ok(Number.isInteger(step) && step >= 1 && step <= STEPS, `divergence step ${step}`);
    assert.ok(network === "D" || network === "G");
    assert.equal(outcome.steps, step - 1, "the steps completed are those before the divergence");
    assert.ok(outcome.curves.every((p) => p.step < step && Number.isFinite(p.lossD)));
  });
}
