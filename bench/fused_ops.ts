/**
 * The fused training ops' effect alone: ms per GAN step (non-saturating loss, Adam) of the mixture
 * and MNIST MLPs with the fused ops (engine/fused_ops.ts) and with the same ops composed from
 * tfjs' own, alternated in one process so that both see the same machine, with the medians and
 * their ratio. Both give the same bits (tested in fused_ops_test.ts), so only time differs.
 *
 * Usage: deno task bench:fused [--rounds 12] [--backend wasm]
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Dataset } from "../src/data/dataset.ts";
import { ring8 } from "../src/data/mixtures.ts";
import { type BackendChoice, initBackend } from "../src/engine/backend.ts";
import { setFusedOps } from "../src/engine/fused_ops.ts";
import { Rng } from "../src/engine/rng.ts";
import { DEFAULT_HYPER, LOSSES } from "../src/losses/mod.ts";
import { disposePair } from "../src/models/mod.ts";
import { buildMlp, MlpOptions } from "../src/models/mlp.ts";
import { train } from "../src/train/train.ts";

/** A stand-in for 28x28 data: the step's cost does not depend on the pixel values. */
const noise784: Dataset = {
  name: "noise784",
  description: "784-dimensional noise",
  sampleShape: [784],
  sample: (n, rng) => rng.normals(n * 784),
};

const MODELS = {
  "mixture-mlp": {
    dataset: ring8,
    latentDim: 2,
    options: { generator: { hidden: [128, 128, 128] }, discriminator: { hidden: [128, 128, 128] } },
    batchSize: 256,
    steps: 100,
  },
  "mnist-mlp": {
    dataset: noise784,
    latentDim: 100,
    options: {
      generator: { hidden: [256, 512, 1024], output: "tanh" },
      discriminator: { hidden: [512, 256] },
    },
    batchSize: 64,
    steps: 20,
  },
};

type Model = (typeof MODELS)[keyof typeof MODELS];

async function msPerStep(model: Model): Promise<number> {
  const rng = new Rng(0);
  const pair = buildMlp(MlpOptions.parse(model.options), {
    sampleShape: model.dataset.sampleShape,
    latentDim: model.latentDim,
    rng,
  });
  const { steps, batchSize } = model;
  const outcome = await train({
    dataset: model.dataset,
    pair,
    loss: LOSSES.get("non-saturating"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3 },
    budget: { steps, batchSize, logEvery: steps + 1, evalEvery: steps },
    rng,
    evaluate: () => ({}),
  });
  disposePair(pair);
  return (1000 * outcome.trainSeconds) / steps;
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "12" },
    backend: { type: "string", default: "wasm" },
  },
});
const info = await initBackend(values.backend as BackendChoice);
console.log(`| model (${info.name}) | composed ms/step | fused ms/step | speed-up |`);
console.log("|---|---|---|---|");
for (const [name, model] of Object.entries(MODELS)) {
  const times = { composed: [] as number[], fused: [] as number[] };
  await msPerStep(model); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternate which goes first, so that neither always follows the other.
    for (const fused of round % 2 ? [true, false] : [false, true]) {
      setFusedOps(fused);
      times[fused ? "fused" : "composed"].push(await msPerStep(model));
    }
  }
  setFusedOps(true);
  const [composed, fused] = [median(times.composed), median(times.fused)];
  console.log(
    `| ${name} | ${composed.toFixed(2)} | ${fused.toFixed(2)} | ${(composed / fused).toFixed(2)} |`,
  );
}
