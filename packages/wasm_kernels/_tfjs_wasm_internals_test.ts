import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { checkWasmInternals, PINNED_TFJS_VERSION } from "./_tfjs_wasm_internals.ts";
import { useBackend } from "./_testing.ts";

const AFTER_AN_UPGRADE = "after a tfjs upgrade, re-verify packages/wasm_kernels/" +
  "_tfjs_wasm_internals.ts against the new BackendWasm, run the package's tests (the parity and " +
  "bit-identity tests) and `deno task bench:fused`, then set PINNED_TFJS_VERSION " +
  "(packages/wasm_kernels/README.md, 'After a tfjs upgrade')";

Deno.test("the installed tfjs-core and tfjs-backend-wasm are the version the kernels are pinned to", () => {
  for (
    const [name, version] of [["tfjs-core", tf.version_core], ["tfjs-backend-wasm", version_wasm]]
  ) {
    assert.equal(
      version,
      PINNED_TFJS_VERSION,
      `@tensorflow/${name} is ${version}, the wasm kernels are pinned to ${PINNED_TFJS_VERSION}: ${AFTER_AN_UPGRADE}`,
    );
  }
});

Deno.test("every tfjs-backend-wasm internal the kernels use exists and behaves as they assume", async () => {
  await useBackend("wasm");
  const values = [1.5, -2, 3];
  const probe = tf.tensor1d(values);
  const problems = checkWasmInternals(tf.backend(), { tensor: probe, values });
  probe.dispose();
  assert.deepEqual(problems, [], `${problems.join("; ")}: ${AFTER_AN_UPGRADE}`);
});

Deno.test("checkWasmInternals names each internal that is missing", () => {
  const problems = checkWasmInternals(
    { wasm: { _malloc: () => 16 }, makeOutput: () => ({}) },
    { tensor: { dataId: {}, shape: [0], dtype: "float32" }, values: [] },
  );
  assert.deepEqual(problems, [
    "backend.wasm.asm.memory is not a WebAssembly.Memory",
    "backend.wasm._free is not a function",
    "backend.getMemoryOffset is not a function",
    "backend.disposeData is not a function",
    "backend.incRef is not a function",
  ]);
  const empty = { tensor: { dataId: {}, shape: [0], dtype: "float32" as const }, values: [] };
  assert.equal(checkWasmInternals(undefined, empty).length, 7);
});

Deno.test("the wasm backend has the unary kernels the fused products apply after the epilogue", async () => {
  // (The stock kernels that the replacements fall back to are looked up when they are registered:
  // registerWasmTrainingKernels throws, naming the kernel, when one is missing.)
  await useBackend("wasm");
  const missing = ["Elu", "Relu6", "Sigmoid", "Tanh"].filter((name) => !tf.getKernel(name, "wasm"));
  assert.deepEqual(
    missing,
    [],
    `the wasm backend lacks ${missing.join(", ")}: ${AFTER_AN_UPGRADE}`,
  );
});
