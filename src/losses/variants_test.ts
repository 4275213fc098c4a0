/**
 * One conformance test that every registered variant must pass (as every hono router passes one
 * shared test file): finite losses, gradients reaching every weight of G and D, identical curves
 * on a seeded rerun and different ones for another seed.
 */
import assert from "node:assert/strict";
import { ring8 } from "../data/mixtures.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { disposePair } from "../models/network.ts";
import { train } from "../train/train.ts";
import { DEFAULT_HYPER, type Hyper, LOSSES, REGULARISERS, VARIANTS } from "./mod.ts";

await initBackend("wasm");
const MODEL = MlpOptions.parse({
  generator: { hidden: [8, 8] },
  discriminator: { hidden: [8, 8] },
});

async function run(variantName: string, seed: number, hyperOverrides: Partial<Hyper> = {}) {
  const variant = VARIANTS.get(variantName);
  const rng = new Rng(seed);
  const pair = buildMlp(MODEL, { sampleShape: [2], latentDim: 2, rng: rng.stream("init") });
  const weights = [...pair.generator.variables, ...pair.discriminator.variables];
  const before = weights.map((v) => v.dataSync().slice());
  const outcome = await train({
    dataset: ring8,
    pair,
    loss: LOSSES.get(variant.loss),
    regularisers: Object.entries(variant.regularisers).map(([name, weight]) => ({
      name,
      regulariser: REGULARISERS.get(name),
      weight,
    })),
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3, ...variant.defaults, ...hyperOverrides },
    budget: { steps: 4, batchSize: 16, logEvery: 1, evalEvery: 4 },
    rng,
    evaluate: () => ({}),
  });
  const changed = weights.map((v, i) => v.dataSync().some((x, j) => x !== before[i][j]));
  disposePair(pair);
  return { outcome, changed };
}

for (const [name] of VARIANTS.entries()) {
  Deno.test(`variant '${name}' trains with finite losses, reaches every weight and reruns identically`, async () => {
    const first = await run(name, 11);
    assert.equal(first.outcome.status, "completed");
    for (const p of first.outcome.curves) {
      for (const key of ["lossD", "lossG", "gradNormD", "gradNormG"] as const) {
        assert.ok(Number.isFinite(p[key]), `${key} at step ${p.step}: ${p[key]}`);
      }
    }
    // The Wasserstein loss, and the hinge loss while all its terms are active, do not change when
    // a constant is added to D's output: the gradient for D's output bias (the last weight) is
    // exactly 0 by construction. Every other weight must move.
    const shiftInvariant = ["wasserstein", "hinge"].includes(VARIANTS.get(name).loss);
    first.changed.forEach((changed, i) => {
      if (shiftInvariant && i === first.changed.length - 1) return;
      assert.ok(changed, `weight ${i} did not change`);
    });
    const again = await run(name, 11);
    assert.deepEqual(
      again.outcome.curves.map((p) => ({ ...p, seconds: 0 })),
      first.outcome.curves.map((p) => ({
        ...p,
        seconds: 0,
      })),
    );
    const other = await run(name, 12);
    assert.notDeepEqual(
      other.outcome.curves.map((p) => p.lossD),
      first.outcome.curves.map((p) => p.lossD),
    );
  });
}

Deno.test("a run whose losses blow up ends as diverged with its step, not as an error", async () => {
  const { outcome } = await run("nsgan", 1, { optimizer: "sgd", lrG: 1e30, lrD: 1e30 });
  assert.equal(outcome.status, "diverged");
  assert.ok(outcome.divergence && outcome.divergence.step >= 1 && outcome.divergence.step <= 4);
  assert.equal(outcome.steps, outcome.divergence.step - 1);
});
