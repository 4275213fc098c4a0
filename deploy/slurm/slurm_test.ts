/**
 * The Slurm deployment: submit.sh and the job files against stubs (everywhere), and a whole run on
 * a real one-node Slurm cluster (scripts/slurm_local.sh; where this is root and Slurm is installed
 * or apt-get can install it): the dirac and mixtures smoke suites as a 4-task array plus the report
 * job, compared with a single-process run, then one deleted cell resubmitted alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fakeResult } from "../../testing/claim_worker.ts";
import { buildMatrix } from "../../src/runner/cells.ts";
import { claimCell } from "../../src/runner/claim.ts";
import { cellPath, writeResult } from "../../src/runner/store.ts";
import { loadSuite } from "../../src/runner/suite.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `args` from the repository root with `env` added. */
async function sh(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(args[0], {
    args: args.slice(1),
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** What {@linkcode submitShards} passes to submit.sh besides its own arguments. */
interface SubmitOptions {
  /** --results */
  results: string;
  /** --sbatch: the options every sbatch call gets */
  sbatch: string;
  /** the suite selection after `--` */
  selection: string[];
  /** added to the environment */
  env: Record<string, string>;
}

/** Runs `deploy/slurm/submit.sh --shards 4 --results R --sbatch S ...args -- ...selection`. */
function submitShards(args: string[], options: SubmitOptions): Promise<Run> {
  const { results, sbatch, selection, env } = options;
  const command = ["deploy/slurm/submit.sh", "--shards", "4", "--results", results];
  return sh([...command, "--sbatch", sbatch, ...args, "--", ...selection], env);
}

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

Deno.test("submit.sh queues N shards with N given explicitly and a report job after them, and resubmits only shards with failed or missing cells and none running", async () => {
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
  const [array, report] = await calls(sbatch);
  assert.deepEqual(array, [
    "--parsable",
    "--array=0-3",
    "--partition=gpu",
    "--time=2:00:00",
    "deploy/slurm/ganbench.sbatch",
    "4",
    ...selection,
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
    ...selection,
    "--shards",
    "4",
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
    assert.deepEqual(resubmitted.slice(4, 6), ["deploy/slurm/ganbench.sbatch", "4"]);
  } finally {
    await running.release();
  }

  const wrong = await submit("--", "--out", "x");
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /^submit\.sh: --out is set by submit\.sh/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ganbench.sbatch runs its array task's shard with the N it is given, never SLURM_ARRAY_TASK_COUNT", async () => {
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
  assert.deepEqual(await calls(deno), [
    ["task", "bench", "--suites", "dirac", "--out", "r", "--shard", "3/4", "--jobs", "8"],
    ["task", "suite", "mixtures", "--seeds", "0", "--shard", "3/4", "--jobs", "8"],
  ]);
  const notArray = await sh(["deploy/slurm/ganbench.sbatch", "4"], { DENO: deno });
  assert.notEqual(notArray.code, 0);
  assert.match(notArray.stderr, /submit ganbench\.sbatch as an array job/);
  await Deno.remove(dir, { recursive: true });
});

// ---------------------------------------------------------------------------------------------
// A real cluster.

/** Why the real-cluster test cannot run here, or undefined when it can try. */
function slurmSkipReason(): string | undefined {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "not root: the Slurm daemons and apt-get need it";
  const has = (program: string) =>
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].some((dir) => {
      try {
        return Deno.statSync(join(dir, program)).isFile;
      } catch {
        return false;
      }
    });
  if (!has("slurmctld") && !has("apt-get")) return "no Slurm and no apt-get to install it";
  return undefined;
}

const SKIP = slurmSkipReason();

/** A port no one listens on (slurmd takes the next one). */
function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (port < 65000) return port;
  }
}

/** Parses a jobcomp file: one record (key → value) per finished job or array task. */
async function finishedJobs(path: string): Promise<Record<string, string>[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((line) =>
    Object.fromEntries(
      line.split(" ").filter((field) => field.includes("=")).map((field) => {
        const at = field.indexOf("=");
        return [field.slice(0, at), field.slice(at + 1)];
      }),
    )
  );
}

/** A stored result with what depends on the machine and the moment left out. */
function figures(path: string): unknown {
  const { environment: _e, finishedAt: _f, timing: _t, ...rest } = JSON.parse(
    Deno.readTextFileSync(path),
  );
  return JSON.parse(JSON.stringify(rest, (key, value) => key === "seconds" ? undefined : value));
}

/** The cell files (name → path) under a results folder's suite folders. */
function cellFiles(results: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const suite of ["dirac", "mixtures"]) {
    const dir = join(results, suite, "smoke", "cells");
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.name.endsWith(".json")) files.set(`${suite}/${entry.name}`, join(dir, entry.name));
    }
  }
  return new Map([...files].sort());
}

Deno.test({
  name:
    "on a real Slurm cluster, a 4-task array and its report job store the cells a single process computes, and a resubmitted index recomputes only its deleted cell" +
    (SKIP ? ` (skipped: ${SKIP})` : ""),
  ignore: SKIP !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ganbench-slurm-" });
    const cluster = join(dir, "slurm");
    const port = String(freePort());
    const started = await sh(["scripts/slurm_local.sh", "start", cluster], {
      SLURM_LOCAL_PORT: port,
    });
    try {
      if (started.code === 3) {
        console.log(`note: Slurm test did nothing: ${started.stderr.trim()}`);
        return;
      }
      assert.equal(started.code, 0, `slurm_local.sh start: ${started.stderr}`);
      const env = { SLURM_CONF: join(cluster, "slurm.conf"), DENO: Deno.execPath() };
      const results = join(dir, "results"), reference = join(dir, "reference");
      const logs = join(dir, "logs");
      await Deno.mkdir(logs);
      const selection = ["--suites", "dirac,mixtures", "--profile", "smoke", "--backend", "wasm"];
      const sbatch = `--cpus-per-task=1 --mem-per-cpu=1G --output=${logs}/%x-%j.out`;
      const submit = (...args: string[]) => submitShards(args, { results, sbatch, selection, env });
      const submitted = (run: Run) => {
        assert.equal(run.code, 0, `submit.sh: ${run.stderr}`);
        const match = /array job (\d+) \(shards (\S+) of 4\) and report job (\d+)/.exec(run.stdout);
        assert.ok(match, run.stdout);
        return { array: match[1], shards: match[2], report: match[3] };
      };
      const waitFor = async (jobs: string[]) => {
        const deadline = Date.now() + 15 * 60_000;
        for (;;) {
          const queue = await sh(["squeue", "-h", "-j", jobs.join(",")], env);
          if (queue.code === 0 && !queue.stdout.trim()) return;
          assert.ok(Date.now() < deadline, `jobs ${jobs} still queued:\n${queue.stdout}`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      };
      const jobcomp = join(cluster, "jobcomp.txt");

      // The array and, meanwhile, the same cells in one process.
      const single = sh([
        Deno.execPath(),
        "run",
        "-A",
        "src/cli.ts",
        "bench",
        ...selection,
        "--out",
        reference,
        "--jobs",
        "1",
      ]);
      const first = submitted(await submit());
      assert.equal(first.shards, "0-3");
      await waitFor([first.array, first.report]);
      const tasks = (await finishedJobs(jobcomp)).filter((job) => job.ArrayJobId === first.array);
      assert.deepEqual(tasks.map((job) => job.ArrayTaskId).sort(), ["0", "1", "2", "3"]);
      for (const task of tasks) {
        assert.equal(task.JobState, "COMPLETED", JSON.stringify(task));
        assert.equal(task.ExitCode, "0:0");
      }
      const report = (await finishedJobs(jobcomp)).find((job) => job.JobId === first.report);
      assert.equal(report?.JobState, "COMPLETED", JSON.stringify(report));
      const reference_run = await single;
      assert.equal(reference_run.code, 0, reference_run.stderr);

      const expected = cellFiles(reference);
      const stored = cellFiles(results);
      const smokeCells = ["dirac", "mixtures"].map((name) =>
        buildMatrix(loadSuite(name), { profile: "smoke", backend: "wasm" }).length
      );
      assert.ok(smokeCells.every((n) => n > 0));
      assert.equal(
        expected.size,
        smokeCells[0] + smokeCells[1],
        "every dirac and mixtures smoke cell",
      );
      assert.deepEqual([...stored.keys()], [...expected.keys()]);
      for (const [name, path] of expected) {
        assert.deepEqual(
          figures(stored.get(name)!),
          figures(path),
          `${name}: same hash and figures`,
        );
      }
      for (const suite of ["dirac", "mixtures"]) {
        const board = await Deno.readTextFile(join(results, suite, "smoke", "leaderboard.md"));
        assert.match(board, new RegExp(`${suite}`), "the report job built the leaderboard");
      }
      assert.ok((await Deno.stat(join(results, "index.html"))).isFile);

      // One cell deleted: only its shard is resubmitted, and only that cell recomputed.
      const cli = (...args: string[]) =>
        sh([Deno.execPath(), "run", "-A", "src/cli.ts", ...args, "--results", results]);
      const planned = await cli("plan", ...selection, "--shards", "4", "--json");
      assert.equal(planned.code, 0, planned.stderr);
      const plan = JSON.parse(planned.stdout);
      const victim = plan.cells[21];
      const victimName = `${victim.suite}/${victim.id.split("/").at(-1)}.json`;
      const before = new Map(
        [...stored].map(([name, path]) => [name, Deno.statSync(path).mtime?.getTime()]),
      );
      await Deno.remove(stored.get(victimName)!);
      const second = submitted(await submit("--resubmit"));
      assert.equal(second.shards, String(victim.shard), "only the deleted cell's shard");
      await waitFor([second.array, second.report]);
      const rerun = (await finishedJobs(jobcomp)).filter((job) => job.ArrayJobId === second.array);
      assert.deepEqual(rerun.map((job) => [job.ArrayTaskId, job.JobState]), [
        [String(victim.shard), "COMPLETED"],
      ]);
      const after = cellFiles(results);
      assert.deepEqual([...after.keys()], [...expected.keys()]);
      for (const [name, path] of after) {
        if (name === victimName) {
          assert.deepEqual(figures(path), figures(expected.get(name)!), "recomputed alike");
          assert.notEqual(Deno.statSync(path).mtime?.getTime(), before.get(name));
        } else {
          assert.equal(Deno.statSync(path).mtime?.getTime(), before.get(name), `${name} untouched`);
        }
      }
      const status = await cli("status", ...selection, "--shards", "4");
      assert.equal(status.code, 0, status.stdout + status.stderr);
    } finally {
      const stopped = await sh(["scripts/slurm_local.sh", "stop", cluster], {
        SLURM_LOCAL_PORT: port,
      });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      assert.equal(stopped.code, 0, `slurm_local.sh stop: ${stopped.stderr}`);
    }
  },
});
