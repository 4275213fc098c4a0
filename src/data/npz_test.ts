import assert from "node:assert/strict";
import { join } from "node:path";
import { readNpz, writeNpz } from "./npz.ts";

Deno.test("writeNpz and readNpz round-trip float64 arrays", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "stats.npz");
  await writeNpz(path, {
    mu: { data: Float64Array.from([1, 2.5]), shape: [2] },
    sigma: { data: Float64Array.from([1, 0.5, 0.5, 2]), shape: [2, 2] },
  });
  const arrays = await readNpz(path);
  assert.deepEqual(Object.keys(arrays).sort(), ["mu", "sigma"]);
  assert.deepEqual(Array.from(arrays.mu.data), [1, 2.5]);
  assert.deepEqual(arrays.sigma.shape, [2, 2]);
  assert.deepEqual(Array.from(arrays.sigma.data), [1, 0.5, 0.5, 2]);
  await Deno.writeTextFile(join(dir, "bad.npz"), "not a zip");
  await assert.rejects(
    () => readNpz(join(dir, "bad.npz")),
    /Cannot read '.*bad\.npz' as an \.npz archive/,
  );
  await Deno.remove(dir, { recursive: true });
});
