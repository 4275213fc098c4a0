import assert from "node:assert/strict";
import {
  atLeast,
  type BlasEnv,
  OPENBLAS_TRUSTED_SINCE,
  openBlasFileVersion,
  parseVersion,
  SystemBlas,
} from "./system_blas.ts";
import { TEST_PRODUCTS } from "./_testing.ts";

/** A `Deno.env` stand-in over a map, recording what the load saw at each step. */
function mapEnv(values: Record<string, string>): BlasEnv & { map: Map<string, string> } {
  const map = new Map(Object.entries(values));
  return {
    map,
    get: (key) => map.get(key),
    set: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
  };
}

const blas = TEST_PRODUCTS.find((p) => p.product)?.product as SystemBlas | undefined;
const noBlas = "skipped: no system BLAS here";

Deno.test("parseVersion reads OpenBLAS' file names and configuration strings", () => {
  assert.deepEqual(parseVersion("libopenblasp-r0.3.21.so"), [0, 3, 21]);
  assert.deepEqual(
    parseVersion("OpenBLAS 0.3.28.dev DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"),
    [
      0,
      3,
      28,
    ],
  );
  assert.equal(parseVersion("libopenblas.so.0"), undefined);
});

Deno.test("atLeast compares releases part by part", () => {
  assert.ok(atLeast([0, 3, 21], OPENBLAS_TRUSTED_SINCE));
  assert.ok(atLeast([0, 4, 0], OPENBLAS_TRUSTED_SINCE));
  assert.ok(atLeast([1, 0, 0], [0, 3, 21]));
  assert.ok(!atLeast([0, 3, 20], OPENBLAS_TRUSTED_SINCE));
  assert.ok(!atLeast([0, 2, 99], OPENBLAS_TRUSTED_SINCE));
});

Deno.test("a library that cannot be loaded is one line naming it, and the environment is untouched", () => {
  const env = mapEnv({ OPENBLAS_CORETYPE: "Haswell" });
  const loaded = SystemBlas.load({ env, candidates: ["/nonexistent/libopenblas.so.0"] });
  assert.equal(loaded.ok, false);
  if (loaded.ok) return;
  assert.match(loaded.reason, /^\/nonexistent\/libopenblas\.so\.0: /);
  assert.ok(!loaded.reason.includes("\n"));
  assert.deepEqual([...env.map], [["OPENBLAS_CORETYPE", "Haswell"]]);
});

Deno.test("GANBENCH_BLAS=none means no system BLAS", () => {
  const loaded = SystemBlas.load({ env: mapEnv({ GANBENCH_BLAS: "none" }) });
  assert.deepEqual(loaded, { ok: false, reason: "GANBENCH_BLAS=none" });
});

Deno.test({
  name:
    `the system BLAS loads with one thread, its own kernels, and the inherited pinning put back${
      blas ? "" : ` [${noBlas}]`
    }`,
  ignore: !blas,
  fn() {
    const info = blas!.info;
    assert.equal(info.threads, 1);
    assert.notEqual(info.coreName, "unknown");
    const version = parseVersion(info.version);
    assert.ok(version, `version ${info.version}`);
    const fileVersion = openBlasFileVersion(info.library);
    if (info.name === "OpenBLAS" && fileVersion && atLeast(fileVersion, OPENBLAS_TRUSTED_SINCE)) {
      // Whatever this process inherited was removed for the load only.
      assert.equal(info.kept, undefined);
      for (const name of info.unset ?? []) assert.ok(Deno.env.get(name) !== undefined, name);
      if (Deno.env.get("OPENBLAS_CORETYPE")) {
        assert.ok(info.unset?.includes("OPENBLAS_CORETYPE"));
      }
    }
    assert.equal(Deno.env.get("OPENBLAS_NUM_THREADS"), undefined);
    assert.equal(blas!.selfCheck(), undefined);
  },
});

Deno.test({
  name: `the system BLAS's sgemm reads and writes a growing WebAssembly memory in place${
    blas ? "" : ` [${noBlas}]`
  }`,
  ignore: !blas,
  fn() {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const a = [1, 2, 3, 4, 5, 6]; // 2 x 3
    const b = [1, 0, 0, 1, 1, 1]; // 3 x 2
    new Float32Array(memory.buffer).set([...a, ...b], 16);
    memory.grow(3); // the old buffer is detached: the product must use the current one
    blas!.sgemm(memory.buffer, { offset: 64 }, { offset: 64 + 24 }, { offset: 256, ld: 3 }, {
      m: 2,
      n: 2,
      k: 3,
    });
    const c = new Float32Array(memory.buffer, 256, 6);
    assert.deepEqual(Array.from(c), [4, 5, 0, 10, 11, 0]);
    // Accumulating, B transposed (stored 2 x 3).
    new Float32Array(memory.buffer).set([1, 1, 0, 0, 1, 1], 128);
    blas!.sgemm(
      memory.buffer,
      { offset: 64 },
      { offset: 512, transposed: true },
      {
        offset: 256,
        ld: 3,
      },
      { m: 2, n: 2, k: 3 },
      true,
    );
    assert.deepEqual(Array.from(new Float32Array(memory.buffer, 256, 6)), [7, 10, 0, 19, 22, 0]);
  },
});
