/**
 * End-to-end: the cyclegan suite's smoke profile through the command line (every variant on the
 * three translation datasets), and a seeded rerun of its cells giving the same result bit for bit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli } from "../testing/cli.ts";
import { initBackend } from "./engine/backend.ts";
import { buildMatrix, type Cell } from "./runner/cells.ts";
import { describeEnvironment } from "./runner/environment.ts";
import { runCell } from "./runner/run_cell.ts";
import type { CellResult } from "./runner/store.ts";
import { loadSuite } from "./runner/suite.ts";

const DATASETS = ["ring8-rotated", "mnist-inverted", "mnist-rotated"];
const VARIANTS = ["cyclegan", "no-identity", "no-cycle", "no-pool", "cyclegan-nsgan"];

Deno.test("the cyclegan suite's smoke profile trains every variant on every translation dataset and scores it against T", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-cyclegan-" });
  const run = await cli("suite", "cyclegan", "--profile", "smoke", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /G class ok/);
  const base = join(out, "cyclegan", "smoke");
  for (const dataset of DATASETS) {
    for (const variant of VARIANTS) {
      const result: CellResult = JSON.parse(
        await Deno.readTextFile(join(base, "cells", `${dataset}__${variant}__seed0.json`)),
      );
      const what = `${dataset} ${variant}`;
      assert.equal(result.status, "completed", what);
      for (const key of ["gt-error", "gt-error-f", "accuracy", "accuracy-f", "cycle", "identity"]) {
        assert.ok(Number.isFinite(result.final[`translation.${key}`]), `${what}: ${key}`);
      }
      for (const key of ["dyn.osc[G]", "dyn.osc[D_A]", "dyn.grad_ratio[D_B/G]"]) {
        assert.ok(Number.isFinite(result.final[key]), `${what}: ${key}`);
      }
      if (dataset === "ring8-rotated") {
        assert.ok(Number.isFinite(result.final["translation.mass"]), what);
        assert.ok(result.samples && result.samples.length === 50, `${what}: G(a) points stored`);
        assert.equal(result.images, undefined);
      } else {
        assert.ok(Number.isFinite(result.final["translation.fid[mnist-net]"]), what);
        const bytes = await Deno.readFile(join(base, result.images!.translation));
        assert.deepEqual([...bytes.slice(1, 4)], [80, 78, 71], `${what}: the strip is a PNG`);
      }
    }
  }
  // A 2-D cell with all the losses learns within the smoke budget: G gets closer to T.
  const full: CellResult = JSON.parse(
    await Deno.readTextFile(join(base, "cells", "ring8-rotated__cyclegan__seed0.json")),
  );
  const untrained = full.evals[0].metrics["translation.gt-error"];
  assert.ok(
    full.final["translation.gt-error"] < untrained,
    `ground-truth error ${full.final["translation.gt-error"]} vs ${untrained} untrained`,
  );
  for (const chart of ["translation-strips", "samples", "loss-curves"]) {
    await Deno.stat(join(base, "charts", `${chart}.svg`));
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("a cyclegan cell reruns bit-identically from its seed", async () => {
  const environment = describeEnvironment(await initBackend("wasm"));
  const cells = buildMatrix(loadSuite("cyclegan"), {
    profile: "smoke",
    variants: ["cyclegan"],
    backend: "wasm",
  });
  const timeless = (result: CellResult) => {
    const { timing: _t, environment: _e, finishedAt: _f, ...rest } = result;
    return {
      ...rest,
      curves: rest.curves.map(({ seconds: _s, ...point }) => point),
      evals: rest.evals.map(({ seconds: _s, ...point }) => point),
    };
  };
  // The image cell at 10 of smoke's 40 steps with a history pool of 4 images (not 50): the pool
  // fills at step 2 and swaps at random from then on, as the smoke cell's does from step 25, at a
  // quarter of the training.
  const shorter = (cell: Cell): Cell => ({
    ...cell,
    config: {
      ...cell.config,
      budget: { ...cell.config.budget, steps: 10, evalEvery: 5 },
      trainerOptions: { ...cell.config.trainerOptions, poolSize: 4 },
    },
  });
  for (const dataset of ["ring8-rotated", "mnist-inverted"]) {
    const found = cells.find((c) => c.config.dataset === dataset)!;
    const cell = dataset === "mnist-inverted" ? shorter(found) : found;
    const first = await runCell(cell, environment);
    assert.deepEqual(timeless(await runCell(cell, environment)), timeless(first), dataset);
  }
});
