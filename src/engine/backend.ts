/**
 * Backend selection: one registry of TensorFlow.js backends, each with a probe
 * that says whether it can run here and a loader. `auto` walks the registry in
 * preference order (tensorflow > webgpu > blas > wasm > cpu).
 *
 * `blas` is the wasm backend with its products and convolutions on the system's BLAS (OpenBLAS,
 * Accelerate; `@ganbench/wasm-kernels`' `system_blas.ts`): the same tfjs backend and elementwise
 * kernels, another product. A cell's configuration (and its hash) names the tfjs backend, `wasm`
 * for both, as it names neither the engine's fused multiply-adds: the two agree within float32
 * rounding (tested), so results stored by one are reused by the other, and the environment
 * stored with each result says which product ran (`BackendInfo.blas`).
 *
 * WebGPU is probed once per process, only when `webgpu` or `auto` is asked for (or the
 * backends are listed), without noise on stderr ({@linkcode ensureRuntimeDir}); its backend
 * gets an `AddN` that fits the device's binding limit, and its device errors fail the next
 * read-back ({@linkcode WebGpuError}) instead of leaving wrong numbers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// The union package registers every op's gradient (tfjs-core's own ESM gradient files cannot be
// imported under Deno: they use extension-less specifiers), plus the cpu backend and layers/converter.
import "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { createRequire } from "node:module";
import {
  type BlasInfo,
  registerFusedGradients,
  registerWasmFusedKernels,
  registerWasmTrainingKernels,
  relaxedSimdAvailable,
  systemBlas,
  useHeapProduct,
} from "@ganbench/wasm-kernels";
import { registerDifferentiableGradients } from "./gradients.ts";
import { UserError } from "../errors.ts";

/** Backend names a user may ask for. */
export const BACKEND_CHOICES = ["auto", "tensorflow", "webgpu", "blas", "wasm", "cpu"] as const;
/** A backend name a user may ask for. */
export type BackendChoice = typeof BACKEND_CHOICES[number];

/** What ran: recorded in every result. */
export interface BackendInfo {
  /** The tfjs backend that ran (`tensorflow`, `webgpu`, `wasm`, `cpu`; `wasm` for `blas`). */
  name: string;
  /** What the user asked for. */
  requested: BackendChoice;
  /** A human description of the device (adapter name, "CPU (wasm, SIMD)", ...). */
  device: string;
  /** The @tensorflow/tfjs-core version. */
  tfjsVersion: string;
  /** The system BLAS that ran the products (backend `blas`): library, version, kernels, threads. */
  blas?: BlasInfo;
}

/** Raised when a backend that was asked for cannot run; its message is one line for the user. */
export class BackendUnavailableError extends UserError {
  override name = "BackendUnavailableError";
  override readonly code: string = "backend-unavailable";
}

interface BackendEntry {
  /**
   * Resolves to a device description if the backend can run here, else to a reason it cannot.
   * `software` marks an emulated device (a CPU WebGPU adapter such as llvmpipe): usable when asked
   * for by name, skipped by `auto`.
   */
  probe(): Promise<
    { ok: true; device: string; software?: boolean } | { ok: false; reason: string }
  >;
  /**
   * The tfjs backend it registers: the name its cells record in their configuration (and so their
   * hash). `blas` is the wasm backend with its products on the system BLAS, so its cells are wasm's.
   */
  tfjsName: string;
  /** Registers and activates the backend under `tfjsName`. */
  activate(): Promise<void>;
}

const require = createRequire(import.meta.url);
const TFJS_NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
const TENSORFLOW_HINT =
  "install it with `deno add npm:@tensorflow/tfjs-node@4.22.0` (or tfjs-node-gpu for CUDA) and allow its install script";

let loadedTfjsNode: string | undefined;

function tryRequireTfjsNode(): { ok: true; pkg: string } | { ok: false; reason: string } {
  const reasons: string[] = [];
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      require(pkg);
      loadedTfjsNode = pkg;
      return { ok: true, pkg };
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      reasons.push(`${pkg}: ${message}`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}

let wasmReady = false;

/** Points the wasm backend at the .wasm files inside the installed npm package. */
function configureWasmPaths(): void {
  const entry = require.resolve("@tensorflow/tfjs-backend-wasm");
  const distDir = entry.slice(0, entry.lastIndexOf("/dist/") + "/dist/".length);
  setWasmPaths(`file://${distDir}`);
}

/** True when a WebGPU adapter is a software (fallback) one such as llvmpipe or SwiftShader. */
export function isSoftwareAdapter(info: { isFallbackAdapter?: boolean; description?: string }) {
  return info.isFallbackAdapter === true ||
    /llvmpipe|swiftshader|software|lavapipe/i.test(info.description ?? "");
}

/** The part of `Deno.env` that {@linkcode ensureRuntimeDir} reads and writes. */
export interface RuntimeDirEnv {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** True when `path` is a folder of this user's that no one else can enter (0700, as XDG asks). */
function isPrivateDir(path: string): boolean {
  try {
    const info = Deno.lstatSync(path);
    return info.isDirectory && info.uid === Deno.uid() && ((info.mode ?? 0) & 0o777) === 0o700;
  } catch {
    return false;
  }
}

/**
 * Points XDG_RUNTIME_DIR at a private empty folder when it is unset, relative or missing, and
 * returns the folder it set (undefined when it kept the environment's).
 *
 * Why: Mesa's Vulkan device-selection layer (installed with mesa-vulkan-drivers, lavapipe's
 * package) connects to Wayland while an adapter is requested, and libwayland then prints "error:
 * XDG_RUNTIME_DIR is invalid or not set in the environment." to stderr, twice, from inside this
 * process. The driver reads the variable in-process, so setting it here, before the first
 * `navigator.gpu` call, is enough (measured: no line with the folder set, two without; the
 * alternative, probing in a subprocess with its stderr captured, costs a second Deno start). An
 * empty folder has no Wayland socket, so the layer falls back to its default order, silently. A
 * valid XDG_RUNTIME_DIR (a desktop session's) is kept. The folder is one per user under the
 * temporary folder, reused across runs (one empty folder, never one per process); when that path
 * is not this user's private folder, a fresh temporary one is made instead.
 */
export function ensureRuntimeDir(env: RuntimeDirEnv = Deno.env): string | undefined {
  const current = env.get("XDG_RUNTIME_DIR");
  if (current?.startsWith("/") && isDirectory(current)) return undefined;
  const base = env.get("TMPDIR") || "/tmp";
  let dir = `${base}/ganbench-runtime-${Deno.uid() ?? "user"}`;
  try {
    Deno.mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Already there (checked next), or the temporary folder refuses it: a fresh one below.
  }
  if (!isPrivateDir(dir)) dir = Deno.makeTempDirSync({ prefix: "ganbench-runtime-" });
  env.set("XDG_RUNTIME_DIR", dir);
  return dir;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** One adapter request per process (thread): `list`, `auto` and `--backend webgpu` share it. */
let adapterRequest: Promise<GPUAdapter | null> | undefined;

/** The WebGPU adapter ganbench would use, or null; requested at the first call only. */
function requestAdapter(): Promise<GPUAdapter | null> {
  adapterRequest ??= (async () => {
    ensureRuntimeDir();
    const gpu = (navigator as { gpu?: GPU }).gpu;
    if (!gpu) return null;
    return await gpu.requestAdapter({ powerPreference: "high-performance" });
  })();
  return adapterRequest;
}

/** What a WebGPU adapter says about itself, as recorded by `scripts/gpu_check.sh`. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, a fallback adapter). */
  software: boolean;
}

/**
 * The adapter's own description (requesting it, quietly, if no probe did yet), or null when no
 * WebGPU adapter can be created here.
 */
export async function webGpuAdapterInfo(): Promise<WebGpuAdapterInfo | null> {
  const adapter = await requestAdapter();
  if (!adapter) return null;
  const { vendor, architecture, device, description } = adapter.info;
  return { vendor, architecture, device, description, software: isSoftwareAdapter(adapter.info) };
}

let webGpuAddNRegistered = false;

/**
 * Replaces the webgpu backend's `AddN` with one that sums at most as many inputs per shader as the
 * device can bind. tfjs-backend-webgpu 4.22 binds every input of `AddN` as a storage buffer in
 * one shader, and it creates the device with WebGPU's default limit of 8 storage buffers per
 * stage (the output is one): with 8 or more inputs the pipeline fails validation, nothing is
 * written, and the output holds whatever its recycled buffer held before. Training sums the
 * squared norms of every weight tensor with `tf.addN` (the DCGAN's players have 8 each), so the
 * generator's logged loss and gradient norm came back as the discriminator's. Here the inputs
 * are summed in chunks of (limit − 1), then the partial sums; with fewer inputs the stock kernel
 * runs unchanged (the same shader, the same order of additions).
 */
function registerWebGpuAddN(): void {
  if (webGpuAddNRegistered) return;
  webGpuAddNRegistered = true;
  const stock = tf.getKernel(tf.AddN, "webgpu");
  if (!stock) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as WebGPUBackend;
    const perShader = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let inputs = args.inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    while (inputs.length > perShader) {
      const next: tf.TensorInfo[] = [];
      for (let start = 0; start < inputs.length; start += perShader) {
        const chunk = inputs.slice(start, start + perShader);
        if (chunk.length === 1) {
          next.push(chunk[0]);
          continue;
        }
        const sum = stock.kernelFunc({
          ...args,
          inputs: chunk as unknown as tf.NamedTensorInfoMap,
        });
        partials.push(sum as tf.TensorInfo);
        next.push(sum as tf.TensorInfo);
      }
      inputs = next;
    }
    const out = stock.kernelFunc({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap });
    // Commands run in submission order, so the partial sums may be released once queued.
    for (const partial of partials) backend.disposeData(partial.dataId);
    return out;
  };
  tf.unregisterKernel(tf.AddN, "webgpu");
  tf.registerKernel({ ...stock, kernelFunc });
}

/** The webgpu backends whose device errors {@linkcode watchWebGpuErrors} already turns into failures. */
const watchedBackends = new WeakSet<WebGPUBackend>();

/** Raised at the next read-back after the WebGPU device reported an error. */
export class WebGpuError extends Error {
  override name = "WebGpuError";
}

/**
 * Makes a WebGPU error fail the computation instead of passing silently. A shader or pipeline
 * that fails validation runs nothing and leaves its output as it was, and the device only reports
 * it as an "uncapturederror" event that nobody listens to, so a training run would go on with
 * wrong numbers. Here the first such error is kept, and every later read-back (`data()`, through
 * which the trainer reads every loss and norm) throws it.
 */
function watchWebGpuErrors(backend: WebGPUBackend): void {
  if (watchedBackends.has(backend)) return;
  watchedBackends.add(backend);
  let failure: string | undefined;
  backend.device.addEventListener("uncapturederror", (event) => {
    failure ??= (event as GPUUncapturedErrorEvent).error.message.trim().split("\n")[0];
  });
  const read = backend.read.bind(backend);
  backend.read = async (dataId) => {
    const values = await read(dataId);
    if (failure) throw new WebGpuError(`a WebGPU kernel failed, results are invalid: ${failure}`);
    return values;
  };
}

const BLAS_HINT = Deno.build.os === "linux"
  ? "install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0)"
  : "ganbench finds OpenBLAS on Linux and Accelerate on macOS";

/**
 * Activates the wasm backend with its products on `blas` (the system BLAS) or, with undefined,
 * on ganbench's own wasm kernels.
 */
async function activateWasm(blas: Parameters<typeof useHeapProduct>[1]): Promise<void> {
  if (!wasmReady) {
    configureWasmPaths();
    registerWasmTrainingKernels();
    registerWasmFusedKernels();
    wasmReady = true;
  }
  if (!(await tf.setBackend("wasm"))) {
    throw new BackendUnavailableError("backend 'wasm' failed to initialise");
  }
  useHeapProduct(tf.backend(), blas);
}

const BACKENDS: Record<Exclude<BackendChoice, "auto">, BackendEntry> = {
  tensorflow: {
    tfjsName: "tensorflow",
    probe() {
      const loaded = tryRequireTfjsNode();
      return Promise.resolve(
        loaded.ok
          ? {
            ok: true,
            device: loaded.pkg.endsWith("gpu") ? "TensorFlow C (CUDA)" : "TensorFlow C (CPU)",
          }
          : {
            ok: false,
            reason: `cannot load @tensorflow/tfjs-node: ${loaded.reason}; ${TENSORFLOW_HINT}`,
          },
      );
    },
    async activate() {
      if (!loadedTfjsNode) tryRequireTfjsNode();
      await tf.setBackend("tensorflow");
    },
  },
  webgpu: {
    tfjsName: "webgpu",
    async probe() {
      const adapter = await requestAdapter();
      if (!adapter) {
        return { ok: false, reason: "no WebGPU adapter (navigator.gpu is missing or found none)" };
      }
      const info = adapter.info;
      const name = info.description || info.vendor || "adapter";
      return isSoftwareAdapter(info)
        ? { ok: true, device: `WebGPU: ${name} (software adapter)`, software: true }
        : { ok: true, device: `WebGPU: ${name}` };
    },
    async activate() {
      await import("@tensorflow/tfjs-backend-webgpu");
      registerWebGpuAddN();
      if (!(await tf.setBackend("webgpu"))) {
        throw new BackendUnavailableError("backend 'webgpu' failed to initialise");
      }
      watchWebGpuErrors(tf.backend() as WebGPUBackend);
    },
  },
  blas: {
    tfjsName: "wasm",
    probe() {
      const loaded = systemBlas();
      return Promise.resolve(
        loaded.ok
          ? { ok: true, device: `CPU (wasm SIMD; products: ${loaded.blas.describe()})` }
          : { ok: false, reason: `no system BLAS: ${loaded.reason}; ${BLAS_HINT}` },
      );
    },
    async activate() {
      const loaded = systemBlas();
      if (!loaded.ok) throw new BackendUnavailableError(`backend 'blas': ${loaded.reason}`);
      await activateWasm(loaded.blas);
    },
  },
  wasm: {
    tfjsName: "wasm",
    probe() {
      // Relaxed SIMD's fused multiply-add changes the last bits of the products: recorded.
      const fma = relaxedSimdAvailable() ? ", fused multiply-add" : "";
      return Promise.resolve({ ok: true, device: `CPU (wasm SIMD${fma})` });
    },
    async activate() {
      await activateWasm(undefined);
    },
  },
  cpu: {
    tfjsName: "cpu",
    probe() {
      return Promise.resolve({ ok: true, device: "CPU (plain JavaScript)" });
    },
    async activate() {
      await tf.setBackend("cpu");
    },
  },
};

/** Preference order for `auto`. */
export const AUTO_ORDER = ["tensorflow", "webgpu", "blas", "wasm", "cpu"] as const;

/** Whether this code runs in a worker (where `auto`'s note was already given by the main thread). */
const IN_WORKER = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

/**
 * Which backend `auto` resolves to, without activating it: the first whose probe passes. When
 * the system BLAS cannot be used and auto settles on the wasm kernels, one line on stderr says why
 * (from the main thread only).
 */
async function resolveAuto(): Promise<{ name: Exclude<BackendChoice, "auto">; device: string }> {
  let blasReason: string | undefined;
  for (const name of AUTO_ORDER) {
    // tfjs-node is only tried under auto when the package is installed at all.
    if (name === "tensorflow" && !TFJS_NODE_PACKAGES.some(isInstalled)) continue;
    const probe = await BACKENDS[name].probe();
    if (probe.ok && !probe.software) {
      if (blasReason && name === "wasm" && !IN_WORKER) {
        console.error(`note: auto runs the wasm kernels: ${blasReason}`);
      }
      return { name, device: probe.device };
    }
    if (name === "blas" && !probe.ok) blasReason = probe.reason;
  }
  return { name: "cpu", device: "CPU (plain JavaScript)" };
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Activates the requested backend (resolving `auto`) and returns what ran.
 *
 * @throws {BackendUnavailableError} with a one-line reason when an explicitly requested backend cannot run.
 */
export async function initBackend(requested: BackendChoice = "auto"): Promise<BackendInfo> {
  tf.enableProdMode();
  registerDifferentiableGradients();
  registerFusedGradients();
  let name: Exclude<BackendChoice, "auto">;
  let device: string;
  if (requested === "auto") {
    ({ name, device } = await resolveAuto());
  } else {
    const probe = await BACKENDS[requested].probe();
    if (!probe.ok) {
      throw new BackendUnavailableError(`backend '${requested}' is unavailable: ${probe.reason}`);
    }
    name = requested;
    device = probe.device;
  }
  await BACKENDS[name].activate();
  await tf.ready();
  const blas = name === "blas" ? blasInfo() : undefined;
  return {
    name: BACKENDS[name].tfjsName,
    requested,
    device,
    tfjsVersion: tf.version_core,
    ...(blas ? { blas } : {}),
  };
}

/** The backend name that a cell trained on `choice` records in its configuration (and so its hash). */
export function configuredBackendName(choice: Exclude<BackendChoice, "auto">): string {
  return BACKENDS[choice].tfjsName;
}

/** What the loaded system BLAS says about itself (undefined when none loaded). */
function blasInfo(): BlasInfo | undefined {
  const loaded = systemBlas();
  return loaded.ok ? loaded.blas.info : undefined;
}

/** The backends a user may ask for, each with whether it can run here. */
export async function listBackends(): Promise<
  { name: string; available: boolean; software?: boolean; detail: string }[]
> {
  const rows = [];
  for (const name of AUTO_ORDER) {
    if (name === "tensorflow" && !TFJS_NODE_PACKAGES.some(isInstalled)) {
      rows.push({ name, available: false, detail: `not installed; ${TENSORFLOW_HINT}` });
      continue;
    }
    const probe = await BACKENDS[name].probe();
    const detail = probe.ok
      ? `${probe.device}${probe.software ? "; auto skips it, --backend webgpu uses it" : ""}`
      : probe.reason;
    rows.push({
      name,
      available: probe.ok,
      ...(probe.ok && probe.software ? { software: true } : {}),
      detail,
    });
  }
  return rows;
}
