/**
 * The conformance test every translation variant passes (pair variants have variants_test.ts): a
 * few steps on ring8-rotated with tiny networks give finite losses for each of the four networks,
 * move every weight, leak no tensor, rerun bit-identically with the same seed and differently with
 * another, and an absurd learning rate ends the run as `diverged`. Then the cyclegan trainer's
 * own pieces: its learning-rate schedule, its options and the history pool's effect.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { ring8Rotated } from "../data/paired_domains.ts";
import { initBackend } from "../engine/backend.ts";
import { isUserError } from "../errors.ts";
import {
  DEFAULT_HYPER,
  ganLossOf,
  Hyper,
  type Variant,
  VariantRegistry,
  VARIANTS,
} from "../losses/mod.ts";
import { LOSSES, REGULARISERS, TRAINER_OBJECTIVES } from "../losses/mod.ts";
import { buildCyclegan, CycleganOptions } from "../models/cyclegan.ts";
import { disposeTranslation, translationVariables } from "../models/translation.ts";
import { Rng } from "../engine/rng.ts";
import { TRAINERS, type TrainOutcome } from "./mod.ts";
import { CycleganTrainerOptions, linearDecay } from "./train_cyclegan.ts";

await initBackend("cpu");

const MODEL = CycleganOptions.parse({
  points: { generator: { hidden: [8] }, discriminator: { hidden: [8] } },
});
const STEPS = 5;

const TRANSLATION_VARIANTS = VARIANTS.entries().filter(([, v]) =>
  TRAINERS.get(v.trainer ?? "gan").networks === "translation"
);

interface Run {
  outcome: TrainOutcome;
  before: Float32Array[];
  after: Float32Array[];
}

/** Trains tiny networks for `variant` on ring8-rotated from `seed`; checks for leaks. */
async function run(
  variant: Variant,
  seed: number,
  overrides: { hyper?: Partial<Hyper>; trainerOptions?: Record<string, unknown> } = {},
): Promise<Run> {
  const trainer = TRAINERS.get(variant.trainer!);
  if (trainer.networks !== "translation") throw new TypeError("not a translation variant");
  const tensorsBefore = tf.memory().numTensors;
  const rng = new Rng(seed);
  const networks = buildCyclegan(MODEL, { sampleShape: [2], rng: rng.stream("init") });
  const snapshot = () =>
    translationVariables(networks).map((v) => (v.dataSync() as Float32Array).slice());
  const before = snapshot();
  const tensorsBuilt = tf.memory().numTensors;
  const outcome = await trainer.train({
    dataset: ring8Rotated,
    networks,
    loss: ganLossOf(variant.loss, variant.trainer)!,
    hyper: Hyper.parse({ ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3, ...overrides.hyper }),
    budget: { steps: STEPS, batchSize: 16, logEvery: 1, evalEvery: 5 },
    trainerOptions: CycleganTrainerOptions.parse({
      ...variant.trainerOptions,
      ...overrides.trainerOptions,
    }),
    rng,
    evaluate: () => ({}),
  });
  const after = snapshot();
  assert.equal(tf.memory().numTensors, tensorsBuilt, "training leaks no tensor");
  disposeTranslation(networks);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  return { outcome, before, after };
}

const timeless = (outcome: TrainOutcome) => outcome.curves.map((p) => ({ ...p, seconds: 0 }));

Deno.test("at least one translation variant is registered", () => {
  assert.ok(TRANSLATION_VARIANTS.length >= 2);
});

for (const [name, variant] of TRANSLATION_VARIANTS) {
  Deno.test(`translation variant '${name}' trains all four networks with finite losses and reruns identically`, async () => {
    const first = await run(variant, 11);
    const { outcome } = first;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.steps, STEPS);
    assert.deepEqual(outcome.evals.map((e) => e.step), [0, STEPS]);
    for (const p of outcome.curves) {
      assert.deepEqual(Object.keys(p.networks ?? {}), ["G", "F", "D_A", "D_B"]);
      for (const [network, { loss, gradNorm }] of Object.entries(p.networks!)) {
        assert.ok(Number.isFinite(loss) && gradNorm > 0, `${network} at step ${p.step}`);
      }
      const { G, F, D_A, D_B } = p.networks!;
      assert.ok(Math.abs(p.lossG - (G.loss + F.loss)) < 1e-4, "lossG is G's and F's together");
      assert.ok(Math.abs(p.lossD - (D_A.loss + D_B.loss)) < 1e-4, "lossD is D_A's and D_B's");
      assert.ok(Math.abs(p.gradNormG - Math.hypot(G.gradNorm, F.gradNorm)) < 1e-4);
    }
    first.after.forEach((after, i) => {
      assert.ok(after.every(Number.isFinite));
      assert.ok(after.some((x, j) => x !== first.before[i][j]), `weight ${i} did not change`);
    });
    const again = await run(variant, 11);
    assert.deepEqual(timeless(again.outcome), timeless(outcome), "same seed, same curves");
    assert.deepEqual(again.after, first.after, "same seed, same weights, bit for bit");
    const other = await run(variant, 12);
    assert.notDeepEqual(other.after, first.after, "another seed, other weights");
  });

  Deno.test(`translation variant '${name}' with an absurd learning rate ends as diverged`, async () => {
    const { outcome } = await run(variant, 1, {
      hyper: { optimizer: "sgd", lrG: 1e30, lrD: 1e30 },
    });
    assert.equal(outcome.status, "diverged");
    assert.ok(outcome.divergence && outcome.divergence.step <= STEPS);
    assert.equal(outcome.steps, outcome.divergence.step - 1);
  });
}

Deno.test("the history pool changes what D trains on once it is full, and poolSize 0 turns it off", async () => {
  const variant = VARIANTS.get("cyclegan");
  const pooled = await run(variant, 3);
  const latest = await run(variant, 3, { trainerOptions: { poolSize: 0 } });
  // 16 samples per step fill 50 places during step 4: the first three steps are the same.
  const lossesD = (r: Run) => r.outcome.curves.map((p) => p.lossD);
  assert.deepEqual(lossesD(pooled).slice(0, 3), lossesD(latest).slice(0, 3));
  assert.notDeepEqual(lossesD(pooled), lossesD(latest));
});

Deno.test("linearDecay() keeps the rate for the first share of steps, then falls linearly, never to 0", () => {
  const decay = linearDecay(10, 0.5);
  assert.deepEqual([1, 5].map(decay), [1, 1]);
  // CycleGAN's lambda_rule: 1 − (t − 5) / 6 for t = 6 … 10.
  for (let t = 6; t <= 10; t++) assert.ok(Math.abs(decay(t) - (1 - (t - 5) / 6)) < 1e-12);
  assert.ok(decay(10) > 0);
  assert.equal(linearDecay(10, 1)(10), 1, "share 1: constant");
  assert.ok(Math.abs(linearDecay(4, 0)(1) - 0.8) < 1e-12, "share 0: falls from the first step");
});

Deno.test("the cyclegan trainer refuses several D steps or the simultaneous scheme in one line", async () => {
  await assert.rejects(
    () => run(VARIANTS.get("cyclegan"), 1, { hyper: { k: 2 } }),
    (error: unknown) =>
      isUserError(error) && /k must be 1 and scheme 'alternating', got k = 2/.test(error.message),
  );
});

Deno.test("trainer options are checked against the trainer's schema when a variant registers", () => {
  const registry = new VariantRegistry({
    losses: LOSSES,
    regularisers: REGULARISERS,
    trainers: TRAINERS,
    trainerObjectives: TRAINER_OBJECTIVES,
  });
  const base: Variant = {
    description: "test",
    loss: "least-squares",
    regularisers: {},
    defaults: {},
    trainer: "cyclegan",
  };
  assert.throws(
    () => registry.register("bad", { ...base, trainerOptions: { cycleWeight: -1 } }),
    /^TypeError: Invalid variant 'bad': trainerOptions: cycleWeight: Too small: expected number to be >=0, got -1$/,
  );
  assert.throws(
    () => registry.register("bad", { ...base, trainerOptions: { cycle: 10 } }),
    /trainerOptions: Unrecognized key: "cycle"/,
  );
  assert.throws(
    () =>
      registry.register("bad", {
        ...base,
        loss: "non-saturating",
        trainer: "gan",
        trainerOptions: { poolSize: 5 },
      }),
    /trainerOptions: the 'gan' trainer takes no options, got poolSize/,
  );
  registry.register("good", { ...base, trainerOptions: { poolSize: 0 } });
});
