/**
 * The fused training ops' effect alone: ms per GAN step (non-saturating loss, Adam) of the mixture
 * and MNIST MLPs with the fused ops (packages/wasm_kernels/fused_ops.ts) and with the same ops
 * composed from tfjs' own, alternated in one process so that both see the same machine, with the
 * medians and their ratio. Both give the same bits (tested in the package's fused_ops_test.ts and
 * in src/engine/fused_training_test.ts), so only time differs.
 *
 * Usage: deno task bench:fused [--rounds 12] [--backend wasm]
 *
 * @module
 */
import { ring8 } from "../src/data/mixtures.ts";
import { type BackendChoice, initBackend } from "../src/engine/backend.ts";
import { parseScriptArgs } from "../src/cli_options.ts";
import { setFusedOps } from "@ganbench/wasm-kernels";
import { buildMlp, MlpOptions } from "../src/models/mlp.ts";
import { msPerStep, noise784, type StepModel } from "./gan_step.ts";

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

/** The pair builder, data and batch of one of {@linkcode MODELS}. */
function stepModel(model: (typeof MODELS)[keyof typeof MODELS]): StepModel {
  const options = MlpOptions.parse(model.options);
  return {
    dataset: model.dataset,
    batchSize: model.batchSize,
    build: (rng) =>
      buildMlp(options, {
        sampleShape: model.dataset.sampleShape,
        latentDim: model.latentDim,
        rng,
      }),
  };
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];

const { values } = parseScriptArgs("bench:fused", {
  summary: "ms per MLP step with the fused training ops and with the composed ones",
  options: {
    rounds: { type: "string", value: "N", default: "12", description: "alternated rounds" },
    backend: { type: "string", value: "B", default: "wasm", description: "TensorFlow.js backend" },
  },
});
const info = await initBackend(values.backend as BackendChoice);
console.log(`| model (${info.name}) | composed ms/step | fused ms/step | speed-up |`);
console.log("|---|---|---|---|");
for (const [name, model] of Object.entries(MODELS)) {
  const times = { composed: [] as number[], fused: [] as number[] };
  const timed = stepModel(model);
  await msPerStep(timed, model.steps); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternate which goes first, so that neither always follows the other.
    for (const fused of round % 2 ? [true, false] : [false, true]) {
      setFusedOps(fused);
      times[fused ? "fused" : "composed"].push(await msPerStep(timed, model.steps));
    }
  }
  setFusedOps(true);
  const [composed, fused] = [median(times.composed), median(times.fused)];
  console.log(
    `| ${name} | ${composed.toFixed(2)} | ${fused.toFixed(2)} | ${(composed / fused).toFixed(2)} |`,
  );
}
