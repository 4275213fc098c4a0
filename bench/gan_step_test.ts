import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/engine/backend.ts";
import { msPerCellSeedStep, msPerCellStep } from "./gan_step.ts";

await initBackend("wasm");

for (
  const cell of [
    { suite: "pacgan", profile: "smoke" as const, variant: "pacgan2", dataset: "pacgan-ring8" },
    { suite: "cyclegan", profile: "smoke" as const, variant: "cyclegan", dataset: "ring8-rotated" },
  ]
) {
  Deno.test(`msPerCellStep() and msPerCellSeedStep() time ${cell.suite}'s cell alone and in lockstep, freeing its networks`, async () => {
    const before = tf.memory().numTensors;
    const alone = await msPerCellStep(cell, 3);
    const together = await msPerCellSeedStep(cell, 3, 2);
    for (const ms of [alone, together]) assert.ok(Number.isFinite(ms) && ms > 0, `${ms} ms`);
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  });
}

Deno.test("msPerCellStep() names a cell the suite does not have", async () => {
  await assert.rejects(
    msPerCellStep({ suite: "pacgan", profile: "smoke", variant: "pacgan2", dataset: "ring8" }, 3),
    /suite pacgan has no cell pacgan2 on ring8/,
  );
});
