import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import type { FeatureMatrix } from "./features.ts";
import { kid } from "./kid.ts";
import { runJobs } from "./parallel.ts";
import { kthNeighbourSquaredDistances, prdc } from "./prdc.ts";

/** Runs `compute` with GANBENCH_THREADS set to `threads`. */
function withThreads<T>(threads: number, compute: () => T): T {
  const before = Deno.env.get("GANBENCH_THREADS");
  Deno.env.set("GANBENCH_THREADS", String(threads));
  try {
    return compute();
  } finally {
    if (before === undefined) Deno.env.delete("GANBENCH_THREADS");
    else Deno.env.set("GANBENCH_THREADS", before);
  }
}

function gaussian(rng: Rng, n: number, d: number, shift = 0): FeatureMatrix {
  return { data: Float64Array.from(rng.normals(n * d), (v) => v + shift), n, d };
}

Deno.test("KID and precision/recall/density/coverage are identical on one thread and on several", () => {
  const rng = new Rng(17);
  // Large enough that every pass of both metrics hands its jobs to worker threads (above 5e7
  // multiply-adds, even the radii of the real set: 1500² · 64 / 2).
  const real = gaussian(rng, 1500, 64), fake = gaussian(rng, 1200, 64, 0.3);
  const copy = (x: FeatureMatrix) => ({ ...x, data: x.data.slice() }); // fresh: no cached passes
  const run = () => ({
    kid: kid(real, fake, new Rng(3), { subsets: 12, subsetSize: 500 }),
    prdc: prdc(copy(real), copy(fake)),
    radii: Array.from(kthNeighbourSquaredDistances(copy(fake), 4)),
  });
  const serial = withThreads(1, run);
  const parallel = withThreads(3, run);
  assert.deepEqual(parallel, serial);
  assert.ok(serial.prdc.precision > 0 && serial.prdc.precision < 1, "a non-trivial case");
  assert.ok(serial.kid.mean > 0);
});

Deno.test("runJobs reports a job that fails in a worker thread", () => {
  // Worker threads know only the metrics' job kinds: this one fails there (and here, unknown).
  assert.throws(
    () => withThreads(2, () => runJobs("no-such-job", { arrays: {}, numbers: {} }, 4)),
    /metric job no-such-job failed for 4 of 4 parts: no job kind 'no-such-job'/,
  );
});
