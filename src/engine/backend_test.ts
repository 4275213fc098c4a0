import assert from "node:assert/strict";
import { ring8 } from "../data/mixtures.ts";
import { DEFAULT_HYPER, LOSSES } from "../losses/mod.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { disposePair } from "../models/network.ts";
import { train } from "../train/train.ts";
import { type BackendChoice, initBackend, isSoftwareAdapter, listBackends } from "./backend.ts";
import { Rng } from "./rng.ts";

Deno.test("isSoftwareAdapter recognises fallback and CPU WebGPU adapters", () => {
  assert.equal(isSoftwareAdapter({ isFallbackAdapter: true, description: "x" }), true);
  assert.equal(isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }), true);
  assert.equal(isSoftwareAdapter({ description: "SwiftShader Device" }), true);
  assert.equal(isSoftwareAdapter({ isFallbackAdapter: false, description: "NVIDIA H100" }), false);
});

Deno.test("auto resolves to a backend that is available and never to a software WebGPU adapter", async () => {
  const rows = await listBackends();
  const info = await initBackend("auto");
  const chosen = rows.find((r) => r.name === info.name)!;
  assert.ok(chosen.available);
  if (info.name === "webgpu") assert.doesNotMatch(info.device, /software adapter/);
  assert.equal(info.requested, "auto");
});

async function trainTiny(backend: BackendChoice) {
  const info = await initBackend(backend);
  const rng = new Rng(5);
  const options = MlpOptions.parse({
    generator: { hidden: [16, 16] },
    discriminator: { hidden: [16, 16] },
  });
  const pair = buildMlp(options, { sampleShape: [2], latentDim: 2, rng: rng.stream("init") });
  const outcome = await train({
    dataset: ring8,
    pair,
    loss: LOSSES.get("non-saturating"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, lrG: 1e-3, lrD: 1e-3 },
    budget: { steps: 15, batchSize: 32, logEvery: 5, evalEvery: 15 },
    rng,
    evaluate: () => ({}),
  });
  disposePair(pair);
  return { info, outcome };
}

const webgpu = (await listBackends()).find((b) => b.name === "webgpu");

Deno.test({
  name: "the webgpu backend trains a small mixture cell to the same curves as wasm",
  ignore: !webgpu?.available,
  async fn() {
    const reference = await trainTiny("wasm");
    const gpu = await trainTiny("webgpu");
    assert.equal(gpu.info.name, "webgpu");
    assert.equal(gpu.outcome.status, "completed");
    assert.equal(gpu.outcome.curves.length, reference.outcome.curves.length);
    gpu.outcome.curves.forEach((point, i) => {
      const expected = reference.outcome.curves[i];
      for (const key of ["lossD", "lossG", "gradNormD", "gradNormG"] as const) {
        const tolerance = 1e-3 * Math.max(1, Math.abs(expected[key]));
        assert.ok(
          Math.abs(point[key] - expected[key]) < tolerance,
          `${key} at ${point.step}: ${point[key]} vs ${expected[key]}`,
        );
      }
    });
  },
});
