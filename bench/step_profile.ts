/**
 * The kernels a replication cell's training step runs: `tf.profile` over five steps of PacGAN's
 * cell (suites/pacgan.json, replicate profile, seed 0), the kernels per step by name with their
 * time (proportions only on a loaded machine), then the unprofiled ms per step.
 *
 * Usage: deno run -A bench/step_profile.ts <blas|wasm> [gan|pacgan2|pacgan3|pacgan4]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/engine/backend.ts";
import { msPerCellStep } from "./gan_step.ts";

const [backend, variant = "gan"] = Deno.args;
if ((backend !== "blas" && backend !== "wasm") || !/^(gan|pacgan[234])$/.test(variant)) {
  console.error(
    "usage: deno run -A bench/step_profile.ts <blas|wasm> [gan|pacgan2|pacgan3|pacgan4]",
  );
  Deno.exit(2);
}
await initBackend(backend);
const cell = { suite: "pacgan", profile: "replicate" as const, variant, dataset: "pacgan-ring8" };
await msPerCellStep(cell, 3); // warm-up
const steps = 5;
const info = await tf.profile(async () => void (await msPerCellStep(cell, steps)));
const byName = new Map<string, { count: number; ms: number }>();
for (const kernel of info.kernels) {
  const entry = byName.get(kernel.name) ?? { count: 0, ms: 0 };
  entry.count++;
  entry.ms += Number(await kernel.kernelTimeMs) || 0;
  byName.set(kernel.name, entry);
}
const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
console.log(`${backend} ${variant}: ${info.kernels.length / steps} kernels a step`);
for (const [name, { count, ms }] of rows) {
  console.log(
    `  ${name.padEnd(28)} ${(count / steps).toFixed(1).padStart(6)}  ${(ms / steps).toFixed(2)} ms`,
  );
}
console.log(`unprofiled: ${(await msPerCellStep(cell, 20)).toFixed(1)} ms a step`);
