import assert from "node:assert/strict";
import {
  type ComparedResult,
  compareResults,
  largestDifference,
  PARITY_TOLERANCE,
} from "./webgpu_parity.ts";

const reference: ComparedResult = {
  status: "completed",
  steps: 2,
  final: { "modes.covered": 7, "modes.hq": 0.25, "dyn.osc_d": 0.002 },
  curves: [
    { step: 1, lossD: 1.4, lossG: 0.7, gradNormD: 6, gradNormG: 0.5 },
    { step: 2, lossD: 1.3, lossG: 0.6, gradNormD: 250, gradNormG: 0.4 },
  ],
};

Deno.test("compareResults accepts float32-sized differences and names every other one", () => {
  assert.deepEqual(compareResults(structuredClone(reference), reference), []);
  const near = structuredClone(reference);
  near.curves[1].gradNormD = 250 * (1 + PARITY_TOLERANCE / 2); // relative above 1
  near.curves[0].lossG = 0.7 + PARITY_TOLERANCE / 2; // absolute below 1
  near.final["dyn.osc_d"] = 0.002 + PARITY_TOLERANCE / 2;
  assert.deepEqual(compareResults(near, reference), []);

  const far = structuredClone(reference);
  far.curves[1].gradNormD = 250 * (1 + 2 * PARITY_TOLERANCE);
  far.final["modes.covered"] = 8;
  far.status = "diverged";
  far.divergence = { step: 2, network: "D" };
  assert.deepEqual(compareResults(far, reference).map((d) => d.what), [
    "status",
    "divergence",
    "gradNormD at step 2",
    "modes.covered",
  ]);
  const shorter = { ...structuredClone(reference), curves: reference.curves.slice(0, 1) };
  const missing = { ...structuredClone(reference), final: { "modes.covered": 7 } };
  assert.deepEqual(compareResults(shorter, reference).map((d) => d.what), ["logged steps"]);
  assert.deepEqual(compareResults(missing, reference).map((d) => d.what), [
    "dyn.osc_d",
    "modes.hq",
  ]);
});

Deno.test("largestDifference finds the figure that differs most, relative to max(1, |wasm|)", () => {
  assert.equal(largestDifference(reference, reference)?.relative, 0);
  const gpu = structuredClone(reference);
  gpu.curves[1].gradNormD = 250.5; // 0.002 relative, above 1
  gpu.curves[0].lossG = 0.703; // 0.003 absolute, below 1
  gpu.final["modes.hq"] = 0.2501;
  const largest = largestDifference(gpu, reference)!;
  assert.equal(largest.what, "lossG at step 1");
  assert.ok(Math.abs(largest.relative - 0.003) < 1e-12);
});
