/**
 * The GPU check, for a machine with a GPU and no network (`scripts/gpu_check.sh` runs it): the
 * WebGPU adapter's description, ganbench's training step timed on webgpu and wasm
 * (`bench:speed --backends webgpu,wasm`, with PyTorch on one CPU thread), PyTorch's step on CUDA
 * when a CUDA build of PyTorch is present, the mixtures and mnist smoke suites trained on webgpu
 * and on wasm with the parity of every cell's figures, all in one JSON summary written atomically
 * to `--out DIR/gpu_check.json`. Exit 0 when every step ran and every cell agrees, 1 otherwise
 * (the summary is written either way). For a cell that disagrees, `partings` gives the first step
 * that does and the largest difference before it: a cell that agreed to float32 rounding and then
 * parted at one step crossed a kink (as ring8/wgan-gp seed 1 does at step 38 on lavapipe, where a
 * LeakyReLU inside the gradient penalty flips); one that differs from the start points at a kernel.
 *
 * Nothing is downloaded: every Deno it starts runs with `--cached-only`.
 *
 * Usage: deno run -A scripts/gpu_check.ts [--out DIR] [--seconds S] [--allow-software]
 *
 * @module
 */
import { join } from "node:path";
import { parseScriptArgs } from "../src/cli_options.ts";
import { initBackend, webGpuAdapterInfo } from "../src/engine/backend.ts";
import {
  type ComparedResult,
  compareResults,
  type Disagreement,
  largestDifference,
  PARITY_TOLERANCE,
} from "../src/engine/webgpu_parity.ts";
import { gitCommit } from "../src/runner/environment.ts";
import { peerCommand } from "../bench/peer.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODELS = ["mixture-mlp", "mnist-mlp", "mnist-dcgan"];
const SUITES = ["mixtures", "mnist"];

const { values } = parseScriptArgs("scripts/gpu_check.ts", {
  summary: "time and check ganbench's WebGPU path on this machine's GPU; write one JSON summary",
  options: {
    out: {
      type: "string",
      value: "DIR",
      default: "tmp/gpu-check",
      description: "folder of the summary (gpu_check.json) and the suites' results",
    },
    seconds: { type: "string", value: "S", default: "3", description: "seconds to time each step" },
    "allow-software": {
      type: "boolean",
      description: "run on a software adapter (lavapipe) too, to try the script without a GPU",
    },
  },
});
const out = values.out.startsWith("/") ? values.out : join(ROOT, values.out);

/** A command's result: exit code, seconds, stdout, and the last line of stderr. */
async function run(command: string, args: string[]) {
  const start = performance.now();
  const output = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return {
    code: output.code,
    seconds: (performance.now() - start) / 1000,
    stdout: decode(output.stdout),
    error: decode(output.stderr).split("\n").filter((l) => l.trim()).pop() ?? "",
  };
}

/** `nvidia-smi`'s name, driver and memory of each GPU; null where it is absent. */
async function nvidiaSmi(): Promise<string[] | null> {
  try {
    const result = await run("nvidia-smi", [
      "--query-gpu=name,driver_version,memory.total",
      "--format=csv,noheader",
    ]);
    return result.code === 0 ? result.stdout.split("\n") : null;
  } catch {
    return null;
  }
}

/**
 * ms per step from `bench:speed --json --backends webgpu,wasm --lockstep 16,128`, by model and
 * backend (per seed-step for the lockstep rows).
 */
async function speed() {
  const result = await run(Deno.execPath(), [
    "run",
    "-A",
    "--cached-only",
    "bench/train_step.ts",
    "--json",
    "--backends",
    "webgpu,wasm",
    "--seconds",
    values.seconds,
    // Seeds in lockstep are where a GPU pays for small models: the mixture MLP's seeds 16 and 128
    // at a time ("mixture-mlp ×S", ms per seed-step), next to its solo row.
    "--lockstep",
    "16,128",
  ]);
  if (result.code !== 0) return { error: `bench:speed failed: ${result.error}` };
  const json = JSON.parse(result.stdout.split("\n").pop()!);
  const models: Record<string, Record<string, number | null>> = {};
  for (const runEntry of json._runs as { model: string; backend: string; tfjs_ms: number }[]) {
    models[runEntry.model] ??= {};
    models[runEntry.model][`${runEntry.backend}_ms`] = runEntry.tfjs_ms;
  }
  for (const model of Object.keys(models)) models[model].torch_cpu_ms = json[model]?.torch_ms;
  return { models, peer: json._peer as string | null };
}

/** PyTorch's step on CUDA (bench/train_step_torch.py --device cuda), when PyTorch has CUDA. */
async function torchCuda() {
  for (const python of ["/usr/bin/python3", "python3"]) {
    let probe;
    try {
      probe = await peerCommand(python, [
        "-c",
        "import torch; assert torch.cuda.is_available(), 'no CUDA device'",
      ], { stdout: "null", stderr: "piped" }).output();
    } catch {
      continue;
    }
    if (probe.code !== 0) continue;
    const script = join(ROOT, "bench/train_step_torch.py");
    const output = await peerCommand(python, [script, "1", "--device", "cuda", ...MODELS], {
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.code === 0 ? output.stdout : output.stderr);
    if (output.code !== 0) {
      return { skipped: `PyTorch on CUDA failed: ${text.trim().split("\n").pop()}` };
    }
    const json = JSON.parse(text);
    return {
      device: json._device as string,
      torch: json._torch as string,
      ms: Object.fromEntries(MODELS.map((m) => [m, json[m]?.ms ?? null])),
    };
  }
  return { skipped: "no PyTorch with CUDA here" };
}

/** Reads every cell result of `suite`'s smoke profile under `dir`, by file name. */
async function readCells(dir: string, suite: string): Promise<Map<string, ComparedResult>> {
  const cells = new Map<string, ComparedResult>();
  const folder = join(dir, suite, "smoke", "cells");
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    cells.set(entry.name, JSON.parse(await Deno.readTextFile(join(folder, entry.name))));
  }
  return cells;
}

/** Trains `suite`'s smoke profile on webgpu and on wasm, and compares every cell. */
async function suiteParity(suite: string) {
  const seconds: Record<string, number> = {};
  for (const backend of ["webgpu", "wasm"]) {
    const args = ["run", "-A", "--cached-only", "src/cli.ts", "suite", suite, "--profile", "smoke"];
    args.push("--backend", backend, "--out", join(out, backend), "--force");
    // One worker on the GPU: cells would only queue for it.
    if (backend === "webgpu") args.push("--jobs", "1");
    const result = await run(Deno.execPath(), args);
    if (result.code !== 0) return { error: `suite ${suite} on ${backend} failed: ${result.error}` };
    seconds[`${backend}_seconds`] = Number(result.seconds.toFixed(1));
  }
  const [gpu, reference] = await Promise.all(
    ["webgpu", "wasm"].map((backend) => readCells(join(out, backend), suite)),
  );
  const disagreements: (Disagreement & { cell: string })[] = [];
  /** For each cell that disagrees: how close its curves were before the first step that does. */
  const partings: { cell: string; step: number; before: number }[] = [];
  let largest: { cell: string; what: string; relative: number } | undefined;
  for (const [name, expected] of reference) {
    const cell = name.replace(/\.json$/, "");
    const actual = gpu.get(name);
    if (!actual) {
      disagreements.push({ cell, what: "missing on webgpu", webgpu: null, wasm: expected.status });
      continue;
    }
    const found = compareResults(actual, expected);
    disagreements.push(...found.map((d) => ({ cell, ...d })));
    const steps = found.map((d) => Number(/ at step (\d+)$/.exec(d.what)?.[1])).filter(isFinite);
    if (steps.length) {
      // A cell whose training crosses a kink (LeakyReLU's, inside a gradient penalty) can part
      // at one step after agreeing to float32 rounding; a wrong kernel differs from the start.
      const step = Math.min(...steps);
      const curve = (r: ComparedResult) => ({
        ...r,
        final: {},
        curves: r.curves.filter((p) => p.step < step),
      });
      const before = largestDifference(curve(actual), curve(expected))?.relative ?? 0;
      partings.push({ cell, step, before });
    }
    const difference = largestDifference(actual, expected);
    if (difference && (!largest || difference.relative > largest.relative)) {
      largest = { cell, ...difference };
    }
  }
  return {
    ...seconds,
    cells: reference.size,
    agreeing: reference.size - new Set(disagreements.map((d) => d.cell)).size,
    largest_difference: largest ?? null,
    disagreements: disagreements.slice(0, 20),
    partings,
  };
}

const adapter = await webGpuAdapterInfo();
if (!adapter) {
  console.error(
    "Cannot run the GPU check: no WebGPU adapter here (a Vulkan driver for the GPU is needed)",
  );
  Deno.exit(1);
}
if (adapter.software && !values["allow-software"]) {
  console.error(
    `Cannot run the GPU check on a software adapter ('${adapter.description}'): its speed says ` +
      "nothing about a GPU; pass --allow-software to run it anyway",
  );
  Deno.exit(1);
}
const backend = await initBackend("webgpu");
await Deno.mkdir(out, { recursive: true });
console.error(`gpu_check: ${backend.device}; timing the training step (bench:speed)`);
const speedResult = await speed();
console.error("gpu_check: PyTorch on CUDA, if present");
const cuda = await torchCuda();
const suites: Record<string, unknown> = {};
for (const suite of SUITES) {
  console.error(`gpu_check: suite ${suite} (smoke) on webgpu and on wasm`);
  suites[suite] = await suiteParity(suite);
}
const summary = {
  date: new Date().toISOString(),
  commit: gitCommit() ?? null,
  device: {
    webgpu: backend.device,
    adapter,
    nvidia_smi: await nvidiaSmi(),
    tfjs: backend.tfjsVersion,
    deno: Deno.version.deno,
  },
  speed: speedResult,
  torch_cuda: cuda,
  parity: { tolerance: PARITY_TOLERANCE, suites },
};
const path = join(out, "gpu_check.json");
const temporary = `${path}.tmp-${Deno.pid}`;
await Deno.writeTextFile(temporary, JSON.stringify(summary, null, 2) + "\n");
await Deno.rename(temporary, path);
console.log(JSON.stringify(summary, null, 2));
console.error(`gpu_check: summary written to ${path}`);
const failed = "error" in speedResult ||
  Object.values(suites).some((s) =>
    "error" in (s as object) || (s as { disagreements: unknown[] }).disagreements.length > 0
  );
Deno.exit(failed ? 1 : 0);
