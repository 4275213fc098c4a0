/**
 * The Dirac-GAN and mixtures suites at their smoke profile on the `blas` backend give the figures
 * of the `wasm` backend within float32 rounding: the same cells (the same hashes), trained through
 * `main()` in this process, their final figures compared one by one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { systemBlas } from "@ganbench/wasm-kernels";
import { runMain } from "../testing/cli.ts";

const loaded = systemBlas();

/** Every cell's final figures in `dir`, by file name. */
function finalFigures(dir: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".json")) continue;
    const result = JSON.parse(Deno.readTextFileSync(join(dir, entry.name)));
    out.set(entry.name, result.final);
  }
  return out;
}

/**
 * How far apart a figure may be. The mode figures count samples, and 40 steps of training carry a
 * product's last-bit differences into the generated points, so a sample near a mode's boundary may
 * fall on the other side: one sample of 500 moves `hq` by 0.2 points.
 */
function tolerance(name: string, value: number): number {
  if (name.startsWith("modes.")) return name.endsWith(".covered") ? 1 : 0.01 * Math.max(1, value);
  return 1e-4 * Math.max(1, Math.abs(value));
}

for (const suite of ["dirac", "mixtures"]) {
  Deno.test({
    name:
      `the ${suite} smoke suite gives the same figures on blas as on wasm, within float32 rounding${
        loaded.ok ? "" : ` [skipped: no system BLAS here (${loaded.reason})]`
      }`,
    ignore: !loaded.ok,
    async fn() {
      const out = await Deno.makeTempDir({ prefix: `ganbench-blas-${suite}-` });
      try {
        const figures = [];
        for (const backend of ["wasm", "blas"]) {
          const dir = join(out, backend);
          const run = await runMain(
            "suite",
            suite,
            "--profile",
            "smoke",
            "--backend",
            backend,
            "--jobs",
            "1",
            "--out",
            dir,
          );
          assert.equal(run.code, 0, run.stderr);
          figures.push(finalFigures(join(dir, suite, "smoke", "cells")));
        }
        const [wasm, blas] = figures;
        assert.deepEqual([...blas.keys()].sort(), [...wasm.keys()].sort());
        assert.ok(wasm.size > 0);
        let compared = 0;
        for (const [cell, expected] of wasm) {
          const actual = blas.get(cell)!;
          assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), cell);
          for (const [name, value] of Object.entries(expected)) {
            if (!Number.isFinite(value)) {
              assert.equal(actual[name], value, `${cell} ${name}`);
              continue;
            }
            assert.ok(
              Math.abs(actual[name] - value) <= tolerance(name, value),
              `${cell} ${name}: blas ${actual[name]}, wasm ${value}`,
            );
            compared++;
          }
        }
        assert.ok(compared > 0);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}
