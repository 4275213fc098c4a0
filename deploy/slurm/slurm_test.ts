/**
 * The Slurm deployment against stubs of sbatch and Deno: what submit.sh queues (the plan, the
 * array, the report job, a resubmission) and what ganbench.sbatch runs. The same files on a real
 * cluster: slurm_cluster.ts (`deno task test:slurm`, a step of its own in .ci/run).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fakeResult } from "../../testing/claim_worker.ts";
import { buildMatrix } from "../../src/runner/cells.ts";
import { claimCell } from "../../src/runner/claim.ts";
import { cellPath, writeResult } from "../../src/runner/store.ts";
import { loadSuite } from "../../src/runner/suite.ts";
import { sh, submitShards } from "./_helpers.ts";

/** A folder with an executable `name` that logs its arguments, one line per call, and prints `reply`. */
async function stub(dir: string, name: string, reply: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(
    path,
    `#!/usr/bin/env bash\n(IFS=$'\\x1f'; echo "$*") >>"${path}.log"\necho ${reply}\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** The calls a stub logged, each as its argument list. */
async function calls(path: string): Promise<string[][]> {
  const text = await Deno.readTextFile(`${path}.log`).catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => line.split("\x1f"));
}

Deno.test("submit.sh writes the run's plan, queues N shards of it with N given explicitly and a report job after them, and resubmits only the plan's shards with failed or missing cells and none running", async () => {
  const dir = await Deno.makeTempDir();
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  const sbatch = await stub(bin, "sbatch", "4242");
  const results = join(dir, "results");
  const env = { PATH: `${bin}:${Deno.env.get("PATH")}`, DENO: Deno.execPath() };
  const selection = ["dirac", "--profile", "smoke", "--backend", "cpu"];
  const submitOptions = { results, sbatch: "--partition=gpu --time=2:00:00", selection, env };
  const submit = (...args: string[]) => submitShards(args, submitOptions);

  const first = await submit();
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Submitted array job 4242 \(shards 0-3 of 4\) and report job 4242/);
  const plan = join(results, "plan.json");
  const written = JSON.parse(await Deno.readTextFile(plan));
  assert.deepEqual([written.suites, written.profile, written.backend, written.shards], [
    ["dirac"],
    "smoke",
    "cpu",
    4,
  ]);
  const [array, report] = await calls(sbatch);
  assert.deepEqual(array, [
    "--parsable",
    "--array=0-3",
    "--partition=gpu",
    "--time=2:00:00",
    "deploy/slurm/ganbench.sbatch",
    "4",
    "--plan",
    plan,
    "--out",
    results,
  ]);
  assert.deepEqual(report, [
    "--parsable",
    "--dependency=afterany:4242",
    "--kill-on-invalid-dep=yes",
    "--partition=gpu",
    "--time=2:00:00",
    "deploy/slurm/report.sbatch",
    results,
    "--",
    "--plan",
    plan,
  ]);

  // Every dirac smoke cell stored but cells 5 (shard 1), 6 (shard 2), 7 (shard 3, failed) and
  // 9 (shard 1, running).
  const cells = buildMatrix(loadSuite("dirac"), { profile: "smoke", backend: "cpu" });
  for (const [k, cell] of cells.entries()) {
    if (![5, 6, 7, 9].includes(k)) await writeResult(results, fakeResult(cell));
  }
  const failed = (await claimCell(cellPath(results, cells[7].config)))!;
  await failed.fail(new Error("out of memory"));
  const running = (await claimCell(cellPath(results, cells[9].config)))!;
  try {
    await Deno.remove(`${sbatch}.log`);
    const again = await submit("--resubmit");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Submitted array job 4242 \(shards 2,3 of 4\)/);
    const [resubmitted] = await calls(sbatch);
    assert.deepEqual(resubmitted.slice(0, 2), ["--parsable", "--array=2,3"]);
    assert.deepEqual(resubmitted.slice(4, 8), [
      "deploy/slurm/ganbench.sbatch",
      "4",
      "--plan",
      plan,
    ]);
  } finally {
    await running.release();
  }

  const wrong = await submit("--", "--out", "x");
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /^submit\.sh: --out is set by submit\.sh/);
  const both = await sh(["deploy/slurm/submit.sh", "--resubmit", "--", ...selection], env);
  assert.equal(both.code, 2);
  assert.match(
    both.stderr,
    /^submit\.sh: --resubmit runs the shards of the plan .*: leave SELECTION out/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ganbench.sbatch execs Deno on its array task's shard with the N it is given, never SLURM_ARRAY_TASK_COUNT", async () => {
  const dir = await Deno.makeTempDir();
  const deno = await stub(dir, "deno", "");
  const env = {
    DENO: deno,
    SLURM_ARRAY_TASK_ID: "3",
    SLURM_ARRAY_TASK_COUNT: "1",
    SLURM_CPUS_PER_TASK: "8",
  };
  const bench = await sh(
    ["deploy/slurm/ganbench.sbatch", "4", "--suites", "dirac", "--out", "r"],
    env,
  );
  assert.equal(bench.code, 0, bench.stderr);
  const suite = await sh(["deploy/slurm/ganbench.sbatch", "4", "mixtures", "--seeds", "0"], env);
  assert.equal(suite.code, 0, suite.stderr);
  // Deno itself, with ganbench's entry point: no npx or `deno task` process between Slurm's
  // signals and ganbench.
  const run = ["run", "-A", "src/cli.ts"];
  assert.deepEqual(await calls(deno), [
    [...run, "bench", "--suites", "dirac", "--out", "r", "--shard", "3/4", "--jobs", "8"],
    [...run, "suite", "mixtures", "--seeds", "0", "--shard", "3/4", "--jobs", "8"],
  ]);
  const notArray = await sh(["deploy/slurm/ganbench.sbatch", "4"], { DENO: deno });
  assert.notEqual(notArray.code, 0);
  assert.match(notArray.stderr, /submit ganbench\.sbatch as an array job/);
  await Deno.remove(dir, { recursive: true });
});
