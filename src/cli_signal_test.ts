/**
 * A run told to stop: SIGTERM (what `scancel`, a Slurm time limit or a Kubernetes pod deletion
 * sends) or SIGINT reaches a `suite` run training in its main thread, which releases the claim of
 * its cell in progress, says so in one line and exits at once; the cell is then missing, not
 * running or failed, and a later run computes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, TINY_SUITE, tinyCli } from "../testing/cli.ts";

const TINY_MAIN = fileURLToPath(new URL("../testing/tiny/main.ts", import.meta.url));

/** The files of the tiny suite's cells folder under `out` whose names end in `ending`. */
function cellFiles(out: string, ending: string): string[] {
  try {
    return [...Deno.readDirSync(join(out, "tiny", "smoke", "cells"))]
      .map((entry) => entry.name).filter((name) => name.endsWith(ending)).sort();
  } catch {
    return [];
  }
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  Deno.test(`${signal} stops a run within seconds: its cell's claim is released, one line says so, exit ${code}, and the cell is then missing`, async () => {
    const dir = await Deno.makeTempDir();
    // The tiny suite with cells long enough to be stopped midway.
    const suite = JSON.parse(await Deno.readTextFile(TINY_SUITE));
    suite.profiles.smoke = { ...suite.profiles.smoke, steps: 200_000, evalEvery: 200_000 };
    suite.profiles.smoke.logEvery = 1000;
    const suiteFile = join(dir, "tiny.json");
    await Deno.writeTextFile(suiteFile, JSON.stringify(suite));
    const out = join(dir, "results");
    const selection = [suiteFile, "--profile", "smoke", "--backend", "cpu"];
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TINY_MAIN, "suite", ...selection, "--out", out, "--jobs", "1"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const deadline = Date.now() + 120_000;
    while (!cellFiles(out, ".claim").length) {
      assert.ok(Date.now() < deadline, "the run started a cell");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = Date.now();
    child.kill(signal);
    const { code: exit, stderr } = await child.output();
    const seconds = (Date.now() - sent) / 1000;
    assert.equal(exit, code);
    assert.ok(seconds < 10, `ended ${seconds} s after ${signal}`);
    const lines = new TextDecoder().decode(stderr).trim().split("\n");
    assert.match(
      lines.at(-1)!,
      new RegExp(`^ganbench: stopped by ${signal}; 1 cell in progress released unstored`),
    );
    assert.deepEqual(cellFiles(out, ".claim"), [], "no claim is left");
    assert.deepEqual(cellFiles(out, ".json"), [], "nothing was stored");
    const status = await tinyCli("status", ...selection, "--results", out, "--json");
    assert.equal(status.code, 3, status.stderr);
    const { counts } = JSON.parse(status.stdout);
    assert.deepEqual([counts.running, counts.failed, counts.stored], [0, 0, 0]);
    await Deno.remove(dir, { recursive: true });
  });
}
