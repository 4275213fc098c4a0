/**
 * Every access to TensorFlow.js internals the package relies on, in one place: the slice of
 * tfjs-backend-wasm's `BackendWasm` the kernels use (its emscripten heap, allocator and tensor
 * bookkeeping, which tfjs types only as an untyped `backend: {}` in a kernel's arguments), and
 * kernel attributes, which tfjs types as a loose map. Each is reached through one typed function
 * here, so that the package's only `as unknown as` casts are in this file, and
 * {@linkcode checkWasmInternals} checks them on a live backend (run by
 * `_tfjs_wasm_internals_test.ts`). Written against, and verified with, tfjs
 * {@linkcode PINNED_TFJS_VERSION}: after an upgrade, see the package README.
 *
 * @module
 */
import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { WasmHeap } from "./heap_kernels.ts";

/** The version of tfjs-core and tfjs-backend-wasm whose internals the package was verified with. */
export const PINNED_TFJS_VERSION = "4.22.0";

/** The slice of tfjs-backend-wasm's `BackendWasm` the kernels use. */
export interface WasmBackend {
  /** The emscripten module: `asm` is its instance's exports (not in tfjs' declared types). */
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  /** Where a tensor's data starts, as a byte offset into `wasm.asm.memory`. */
  getMemoryOffset(dataId: object): number;
  /** Frees a tensor's data once its reference count reaches 0 (true if it was freed). */
  disposeData(dataId: object): boolean;
  /** A new tensor of `shape`, its data allocated in the heap (uninitialised). */
  makeOutput(shape: number[], dtype: TensorInfo["dtype"]): TensorInfo;
  /** One more reference to a tensor's data (so that two tensors share it). */
  incRef(dataId: object): void;
}

/**
 * The wasm backend a kernel was called with (tfjs passes it as `backend: {}`).
 *
 * @param backend the `backend` argument of a wasm kernel function
 * @returns the same object, typed as the slice of `BackendWasm` the kernels use
 */
export function wasmBackendOf(backend: unknown): WasmBackend {
  return backend as unknown as WasmBackend;
}

/**
 * A kernel's attributes as the interface of its kernel (tfjs passes them as `NamedAttrMap`).
 *
 * @param attrs the `attrs` argument of a kernel function or gradient
 * @returns the same object, typed as `Attrs`
 */
export function attrsOf<Attrs>(attrs: NamedAttrMap | undefined): Attrs {
  return attrs as unknown as Attrs;
}

/**
 * The heap the kernels work in: the backend's memory and allocator.
 *
 * @param backend the wasm backend
 * @returns its memory, `malloc` and `free`
 */
export function heapOf(backend: WasmBackend): WasmHeap {
  const { wasm } = backend;
  return {
    memory: wasm.asm.memory,
    malloc: (bytes) => wasm._malloc(bytes),
    free: (pointer) => wasm._free(pointer),
  };
}

/** One finding of {@linkcode checkWasmInternals}: what is wrong, to re-verify after an upgrade. */
export type InternalsProblem = string;

/**
 * Checks, on a live wasm backend, that every internal of {@linkcode WasmBackend} exists with the
 * shape and the meaning the kernels assume: a heap that `_malloc` allocates in and `_free`
 * releases, tensors whose data `getMemoryOffset` locates in that heap, `makeOutput`, `incRef`
 * counting references and `disposeData` releasing them. It only reads the heap.
 *
 * @param backend the active wasm backend (`tf.backend()` after `tf.setBackend("wasm")`)
 * @param probe a float32 tensor on that backend and the values it holds
 * @returns the problems found, none when the internals are as the kernels assume
 */
export function checkWasmInternals(
  backend: unknown,
  probe: { tensor: TensorInfo; values: ArrayLike<number> },
): InternalsProblem[] {
  const problems: InternalsProblem[] = [];
  const candidate = backend as Partial<Record<keyof WasmBackend, unknown>> | undefined;
  const wasm = candidate?.wasm as Partial<Record<keyof WasmBackend["wasm"], unknown>> | undefined;
  const asm = wasm?.asm as { memory?: unknown } | undefined;
  if (!(asm?.memory instanceof WebAssembly.Memory)) {
    problems.push("backend.wasm.asm.memory is not a WebAssembly.Memory");
  }
  for (const name of ["_malloc", "_free"] as const) {
    if (typeof wasm?.[name] !== "function") problems.push(`backend.wasm.${name} is not a function`);
  }
  for (const name of ["getMemoryOffset", "disposeData", "makeOutput", "incRef"] as const) {
    if (typeof candidate?.[name] !== "function") problems.push(`backend.${name} is not a function`);
  }
  if (problems.length) return problems;
  const typed = wasmBackendOf(backend);
  const heap = heapOf(typed);
  const pointer = heap.malloc(64);
  if (!Number.isInteger(pointer) || pointer <= 0 || pointer + 64 > heap.memory.buffer.byteLength) {
    problems.push(`backend.wasm._malloc(64) returned ${pointer}, not a pointer into the heap`);
  } else heap.free(pointer);
  const expected = Array.from(probe.values);
  const offset = typed.getMemoryOffset(probe.tensor.dataId);
  const end = offset + 4 * expected.length;
  if (
    !Number.isInteger(offset) || offset % 4 || offset < 0 || end > heap.memory.buffer.byteLength
  ) {
    problems.push(`backend.getMemoryOffset gave ${offset}, not a float32 offset into the heap`);
  } else {
    const found = Array.from(new Float32Array(heap.memory.buffer, offset, expected.length));
    if (found.join() !== expected.join()) {
      problems.push(
        `the heap at backend.getMemoryOffset holds [${found}], not the tensor's [${expected}]`,
      );
    }
  }
  const out = typed.makeOutput([3], "float32");
  if (typeof out?.dataId !== "object" || out.shape?.join() !== "3" || out.dtype !== "float32") {
    problems.push(
      "backend.makeOutput([3], 'float32') did not return a float32 tensor of shape [3]",
    );
    return problems;
  }
  typed.incRef(out.dataId);
  if (typed.disposeData(out.dataId)) {
    problems.push("backend.disposeData freed data that backend.incRef had referenced twice");
  }
  if (!typed.disposeData(out.dataId)) {
    problems.push("backend.disposeData did not free data at its last reference");
  }
  return problems;
}
