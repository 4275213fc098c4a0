/**
 * What the package's tests share: seeded random inputs and a TensorFlow.js backend set up as
 * ganbench sets it up. The package imports nothing from ganbench's src/, so `TestRng` repeats
 * the draws of ganbench's `Rng` (xoroshiro128+ from pure-rand, Box-Muller normals) and
 * `useBackend` the wasm setup of `src/engine/backend.ts`; the tests' inputs are the ones they had
 * there.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// The union package registers every op's gradient (tfjs-core's own ESM gradient files cannot be
// imported under Deno: they use extension-less specifiers), and the cpu backend.
import "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { registerFusedGradients } from "./fused_ops.ts";
import type { HeapProduct } from "./heap_kernels.ts";
import { systemBlas } from "./system_blas.ts";
import { registerWasmFusedKernels } from "./wasm_fused_kernels.ts";
import { registerWasmTrainingKernels, useHeapProduct } from "./wasm_kernels.ts";

/** A product the kernels can run on, for tests that loop over every one. */
export interface TestProduct {
  /** How test names call it. */
  label: string;
  /** undefined: the heap's own kernels. */
  product?: HeapProduct;
  /** Why its tests are skipped here (no system BLAS), shown in their names. */
  skip?: string;
}

const loaded = systemBlas();

/** The heap's own kernels and the system BLAS (skipped, with the reason, where none loads). */
export const TEST_PRODUCTS: readonly TestProduct[] = [
  { label: "wasm kernels" },
  loaded.ok
    ? { label: `system BLAS, ${loaded.blas.describe()}`, product: loaded.blas }
    : { label: "system BLAS", skip: `skipped: no system BLAS here (${loaded.reason})` },
];

/** A test name for `product`: "name (label)", with the skip reason when it is skipped. */
export function productTestName(name: string, product: TestProduct): string {
  return `${name} (${product.label})${product.skip ? ` [${product.skip}]` : ""}`;
}

/**
 * A seeded random source with the draws the tests need (the same sequence as ganbench's Rng).
 *
 * A copy of `src/engine/rng.ts`'s generator rather than one shared with it, on purpose: the
 * package imports nothing from ganbench, and ganbench's `Rng` should not come from a kernels
 * package either (every stored result depends on its streams, which have nothing to do with
 * kernels, and the package's public API would gain a random source it does not use). The copy is
 * test-only: were the two ever to drift, only these tests' inputs would change, never a result.
 */
export class TestRng {
  #generator: RandomGenerator;
  #spareNormal: number | undefined;

  /** @param seed any integer; the same seed always yields the same sequence */
  constructor(seed: number) {
    this.#generator = xoroshiro128plus(seed | 0);
  }

  /** A uniform draw in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.#generator);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** `n` standard normal draws as float32. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }
}

let wasmReady = false;

/**
 * Activates `name` with the package's gradients registered and, for wasm, its kernels registered
 * and the backend pointed at the .wasm files of the installed npm package, its products on
 * `product` (the heap's own kernels when undefined).
 */
export async function useBackend(name: "cpu" | "wasm", product?: HeapProduct): Promise<void> {
  tf.enableProdMode();
  registerFusedGradients();
  if (name === "wasm" && !wasmReady) {
    const entry = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
    setWasmPaths(`file://${entry.slice(0, entry.lastIndexOf("/dist/") + "/dist/".length)}`);
    registerWasmTrainingKernels();
    registerWasmFusedKernels();
    wasmReady = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  if (name === "wasm") useHeapProduct(tf.backend(), product);
}
