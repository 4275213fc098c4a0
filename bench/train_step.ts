/**
 * Training-step speed: ms per training step of the harness's own training path on every
 * available backend, next to the same networks, batch and step in PyTorch
 * (bench/train_step_torch.py, Debian python3-torch, one thread like tfjs-wasm) run in the same
 * invocation, with the tfjs/PyTorch ratio.
 *
 * Models: the MLP, MNIST-MLP and DCGAN GAN steps (D step + G step, non-saturating loss, Adam), and
 * two replication cells as their suites train them (`msPerCellStep`): `pacgan1`/`pacgan4`
 * (PacGAN's joint step, batch 100, pack 1 and 4; suites/pacgan.json's replicate profile) and
 * `wgan-gp-toy` (5 critic steps with the gradient penalty, then a G step, batch 256, 512-wide ReLU
 * MLPs; suites/wgan-gp-toy.json); and `cyclegan-ring`, CycleGAN's quick ring cell (suites/cyclegan.json:
 * four 64-wide MLPs, batch 64, a translators' and a discriminators' update a step), which has no
 * PyTorch peer.
 *
 * On the wasm-based backends (`wasm`, `blas`) each row also gives the FLOPs of the products and
 * convolutions a step runs (counted as they run: 2·m·n·k each) and the share of the step's time
 * spent in them (packing, im2col and col2im included), the rest being elementwise kernels,
 * dispatch and the training loop; and the step's floor: its FLOPs at the backend's own best
 * product speed, about the least time a step can take there.
 *
 * The peer runs without the variables that pin OpenBLAS to another CPU's kernels (`peer.ts`), with
 * one BLAS thread as well as one ATen thread, and the output ends with its description (BLAS,
 * kernels, threads, CPU capability). `--json` prints `{"<model>": {backend, tfjs_ms, torch_ms,
 * ratio, floor_ms}}` for each model's fastest backend, plus `_runs` (every model and backend
 * timed, with its device, FLOPs and product share) and `_peer` (that description; null without
 * PyTorch).
 *
 * `--lockstep 1,4,16` adds rows `mixture-mlp ×S` (and `pacgan1 ×S`, `pacgan4 ×S`, `wgan-gp-toy ×S`,
 * `cyclegan-ring ×S` when those models are timed): S seeds trained at a time in lockstep (src/train/lockstep.ts), in
 * ms per seed-step (S = 1 is the solo row); the mixture MLP's rows next to the peer's
 * S seeds as one batched model (`mixture-mlp@S`: torch.baddbmm per layer).
 *
 * Usage: deno task bench:speed [--json] [--backends blas,wasm] [--models mixture-mlp,pacgan4] [--seconds 3] [--lockstep 1,4,16]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Dataset } from "../src/data/dataset.ts";
import { ring8 } from "../src/data/mixtures.ts";
import { type BackendChoice, initBackend, listBackends } from "../src/engine/backend.ts";
import { meterHeapProducts, type ProductMeter } from "@ganbench/wasm-kernels";
import { parseScriptArgs } from "../src/cli_options.ts";
import type { Profile } from "../src/runner/suite.ts";
import { mnist } from "../src/data/mnist.ts";
import { buildDcgan, DcganOptions } from "../src/models/dcgan.ts";
import { buildMlp, MlpOptions } from "../src/models/mlp.ts";
import {
  msPerCellSeedStep,
  msPerCellStep,
  msPerSeedStep,
  msPerStep,
  noise784,
  type StepModel,
} from "./gan_step.ts";
import { describePeer, peerCommand, type PeerInfo } from "./peer.ts";

interface BenchModel {
  batchSize: number;
  /** Seeds a step trains (lockstep rows; default 1): `time` is then ms per seed-step. */
  seeds?: number;
  /** Trains a fresh model for `steps` steps; resolves to ms per step. */
  time(steps: number): Promise<number>;
}

/** A GAN step of `model` through the harness's training loop. */
function ganStep(model: StepModel): BenchModel {
  return { batchSize: model.batchSize, time: (steps) => msPerStep(model, steps) };
}

function mlpModel(
  dataset: Dataset,
  latentDim: number,
  generator: number[],
  discriminator: number[],
  output: "linear" | "tanh",
  batchSize: number,
): BenchModel {
  const options = MlpOptions.parse({
    generator: { hidden: generator, output },
    discriminator: { hidden: discriminator },
  });
  return ganStep(mlpStep(dataset, latentDim, options, batchSize));
}

function mlpStep(
  dataset: Dataset,
  latentDim: number,
  options: MlpOptions,
  batchSize: number,
): StepModel {
  return {
    dataset,
    batchSize,
    build: (rng) => buildMlp(options, { sampleShape: dataset.sampleShape, latentDim, rng }),
  };
}

/** The mixture MLP's seeds, `seeds` at a time in lockstep: its `time` is ms per seed-step. */
function mixtureLockstep(seeds: number): BenchModel {
  const step = mlpStep(ring8, 2, MlpOptions.parse({}), 256);
  return { batchSize: 256, seeds, time: (steps) => msPerSeedStep(step, steps, seeds) };
}

/** The DCGAN of the image suites: z 100, 64/128 channels, batch 64. */
function dcganModel(): BenchModel {
  const options = DcganOptions.parse({});
  return ganStep({
    dataset: mnist,
    batchSize: 64,
    build: (rng) => buildDcgan(options, { sampleShape: [28, 28, 1], latentDim: 100, rng }),
  });
}

/**
 * A suite's cell (seed 0; the replicate profile unless `profile` says), trained by its own trainer; with
 * `seeds` > 1, that many seeds of its row in lockstep (`time` is then ms per seed-step).
 */
function cellModel(
  suite: string,
  variant: string,
  dataset: string,
  batchSize: number,
  seeds = 1,
  profile: Profile = "replicate",
): BenchModel {
  const cell = { suite, profile, variant, dataset };
  return {
    batchSize,
    seeds,
    time: (steps) => seeds > 1 ? msPerCellSeedStep(cell, steps, seeds) : msPerCellStep(cell, steps),
  };
}

/** The models whose seeds `--lockstep` also times S at a time, by name. */
const LOCKSTEP_MODELS: Record<string, (seeds: number) => BenchModel> = {
  "mixture-mlp": mixtureLockstep,
  pacgan1: (seeds) => cellModel("pacgan", "gan", "pacgan-ring8", 100, seeds),
  pacgan4: (seeds) => cellModel("pacgan", "pacgan4", "pacgan-ring8", 100, seeds),
  "wgan-gp-toy": (seeds) => cellModel("wgan-gp-toy", "wgan-gp", "wgan-gp-8gaussians", 256, seeds),
  "cyclegan-ring": (seeds) => cyclegan(seeds),
};

const MODELS: Record<string, () => BenchModel> = {
  "mixture-mlp": () => mlpModel(ring8, 2, [128, 128, 128], [128, 128, 128], "linear", 256),
  "mnist-mlp": () => mlpModel(noise784, 100, [256, 512, 1024], [512, 256], "tanh", 64),
  "mnist-dcgan": dcganModel,
  pacgan1: () => cellModel("pacgan", "gan", "pacgan-ring8", 100),
  pacgan4: () => cellModel("pacgan", "pacgan4", "pacgan-ring8", 100),
  "wgan-gp-toy": () => cellModel("wgan-gp-toy", "wgan-gp", "wgan-gp-8gaussians", 256),
  "cyclegan-ring": () => cyclegan(1),
};

/** CycleGAN's quick ring cell (four 64-wide MLPs, batch 64), `seeds` at a time; no PyTorch peer. */
function cyclegan(seeds: number): BenchModel {
  return cellModel("cyclegan", "cyclegan", "ring8-rotated", 64, seeds, "quick");
}

/**
 * ms per step of `model`, and, on the wasm-based backends, the FLOPs of a step's products and
 * convolutions and the ms of a step they take.
 */
async function timeTfjs(
  model: BenchModel,
  seconds: number,
  metered: boolean,
): Promise<{ ms: number; flops?: number; productMs?: number }> {
  const first = await model.time(3); // warm-up, and a first estimate of the step time
  const steps = Math.max(3, Math.min(2000, Math.round((1000 * seconds) / first)));
  const meter: ProductMeter = { flops: 0, ms: 0 };
  if (metered) meterHeapProducts(tf.backend(), meter);
  try {
    const ms = await model.time(steps);
    const seedSteps = steps * (model.seeds ?? 1);
    return metered
      ? { ms, flops: meter.flops / seedSteps, productMs: meter.ms / seedSteps }
      : { ms };
  } finally {
    if (metered) meterHeapProducts(tf.backend(), undefined);
  }
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
  summary: "ms per training step on every backend, next to PyTorch",
  options: {
    json: { type: "boolean", description: "print the results as one line of JSON" },
    backends: {
      type: "string",
      value: "blas,wasm,cpu,webgpu",
      defaultText: "every backend that runs here on real hardware",
      description: "the backends to time",
    },
    models: {
      type: "string",
      value: "M,M",
      defaultText: "all",
      description:
        "the models to time: mixture-mlp, mnist-mlp, mnist-dcgan, pacgan1, pacgan4, wgan-gp-toy",
    },
    seconds: { type: "string", value: "S", default: "3", description: "seconds to time each" },
    lockstep: {
      type: "string",
      value: "S,S",
      description:
        "also time the seeds of mixture-mlp, pacgan1, pacgan4, wgan-gp-toy and cyclegan-ring S at a time in lockstep (ms per seed-step)",
    },
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
const lockstepSizes = (values.lockstep?.split(",") ?? []).map(Number);
if (lockstepSizes.some((s) => !Number.isInteger(s) || s < 1)) {
  console.error(`bench:speed: --lockstep takes positive whole numbers, got '${values.lockstep}'`);
  Deno.exit(2);
}
for (const name of models.filter((m) => LOCKSTEP_MODELS[m])) {
  for (const seeds of lockstepSizes.filter((s) => s > 1)) {
    MODELS[`${name} ×${seeds}`] = () => LOCKSTEP_MODELS[name](seeds);
    models.push(`${name} ×${seeds}`);
  }
}

/** The peer's name of a model (`mixture-mlp ×16` is its `mixture-mlp@16`). */
const peerName = (name: string) => name.replace(" ×", "@");
const torch = timeTorch(models.map(peerName));
const json: Record<
  string,
  {
    backend: string;
    tfjs_ms: number;
    torch_ms: number | null;
    ratio: number | null;
    /** The step's FLOPs at the backend's product peak: the least its step could take. */
    floor_ms: number | null;
  }
> = {};
/** Every (model, backend) timed, for `--json`'s `_runs`. */
const runs: ({
  model: string;
  device: string;
  flops: number | null;
  product_ms: number | null;
} & (typeof json)[string])[] = [];
const table: string[] = [];
for (const backend of backends) {
  const info = await initBackend(backend as BackendChoice);
  // `blas` runs on the wasm backend: named by what the user asked for.
  const label = info.blas ? "blas" : info.name;
  const peak = await productPeak();
  for (const name of models) {
    if (SLOW.has(`${info.name}/${name}`) && !(values.backends && values.models)) {
      table.push(
        `| ${name} | ${label} | skipped (minutes per step; name both to force) | | | | | | |`,
      );
      continue;
    }
    const model = MODELS[name]();
    const { ms, flops, productMs } = await timeTfjs(
      model,
      Number(values.seconds),
      info.name === "wasm",
    );
    const torchMs = torch[peerName(name)]?.ms ?? null;
    const ratio = torchMs ? ms / torchMs : null;
    const floorMs = flops === undefined ? null : flops / (peak * 1e9) * 1000;
    const entry = { backend: label, tfjs_ms: ms, torch_ms: torchMs, ratio, floor_ms: floorMs };
    if (!json[name] || ms < json[name].tfjs_ms) json[name] = entry;
    runs.push({
      model: name,
      ...entry,
      device: info.device,
      flops: flops ?? null,
      product_ms: productMs ?? null,
    });
    const cells = [
      name,
      label,
      ms.toFixed(2),
      (1000 * model.batchSize / ms).toFixed(0),
      torchMs?.toFixed(2) ?? "—",
      ratio?.toFixed(2) ?? "—",
      flops === undefined ? "—" : (flops / 1e9).toFixed(3),
      productMs === undefined
        ? "—"
        : `${productMs.toFixed(2)} (${(100 * productMs / ms).toFixed(0)}%) · ${
          (ms - productMs).toFixed(2)
        }`,
      flops === undefined ? "—" : (flops / (ms / 1000) / 1e9).toFixed(1),
      floorMs === null ? "—" : `${floorMs.toFixed(2)} at ${peak.toFixed(0)} GFLOP/s` +
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
    }) | ratio | GFLOP/step (products) | ms in products (share) · elsewhere | effective GFLOP/s | floor: the FLOPs at the backend's best product speed, ms |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const line of table) console.log(line);
  if (torch._peak_gflops) {
    console.log(`\nPyTorch's 1024² product, 1 thread: ${torch._peak_gflops.toFixed(0)} GFLOP/s`);
  }
  if (peer) console.log(`\n${peer}`);
}
