/**
 * CPU ms per step of PacGAN's cell (suites/pacgan.json, replicate profile, seed 0, `pacgan-ring8`)
 * on one backend: three timings of `steps` steps after a 3-step warm-up, each as CPU time (user +
 * system, `process.cpuUsage`, which waiting for a core does not inflate) and wall time, one JSON
 * line. Written to compare trees: copied into a worktree of an older commit whose
 * `src/runner/run_cell.ts` exports `buildPair` and `train` (there `trainPair` was `train`), it times
 * that tree's step the same way (docs/speed.md, "PacGAN generating once").
 *
 * Usage: deno run -A bench/pacgan_cpu_step.ts <blas|wasm> <gan|pacgan2|pacgan3|pacgan4> <steps>
 *
 * @module
 */
import * as run from "../src/runner/run_cell.ts";
import { initBackend } from "../src/engine/backend.ts";
import { buildMatrix } from "../src/runner/cells.ts";
import { loadSuite } from "../src/runner/suite.ts";
import { DATASETS } from "../src/data/mod.ts";
import { Rng } from "../src/engine/rng.ts";
import { disposePair } from "../src/models/mod.ts";

const [backend, variant, stepsArg] = Deno.args;
const steps = Number(stepsArg);
if (
  (backend !== "blas" && backend !== "wasm") || !/^(gan|pacgan[234])$/.test(variant ?? "") ||
  !(Number.isInteger(steps) && steps > 0)
) {
  console.error(
    "usage: deno run -A bench/pacgan_cpu_step.ts <blas|wasm> <gan|pacgan2|pacgan3|pacgan4> <steps>",
  );
  Deno.exit(2);
}
await initBackend(backend);
const found = buildMatrix(loadSuite("pacgan"), {
  profile: "replicate",
  variants: [variant],
  seeds: [0],
  backend: "wasm",
}).find((c) => c.config.dataset === "pacgan-ring8")!.config;

/** One timing of `n` steps: CPU and wall ms per step. */
async function time(n: number): Promise<{ cpu: number; wall: number }> {
  const config = { ...found, budget: { ...found.budget, steps: n, logEvery: n + 1, evalEvery: n } };
  const dataset = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const pair = run.buildPair(config, dataset, rng);
  const context = { config, dataset, pair, rng };
  // This tree's `trainPair`, or an older tree's `train` (the same function before its rename).
  const trainer = (run as Record<string, unknown>).trainPair ??
    (run as Record<string, unknown>).train;
  const before = process.cpuUsage();
  const started = performance.now();
  await (trainer as typeof run.trainPair)(context, { evaluate: () => ({}) });
  const cpu = process.cpuUsage(before);
  const wall = performance.now() - started;
  disposePair(pair);
  return { cpu: (cpu.user + cpu.system) / 1000 / n, wall: wall / n };
}

await time(3);
const timings = [];
for (let i = 0; i < 3; i++) timings.push(await time(steps));
console.log(JSON.stringify({ backend, variant, steps, timings }));
