/**
 * The mixture MLP's seed-step in lockstep, in process CPU time as well as wall time: 16 seeds of
 * 100 GAN steps (bench/gan_step.ts' step), trained alone (S = 1) and S = 4 or 16 at a time
 * (src/train/lockstep.ts), on each backend named. CPU time (utime + stime from /proc/self/stat, in
 * 10 ms ticks) moves less than wall time when other processes share the cores.
 *
 * Usage: deno run -A bench/lockstep_cpu.ts wasm blas
 *
 * @module
 */
import { type BackendChoice, initBackend } from "../src/engine/backend.ts";
import { ring8 } from "../src/data/mixtures.ts";
import { buildMlp, MlpOptions } from "../src/models/mlp.ts";
import type { Rng } from "../src/engine/rng.ts";
import { msPerSeedStep, msPerStep } from "./gan_step.ts";

/** This process's CPU time so far, ms. */
function cpuMs(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, clock ticks of 10 ms
}
const model = {
  dataset: ring8,
  batchSize: 256,
  build: (rng: Rng) => buildMlp(MlpOptions.parse({}), { sampleShape: [2], latentDim: 2, rng }),
};
const steps = 100, seeds = 16;
for (const backend of Deno.args) {
  await initBackend(backend as BackendChoice);
  await msPerStep(model, 5);
  for (const s of [1, 4, 16]) {
    const cpu0 = cpuMs(), wall0 = performance.now();
    for (let g = 0; g < seeds / s; g++) {
      if (s === 1) await msPerStep(model, steps);
      else await msPerSeedStep(model, steps, s);
    }
    const n = steps * seeds;
    console.log(
      `${backend} S=${s}: ${((cpuMs() - cpu0) / n).toFixed(2)} CPU ms / seed-step, ${
        ((performance.now() - wall0) / n).toFixed(2)
      } wall ms`,
    );
  }
}
