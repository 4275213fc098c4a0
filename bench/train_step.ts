/**
 * Training-step speed: ms per GAN step (D step + G step, non-saturating loss, Adam) of the
 * harness's own training path on every available backend, next to the same networks and batch
 * in PyTorch (bench/train_step_torch.py, Debian python3-torch, one thread like tfjs-wasm) run in
 * the same invocation, with the tfjs/PyTorch ratio and achieved GFLOP/s against the peak measured
 * by a 1024² matmul in PyTorch, and the step's floor on each backend: its FLOPs at that backend's
 * own best product speed, about the least time a step can take there (the FLOPs are
 * PyTorch's count; tfjs skips D's weight gradient in the G step, about 8% of them).
 *
 * The peer runs without the variables that pin OpenBLAS to another CPU's kernels (`peer.ts`), with
 * one BLAS thread as well as one ATen thread, and the output ends with its description (BLAS,
 * kernels, threads, CPU capability). `--json` prints `{"<model>": {backend, tfjs_ms, torch_ms,
 * ratio, floor_ms}}` for each model's fastest backend, plus `_runs` (every model and backend
 * timed, with its device) and `_peer` (that description; null without PyTorch).
 *
 * Usage: deno task bench:speed [--json] [--backends wasm,cpu] [--models mixture-mlp,mnist-mlp] [--seconds 3]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Dataset } from "../src/data/dataset.ts";
import { ring8 } from "../src/data/mixtures.ts";
import { type BackendChoice, initBackend, listBackends } from "../src/engine/backend.ts";
import { parseScriptArgs } from "../src/cli_options.ts";
import { mnist } from "../src/data/mnist.ts";
import { buildDcgan, DcganOptions } from "../src/models/dcgan.ts";
import { buildMlp, MlpOptions } from "../src/models/mlp.ts";
import { msPerStep, noise784, type StepModel } from "./gan_step.ts";
import { describePeer, peerCommand, type PeerInfo } from "./peer.ts";

interface BenchModel extends StepModel {
  latentDim: number;
  /** FLOPs (2 x multiply-adds) of one alternating GAN step. */
  flops: number;
}

/** Multiply-adds x2 of one alternating GAN step: D step B(Gf + 6Df), G step 3B(Gf + Df). */
function stepFlops(batch: number, gForward: number, dForward: number): number {
  return batch * (4 * gForward + 9 * dForward);
}

function mlpModel(
  dataset: Dataset,
  latentDim: number,
  generator: number[],
  discriminator: number[],
  output: "linear" | "tanh",
  batchSize: number,
): BenchModel {
  const forward = (sizes: number[]) =>
    sizes.slice(1).reduce((s, out, i) => s + 2 * sizes[i] * out, 0);
  const dim = dataset.sampleShape.reduce((a, b) => a * b, 1);
  const options = MlpOptions.parse({
    generator: { hidden: generator, output },
    discriminator: { hidden: discriminator },
  });
  return {
    dataset,
    latentDim,
    batchSize,
    build: (rng) => buildMlp(options, { sampleShape: dataset.sampleShape, latentDim, rng }),
    flops: stepFlops(
      batchSize,
      forward([latentDim, ...generator, dim]),
      forward([dim, ...discriminator, 1]),
    ),
  };
}

/** The DCGAN of the image suites: z 100, 64/128 channels, batch 64. */
function dcganModel(): BenchModel {
  // Per-sample forward FLOPs: G dense 100→6272, two transposed convs (each input pixel meets the
  // 4x4 filter once: 7·7·128 → 64, 14·14·64 → 1); D two convs (each output pixel sums 4x4 taps),
  // dense 6272→1.
  const gForward = 2 * (100 * 6272 + 7 * 7 * 128 * 16 * 64 + 14 * 14 * 64 * 16 * 1);
  const dForward = 2 * (14 * 14 * 64 * 16 * 1 + 7 * 7 * 128 * 16 * 64 + 6272);
  const options = DcganOptions.parse({});
  return {
    dataset: mnist,
    latentDim: 100,
    batchSize: 64,
    build: (rng) => buildDcgan(options, { sampleShape: [28, 28, 1], latentDim: 100, rng }),
    flops: stepFlops(64, gForward, dForward),
  };
}

const MODELS: Record<string, () => BenchModel> = {
  "mixture-mlp": () => mlpModel(ring8, 2, [128, 128, 128], [128, 128, 128], "linear", 256),
  "mnist-mlp": () => mlpModel(noise784, 100, [256, 512, 1024], [512, 256], "tanh", 64),
  "mnist-dcgan": dcganModel,
};

async function timeTfjs(model: BenchModel, seconds: number): Promise<number> {
  const first = await msPerStep(model, 3); // warm-up, and a first estimate of the step time
  const steps = Math.max(3, Math.min(2000, Math.round((1000 * seconds) / first)));
  return await msPerStep(model, steps);
}

/**
 * The backend's float32 product speed, GFLOP/s: the best of a few product shapes (512², and the
 * mixture and MNIST MLPs' layer shapes at batch 512): its arithmetic peak on these machines (one
 * core; 128-bit SIMD on wasm), which bounds how fast any step can go.
 */
async function productPeak(): Promise<number> {
  let best = 0;
  for (const [m, k, n] of [[512, 512, 512], [512, 128, 128], [512, 1024, 784]]) {
    const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
    await tf.matMul(a, b).data(); // warm-up
    const repeats = 5;
    const start = performance.now();
    for (let i = 0; i < repeats; i++) {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }
    const seconds = (performance.now() - start) / 1000;
    tf.dispose([a, b]);
    best = Math.max(best, (2 * m * k * n * repeats) / seconds / 1e9);
  }
  return best;
}

/** Debian's python3 (where python3-torch installs) before whatever python3 is first on PATH. */
function pythonWithTorch(): string {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const probe = peerCommand(candidate, ["-c", "import torch"], { stderr: "null" })
        .outputSync();
      if (probe.code === 0) return candidate;
    } catch {
      // not installed: try the next
    }
  }
  return "python3";
}

function timeTorch(
  names: string[],
): Record<string, { ms: number }> & { _peak_gflops?: number; _torch?: string; _peer?: PeerInfo } {
  try {
    const script = new URL("./train_step_torch.py", import.meta.url).pathname;
    const output = peerCommand(pythonWithTorch(), [script, "1", ...names], {
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (output.code !== 0) {
      const reason = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
      console.error(
        `note: PyTorch peer skipped (${reason}); install Debian's python3-torch to compare`,
      );
      return {};
    }
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } catch (error) {
    console.error(`note: PyTorch peer skipped (${(error as Error).message})`);
    return {};
  }
}

const { values } = parseScriptArgs("bench:speed", {
  summary: "ms per GAN training step on every backend, next to PyTorch",
  options: {
    json: { type: "boolean", description: "print the results as one line of JSON" },
    backends: {
      type: "string",
      value: "wasm,cpu,webgpu",
      defaultText: "every backend that runs here on real hardware",
      description: "the backends to time",
    },
    models: {
      type: "string",
      value: "mixture-mlp,mnist-mlp,mnist-dcgan",
      defaultText: "all",
      description: "the models to time",
    },
    seconds: { type: "string", value: "S", default: "3", description: "seconds to time each" },
  },
});
// By default: every backend that runs here on real hardware (software WebGPU adapters only when named).
const available = (await listBackends()).filter((b) => b.available && !b.software).map((b) =>
  b.name
);
const backends = values.backends?.split(",") ?? available;
const models = values.models?.split(",") ?? Object.keys(MODELS);
/** Pairs skipped unless both are named: the cpu backend needs minutes per DCGAN step. */
const SLOW = new Set(["cpu/mnist-dcgan"]);
for (const name of models) if (!MODELS[name]) throw new Error(`unknown model '${name}'`);

const torch = timeTorch(models);
const json: Record<
  string,
  {
    backend: string;
    tfjs_ms: number;
    torch_ms: number | null;
    ratio: number | null;
    /** The step's FLOPs at the backend's product peak: the least its step could take. */
    floor_ms: number;
  }
> = {};
/** Every (model, backend) timed, for `--json`'s `_runs`. */
const runs: ({ model: string; device: string } & (typeof json)[string])[] = [];
const table: string[] = [];
for (const backend of backends) {
  const info = await initBackend(backend as BackendChoice);
  const peak = await productPeak();
  for (const name of models) {
    if (SLOW.has(`${info.name}/${name}`) && !(values.backends && values.models)) {
      table.push(
        `| ${name} | ${info.name} | skipped (minutes per step; name both to force) | | | | | | |`,
      );
      continue;
    }
    const model = MODELS[name]();
    const ms = await timeTfjs(model, Number(values.seconds));
    const torchMs = torch[name]?.ms ?? null;
    const ratio = torchMs ? ms / torchMs : null;
    const gflops = model.flops / (ms / 1000) / 1e9;
    const floorMs = model.flops / (peak * 1e9) * 1000;
    const entry = { backend: info.name, tfjs_ms: ms, torch_ms: torchMs, ratio, floor_ms: floorMs };
    if (!json[name] || ms < json[name].tfjs_ms) json[name] = entry;
    runs.push({ model: name, ...entry, device: info.device });
    const cells = [
      name,
      info.name,
      ms.toFixed(2),
      (1000 * model.batchSize / ms).toFixed(0),
      torchMs?.toFixed(2) ?? "—",
      ratio?.toFixed(2) ?? "—",
      gflops.toFixed(2),
      torch._peak_gflops ? ((100 * gflops) / torch._peak_gflops).toFixed(1) + "%" : "—",
      `${floorMs.toFixed(2)} at ${peak.toFixed(0)} GFLOP/s` +
      (torchMs ? ` (ratio ${(floorMs / torchMs).toFixed(2)})` : ""),
    ];
    table.push(`| ${cells.join(" | ")} |`);
  }
}
const peer = torch._peer ? describePeer(torch._peer) : undefined;
if (values.json) {
  console.log(JSON.stringify({ ...json, _runs: runs, _peer: peer ?? null }));
} else {
  console.log(
    `| model | backend | tfjs ms/step | samples/s | PyTorch ms/step (1 thread, ${
      torch._torch ?? "absent"
    }) | ratio | GFLOP/s | of PyTorch's peak (${
      torch._peak_gflops?.toFixed(0) ?? "?"
    } GFLOP/s) | floor: the FLOPs at the backend's best product speed, ms |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const line of table) console.log(line);
  if (peer) console.log(`\n${peer}`);
}
