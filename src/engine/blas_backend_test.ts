import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { systemBlas } from "@ganbench/wasm-kernels";
import { ring8 } from "../data/mixtures.ts";
import { DEFAULT_HYPER, LOSSES, REGULARISERS } from "../losses/mod.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { disposePair } from "../models/mod.ts";
import { planSuite } from "../runner/run_suite.ts";
import { loadSuite } from "../runner/suite.ts";
import { train } from "../train/train.ts";
import { ROOT, runDeno } from "../../testing/cli.ts";
import { initBackend } from "./backend.ts";
import { Rng } from "./rng.ts";

const loaded = systemBlas();
/** Why the tests that need a system BLAS are skipped here (in their names), or "". */
const SKIP = loaded.ok ? "" : ` [skipped: no system BLAS here (${loaded.reason})]`;

const backendModule = new URL("./backend.ts", import.meta.url).href;

Deno.test({
  name:
    `backend blas runs the wasm backend's kernels with the BLAS's products, and records it${SKIP}`,
  ignore: !loaded.ok,
  async fn() {
    const info = await initBackend("blas");
    assert.equal(info.name, "wasm");
    assert.equal(info.requested, "blas");
    assert.equal(info.blas?.threads, 1);
    assert.match(info.device, /products: (OpenBLAS|Accelerate) \d+\.\d+/);
    // Back on wasm, the products are the wasm kernels' again: the same inputs, other last bits.
    const product = () => {
      const rng = new Rng(3);
      const a = tf.tensor2d(rng.normals(64 * 300), [64, 300]);
      const b = tf.tensor2d(rng.normals(300 * 50), [300, 50]);
      const c = tf.matMul(a, b);
      const values = c.dataSync() as Float32Array;
      tf.dispose([a, b, c]);
      return values;
    };
    const blas = product();
    const wasmInfo = await initBackend("wasm");
    assert.equal(wasmInfo.blas, undefined);
    const wasm = product();
    assert.notDeepEqual(blas, wasm);
    for (let i = 0; i < wasm.length; i++) assert.ok(Math.abs(blas[i] - wasm[i]) < 1e-4, `[${i}]`);
  },
});

/** Trains the mixtures suite's MLP for `steps` steps with `regularisers`; returns its numbers. */
async function trainMixture(options: {
  steps: number;
  loss: string;
  regularisers: readonly (readonly [string, number])[];
  k: number;
}) {
  const rng = new Rng(11);
  const mlp = MlpOptions.parse({
    generator: { hidden: [64, 64] },
    discriminator: { hidden: [64, 64] },
  });
  const pair = buildMlp(mlp, { sampleShape: ring8.sampleShape, latentDim: 2, rng });
  const outcome = await train({
    dataset: ring8,
    pair,
    loss: LOSSES.get(options.loss),
    regularisers: options.regularisers.map(([name, weight]) => ({
      name,
      regulariser: REGULARISERS.get(name),
      weight,
    })),
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3, k: options.k },
    budget: { steps: options.steps, batchSize: 64, logEvery: 1, evalEvery: options.steps },
    rng,
    evaluate: () => ({}),
  });
  const weights = [...pair.generator.variables, ...pair.discriminator.variables]
    .map((v) => v.dataSync() as Float32Array);
  disposePair(pair);
  return {
    curves: outcome.curves.map((c) => [c.lossD, c.lossG, c.gradNormD, c.gradNormG]),
    weights,
  };
}

Deno.test({
  name:
    `training on blas follows wasm's curves and weights within float32 rounding, gradient penalty included${SKIP}`,
  ignore: !loaded.ok,
  async fn() {
    for (
      const options of [
        { steps: 15, loss: "non-saturating", regularisers: [], k: 1 },
        { steps: 6, loss: "wasserstein", regularisers: [["gradient-penalty", 0.1]], k: 5 },
      ] as const
    ) {
      const what = `${options.loss} ${options.regularisers.map(([r]) => r)}`;
      await initBackend("wasm");
      const wasm = await trainMixture(options);
      await initBackend("blas");
      const blas = await trainMixture(options);
      assert.equal(blas.curves.length, wasm.curves.length);
      wasm.curves.forEach((point, i) => {
        point.forEach((value, j) => {
          const other = blas.curves[i][j];
          assert.ok(
            Math.abs(other - value) <= 1e-3 * Math.max(1, Math.abs(value)),
            `${what}: curve point ${i} figure ${j}: ${other} vs ${value}`,
          );
        });
      });
      wasm.weights.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) {
          assert.ok(Math.abs(blas.weights[i][j] - w[j]) <= 1e-4, `${what}: weight ${i}[${j}]`);
        }
      });
    }
  },
});

Deno.test("a committed profile's cells have the same hashes under blas, wasm and auto: all reused", async () => {
  // Without a BLAS, blas is unavailable; the hashes are then checked for wasm and auto.
  const choices = loaded.ok ? ["blas", "wasm", "auto"] as const : ["wasm", "auto"] as const;
  for (const backend of choices) {
    const plan = await planSuite(loadSuite("dirac"), {
      profile: "quick",
      backend,
      outDir: join(ROOT, "results"),
      log: () => {},
    });
    assert.ok(plan.cells.length > 0);
    assert.equal(plan.pending.length, 0, `${backend}: ${plan.pending.length} cells not reused`);
  }
});

Deno.test("--backend blas without a system BLAS is one line and exit 1", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-no-blas-" });
  const run = await runDeno(
    ["run", "-A", "src/cli.ts", "suite", "dirac", "--profile", "smoke", "--backend", "blas"]
      .concat(["--out", out]),
    { GANBENCH_BLAS: "none" },
  );
  await Deno.remove(out, { recursive: true });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /backend 'blas' is unavailable: no system BLAS: GANBENCH_BLAS=none/);
});

Deno.test("auto without a system BLAS runs wasm and says why in one line", async () => {
  const run = await runDeno(
    [
      "eval",
      "--ext=ts",
      `import { initBackend } from "${backendModule}";
       console.log((await initBackend("auto")).name);`,
    ],
    { GANBENCH_BLAS: "none" },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "wasm\n");
  assert.equal(
    run.stderr,
    "note: auto runs the wasm kernels: no system BLAS: GANBENCH_BLAS=none; " +
      "install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0)\n",
  );
});
