import assert from "node:assert/strict";
import { join } from "node:path";
import type { Dataset } from "../data/dataset.ts";
import { writeNpz } from "../data/npz.ts";
import { EXTRACTORS } from "./extractors.ts";
import { gaussianStats } from "./features.ts";
import { cacheDir, statsCachePath, trainingStats } from "./reference_stats.ts";

/** A dataset of `count` 3-value samples whose training split is `values` (in [−1, 1]). */
function toyDataset(name: string, values: Float32Array, sampled: { count: number }): Dataset {
  return {
    name,
    description: "test only",
    sampleShape: [3],
    sample: () => new Float32Array(),
    trainingSplit: {
      count: () => values.length / 3,
      samples(start, count) {
        sampled.count += count;
        return values.slice(3 * start, 3 * (start + count));
      },
    },
  };
}

Deno.test("cacheDir takes GANBENCH_CACHE, then XDG_CACHE_HOME/ganbench, then ~/.cache/ganbench", () => {
  const env = (vars: Record<string, string>) => ({ get: (key: string) => vars[key] });
  assert.equal(cacheDir(env({ GANBENCH_CACHE: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" })), "/c");
  assert.equal(cacheDir(env({ XDG_CACHE_HOME: "/x", HOME: "/h" })), "/x/ganbench");
  assert.equal(cacheDir(env({ HOME: "/h" })), "/h/.cache/ganbench");
});

Deno.test("trainingStats are the statistics of the whole split's features, written once as mu/sigma and read back", async () => {
  const dir = await Deno.makeTempDir();
  Deno.env.set("GANBENCH_CACHE", dir);
  const values = Float32Array.from({ length: 3 * 1203 }, (_, i) => Math.sin(i * 0.37));
  const sampled = { count: 0 };
  const raw = EXTRACTORS.get("raw");
  const stats = await trainingStats(toyDataset("toy", values, sampled), raw, "id1");
  assert.equal(sampled.count, 1203, "every sample, once (in chunks)");
  const expected = gaussianStats({ data: values.map((v) => (v + 1) / 2), n: 1203, d: 3 });
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(stats.mean[i] - expected.mean[i]) < 1e-12);
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(stats.covariance.get(i, j) - expected.covariance.get(i, j)) < 1e-12);
    }
  }
  const path = statsCachePath("toy", 1203, raw, "id1");
  assert.equal(path, join(dir, "toy-train1203-raw-id1.npz"));
  assert.ok(Deno.statSync(path).isFile, "cached");
  // A cached file is read, not recomputed: here one written by hand for another identity.
  const mu = Float64Array.from([1, 2, 3]);
  const sigma = Float64Array.from([2, 0, 0, 0, 3, 0, 0, 0, 4]);
  await writeNpz(statsCachePath("toy", 1203, raw, "id2"), {
    mu: { data: mu, shape: [3] },
    sigma: { data: sigma, shape: [3, 3] },
  });
  const before = sampled.count;
  const read = await trainingStats(toyDataset("toy", values, sampled), raw, "id2");
  assert.equal(sampled.count, before, "nothing extracted");
  assert.deepEqual(Array.from(read.mean), [1, 2, 3]);
  assert.deepEqual(read.covariance.to1DArray(), Array.from(sigma));
  Deno.env.delete("GANBENCH_CACHE");
  await Deno.remove(dir, { recursive: true });
});
