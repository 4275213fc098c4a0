/**
 * ganbench's WebAssembly kernels: float32 training kernels registered with TensorFlow.js' wasm
 * backend in place of slow or missing stock kernels (products, convolutions and their gradients,
 * reductions, copies, LeakyReLU, fused inference products), fused training ops (a dense layer,
 * Adam and RMSprop as one kernel each, composed from tfjs ops on other backends), and the float64
 * row products behind the feature metrics. Every kernel is emitted by a small WebAssembly
 * assembler in TypeScript; the training kernels rely on internals of tfjs-backend-wasm 4.22.0
 * (see README.md: what each kernel replaces, its speed, and what to check after an upgrade).
 *
 * @example Registering the training kernels before activating the wasm backend
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-wasm";
 * import {
 *   registerFusedGradients,
 *   registerWasmFusedKernels,
 *   registerWasmTrainingKernels,
 * } from "@ganbench/wasm-kernels";
 *
 * registerFusedGradients();
 * registerWasmTrainingKernels();
 * registerWasmFusedKernels();
 * await tf.setBackend("wasm");
 * ```
 *
 * @example Float64 dot products of feature rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { RowProducts } from "@ganbench/wasm-kernels";
 *
 * const products = new RowProducts();
 * const [a, b, c] = [products.reserve(2 * 2), products.reserve(4 * 2), products.reserve(2 * 4)];
 * products.f64.set([1, 2, 3, 4], a); // two rows of two values
 * products.f64.set([1, 0, 0, 1, 1, 1, 2, 2], b); // four rows of two values
 * products.dots(a, b, c, { m: 2, n: 4, len: 2, ld: 2, ldc: 4 });
 * assert.deepEqual(Array.from(products.f64.subarray(c, c + 8)), [1, 2, 3, 6, 3, 4, 7, 14]);
 * ```
 *
 * @module
 */
export * from "./fused_ops.ts";
export * from "./heap_kernels.ts";
export * from "./relaxed_simd.ts";
export * from "./row_products.ts";
export * from "./system_blas.ts";
export { meterHeapProducts, registerWasmTrainingKernels, useHeapProduct } from "./wasm_kernels.ts";
export { registerWasmFusedKernels } from "./wasm_fused_kernels.ts";
