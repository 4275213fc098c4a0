/**
 * Backend selection: one registry of TensorFlow.js backends, each with a probe
 * that says whether it can run here and a loader. `auto` walks the registry in
 * preference order (tensorflow > webgpu > wasm > cpu).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// The union package registers every op's gradient (tfjs-core's own ESM gradient files cannot be
// imported under Deno: they use extension-less specifiers), plus the cpu backend and layers/converter.
import "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { registerFusedGradients } from "./fused_ops.ts";
import { registerDifferentiableGradients } from "./gradients.ts";
import { relaxedSimdAvailable } from "./wasm_asm.ts";
import { registerWasmFusedKernels } from "./wasm_fused_kernels.ts";
import { registerWasmTrainingKernels } from "./wasm_kernels.ts";

/** Backend names a user may ask for. */
export const BACKEND_CHOICES = ["auto", "tensorflow", "webgpu", "wasm", "cpu"] as const;
/** A backend name a user may ask for. */
export type BackendChoice = typeof BACKEND_CHOICES[number];

/** What ran: recorded in every result. */
export interface BackendInfo {
  /** The tfjs backend that ran (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  name: string;
  /** What the user asked for. */
  requested: BackendChoice;
  /** A human description of the device (adapter name, "CPU (wasm, SIMD)", ...). */
  device: string;
  /** The @tensorflow/tfjs-core version. */
  tfjsVersion: string;
}

/** Raised when a backend that was asked for cannot run; its message is one line for the user. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
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
  /** Registers and activates the backend under its tfjs name. */
  activate(): Promise<string>;
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

async function requestAdapter(): Promise<GPUAdapter | null> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return null;
  return await gpu.requestAdapter({ powerPreference: "high-performance" });
}

const BACKENDS: Record<Exclude<BackendChoice, "auto">, BackendEntry> = {
  tensorflow: {
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
      return "tensorflow";
    },
  },
  webgpu: {
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
      if (!(await tf.setBackend("webgpu"))) {
        throw new BackendUnavailableError("backend 'webgpu' failed to initialise");
      }
      return "webgpu";
    },
  },
  wasm: {
    probe() {
      // Relaxed SIMD's fused multiply-add changes the last bits of the products: recorded.
      const fma = relaxedSimdAvailable() ? ", fused multiply-add" : "";
      return Promise.resolve({ ok: true, device: `CPU (wasm SIMD${fma})` });
    },
    async activate() {
      if (!wasmReady) {
        configureWasmPaths();
        registerWasmTrainingKernels();
        registerWasmFusedKernels();
        wasmReady = true;
      }
      if (!(await tf.setBackend("wasm"))) {
        throw new BackendUnavailableError("backend 'wasm' failed to initialise");
      }
      return "wasm";
    },
  },
  cpu: {
    probe() {
      return Promise.resolve({ ok: true, device: "CPU (plain JavaScript)" });
    },
    async activate() {
      await tf.setBackend("cpu");
      return "cpu";
    },
  },
};

/** Preference order for `auto`. */
export const AUTO_ORDER = ["tensorflow", "webgpu", "wasm", "cpu"] as const;

/** Which backend `auto` resolves to, without activating it: the first whose probe passes. */
async function resolveAuto(): Promise<{ name: Exclude<BackendChoice, "auto">; device: string }> {
  for (const name of AUTO_ORDER) {
    // tfjs-node is only tried under auto when the package is installed at all.
    if (name === "tensorflow" && !TFJS_NODE_PACKAGES.some(isInstalled)) continue;
    const probe = await BACKENDS[name].probe();
    if (probe.ok && !probe.software) return { name, device: probe.device };
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
  const active = await BACKENDS[name].activate();
  await tf.ready();
  return { name: active, requested, device, tfjsVersion: tf.version_core };
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
