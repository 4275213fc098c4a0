/**
 * The Slurm deployment on real one-node Slurm clusters (scripts/slurm_local.sh), each with its own
 * ports, state and MUNGE socket: the dirac and mixtures smoke suites as a 4-task array plus the
 * report job, compared with a single-process run, then one deleted cell resubmitted alone; and a
 * cancelled array (beside a second cluster started and stopped meanwhile), whose shards stop at
 * once, leave no process and no claim, and whose resubmission completes the run.
 *
 * Not part of `deno task test`, which installs and starts nothing: `deno task test:slurm` runs it,
 * a step of its own in .ci/run (after `scripts/slurm_local.sh install`). Where Slurm cannot be had
 * (not Linux, not root, Slurm not installed) its tests are ignored, which the test runner counts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildMatrix } from "../../src/runner/cells.ts";
import { loadSuite } from "../../src/runner/suite.ts";
import { ROOT, type Run, sh, submitShards } from "./_helpers.ts";

/** The programs the clusters need (scripts/slurm_local.sh install puts them there). */
const PROGRAMS = ["slurmctld", "slurmd", "sbatch", "munged", "mungekey"];

/** Why the real-cluster tests cannot run here, or undefined when they can. */
function slurmSkipReason(): string | undefined {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "not root: the Slurm daemons need it";
  const has = (program: string) =>
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].some((dir) => {
      try {
        return Deno.statSync(join(dir, program)).isFile;
      } catch {
        return false;
      }
    });
  const missing = PROGRAMS.filter((program) => !has(program));
  if (missing.length) {
    return `${missing.join(", ")} not installed (scripts/slurm_local.sh install installs them)`;
  }
  return undefined;
}

const SKIP = slurmSkipReason();

/** A port no one listens on, nor on the next one (slurmd takes it). */
function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (port < 65000) return port;
  }
}

/** A running local cluster. */
interface Cluster {
  /** The environment its clients need (SLURM_CONF, and DENO for the jobs). */
  env: Record<string, string>;
  /** Its finished jobs, one record per job or array task. */
  finished(): Promise<Record<string, string>[]>;
  /** Its MUNGE socket, as its slurm.conf names it. */
  socket: string;
  /** Stops it; true when slurm_local.sh stop succeeded. */
  stop(): Promise<Run>;
}

/** Starts a one-node cluster in `dir` on ports of its own. */
async function startCluster(dir: string): Promise<Cluster> {
  const env = { SLURM_LOCAL_PORT: String(freePort()) };
  const started = await sh(["scripts/slurm_local.sh", "start", dir], env);
  const cluster: Cluster = {
    env: { SLURM_CONF: join(dir, "slurm.conf"), DENO: Deno.execPath() },
    finished: () => finishedJobs(join(dir, "jobcomp.txt")),
    socket: "",
    stop: () => sh(["scripts/slurm_local.sh", "stop", dir], env),
  };
  if (started.code !== 0) {
    await cluster.stop();
    assert.fail(`slurm_local.sh start ${dir}: ${started.stderr}`);
  }
  const conf = await Deno.readTextFile(join(dir, "slurm.conf"));
  cluster.socket = /^AuthInfo=socket=(\S+)$/m.exec(conf)?.[1] ?? "";
  assert.ok(cluster.socket, "the cluster's slurm.conf names its own MUNGE socket");
  return cluster;
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

/** The array and report job ids submit.sh printed. */
function submitted(run: Run) {
  assert.equal(run.code, 0, `submit.sh: ${run.stdout}${run.stderr}`);
  const match = /array job (\d+) \(shards (\S+) of 4\) and report job (\d+)/.exec(run.stdout);
  assert.ok(match, run.stdout);
  return { array: match[1], shards: match[2], report: match[3] };
}

/** Waits until none of `jobs` is queued or running (at most `minutes`). */
async function waitFor(cluster: Cluster, jobs: string[], minutes = 15): Promise<void> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const queue = await sh(["squeue", "-h", "-j", jobs.join(",")], cluster.env);
    if (queue.code === 0 && !queue.stdout.trim()) return;
    assert.ok(Date.now() < deadline, `jobs ${jobs} still queued:\n${queue.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A stored result with what depends on the machine and the moment left out. */
function figures(path: string): unknown {
  const { environment: _e, finishedAt: _f, timing: _t, ...rest } = JSON.parse(
    Deno.readTextFileSync(path),
  );
  return JSON.parse(JSON.stringify(rest, (key, value) => key === "seconds" ? undefined : value));
}

/** The files (name → path) under a results folder's `suite/smoke/cells` folders that end in `ending`. */
function cellFiles(results: string, suites: string[], ending = ".json"): Map<string, string> {
  const files = new Map<string, string>();
  for (const suite of suites) {
    const dir = join(results, suite, "smoke", "cells");
    try {
      for (const entry of Deno.readDirSync(dir)) {
        if (entry.name.endsWith(ending)) files.set(`${suite}/${entry.name}`, join(dir, entry.name));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return new Map([...files].sort());
}

/** The processes whose command line mentions `text`, as "pid command". */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const command = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (command.includes(text)) found.push(`${entry.name} ${command}`);
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

/**
 * A test on a cluster of its own in a temporary folder (ignored, with the reason in its name,
 * where Slurm cannot be had); the cluster is stopped and the folder removed however it ends.
 */
function clusterTest(name: string, fn: (dir: string, cluster: Cluster) => Promise<void>): void {
  Deno.test({
    name: name + (SKIP ? ` (ignored: ${SKIP})` : ""),
    ignore: SKIP !== undefined,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "ganbench-slurm-" });
      const cluster = await startCluster(join(dir, "slurm"));
      try {
        await fn(dir, cluster);
      } finally {
        const stopped = await cluster.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        assert.equal(stopped.code, 0, `slurm_local.sh stop: ${stopped.stderr}`);
      }
    },
  });
}

/** `deno run -A src/cli.ts ...args` from the repository root. */
function cli(...args: string[]): Promise<Run> {
  return sh([Deno.execPath(), "run", "-A", "src/cli.ts", ...args]);
}

clusterTest(
  "on a real Slurm cluster, a 4-task array and its report job store the cells a single process computes, and a resubmitted index recomputes only its deleted cell",
  async (dir, cluster) => {
    const env = cluster.env;
    const results = join(dir, "results"), reference = join(dir, "reference");
    const logs = join(dir, "logs");
    await Deno.mkdir(logs);
    const selection = ["--suites", "dirac,mixtures", "--profile", "smoke", "--backend", "wasm"];
    const sbatch = `--cpus-per-task=1 --mem-per-cpu=1G --output=${logs}/%x-%j.out`;
    const submit = (...args: string[]) => submitShards(args, { results, sbatch, selection, env });

    // The array and, meanwhile, the same cells in one process.
    const single = cli("bench", ...selection, "--out", reference, "--jobs", "1");
    const first = submitted(await submit());
    assert.equal(first.shards, "0-3");
    await waitFor(cluster, [first.array, first.report]);
    const jobs = await cluster.finished();
    const tasks = jobs.filter((job) => job.ArrayJobId === first.array);
    assert.deepEqual(tasks.map((job) => job.ArrayTaskId).sort(), ["0", "1", "2", "3"]);
    for (const task of tasks) {
      assert.equal(task.JobState, "COMPLETED", JSON.stringify(task));
      assert.equal(task.ExitCode, "0:0");
    }
    const report = jobs.find((job) => job.JobId === first.report);
    assert.equal(report?.JobState, "COMPLETED", JSON.stringify(report));
    const referenceRun = await single;
    assert.equal(referenceRun.code, 0, referenceRun.stderr);

    const suites = ["dirac", "mixtures"];
    const expected = cellFiles(reference, suites);
    const stored = cellFiles(results, suites);
    const smokeCells = suites.map((name) =>
      buildMatrix(loadSuite(name), { profile: "smoke", backend: "wasm" }).length
    );
    assert.ok(smokeCells.every((n) => n > 0));
    assert.equal(expected.size, smokeCells[0] + smokeCells[1], "every dirac and mixtures cell");
    assert.deepEqual([...stored.keys()], [...expected.keys()]);
    for (const [name, path] of expected) {
      assert.deepEqual(figures(stored.get(name)!), figures(path), `${name}: same figures`);
    }
    for (const suite of suites) {
      const board = await Deno.readTextFile(join(results, suite, "smoke", "leaderboard.md"));
      assert.match(board, new RegExp(`${suite}`), "the report job built the leaderboard");
    }
    assert.ok((await Deno.stat(join(results, "index.html"))).isFile);

    // One cell deleted: only its shard (in the plan submit.sh wrote) is resubmitted, and only
    // that cell recomputed.
    const plan = JSON.parse(await Deno.readTextFile(join(results, "plan.json")));
    const victim = plan.cells[21];
    const victimName = `${victim.suite}/${victim.id.split("/").at(-1)}.json`;
    const before = new Map(
      [...stored].map(([name, path]) => [name, Deno.statSync(path).mtime?.getTime()]),
    );
    await Deno.remove(stored.get(victimName)!);
    const second = submitted(await submit("--resubmit"));
    assert.equal(second.shards, String(victim.shard), "only the deleted cell's shard");
    await waitFor(cluster, [second.array, second.report]);
    const rerun = (await cluster.finished()).filter((job) => job.ArrayJobId === second.array);
    assert.deepEqual(rerun.map((job) => [job.ArrayTaskId, job.JobState]), [
      [String(victim.shard), "COMPLETED"],
    ]);
    const after = cellFiles(results, suites);
    assert.deepEqual([...after.keys()], [...expected.keys()]);
    for (const [name, path] of after) {
      if (name === victimName) {
        assert.deepEqual(figures(path), figures(expected.get(name)!), "recomputed alike");
        assert.notEqual(Deno.statSync(path).mtime?.getTime(), before.get(name));
      } else {
        assert.equal(Deno.statSync(path).mtime?.getTime(), before.get(name), `${name} untouched`);
      }
    }
    const status = await cli(
      "status",
      "--plan",
      join(results, "plan.json"),
      "--results",
      results,
    );
    assert.equal(status.code, 0, status.stdout + status.stderr);
  },
);

clusterTest(
  "on a real Slurm cluster beside another that stops, scancel ends a running array at once, leaving no process and no claim, and its resubmission completes the run",
  async (dir, cluster) => {
    let other: Cluster | undefined;
    try {
      // A second cluster on the same machine, stopped: the first's MUNGE goes on answering.
      other = await startCluster(join(dir, "other"));
      assert.notEqual(other.socket, cluster.socket, "each cluster has its own MUNGE socket");
      const otherStopped = await other.stop();
      assert.equal(otherStopped.code, 0, otherStopped.stderr);
      const munge = await sh([
        "bash",
        "-c",
        `munge -S "${cluster.socket}" -n | unmunge -S "${cluster.socket}"`,
      ]);
      assert.equal(munge.code, 0, `the first cluster's munged still answers: ${munge.stderr}`);

      // Cells long enough to be cancelled midway: mixtures at 2,000 steps, two datasets, two
      // variants, one seed (one cell per shard).
      const suite = JSON.parse(await Deno.readTextFile(join(ROOT, "suites", "mixtures.json")));
      const smoke = { ...suite.profiles.smoke, steps: 2000, evalEvery: 1000, seeds: [0] };
      suite.profiles = { smoke };
      suite.variants = suite.variants.slice(0, 2);
      const suiteFile = join(dir, "slow.json");
      await Deno.writeTextFile(suiteFile, JSON.stringify(suite));

      const env = cluster.env;
      const results = join(dir, "results");
      const logs = join(dir, "logs");
      await Deno.mkdir(logs);
      const selection = [suiteFile, "--profile", "smoke", "--backend", "wasm"];
      const sbatch = `--cpus-per-task=1 --mem-per-cpu=1G --output=${logs}/%x-%j.out`;
      const submit = (...args: string[]) => submitShards(args, { results, sbatch, selection, env });
      const claims = () => cellFiles(results, ["slow"], ".claim");

      const first = submitted(await submit());
      // Cancelled once two shards are computing (each holds its cell's claim).
      const deadline = Date.now() + 5 * 60_000;
      while (claims().size < 2) {
        assert.ok(Date.now() < deadline, "two shards started computing");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const cancelledAt = Date.now();
      const cancel = await sh(["scancel", first.array], env);
      assert.equal(cancel.code, 0, cancel.stderr);
      await waitFor(cluster, [first.array], 2);
      const seconds = (Date.now() - cancelledAt) / 1000;
      console.log(`the array left the queue ${seconds.toFixed(1)} s after scancel`);
      // Slurm's KillWait (30 s) would have passed had a shard ignored SIGTERM.
      assert.ok(seconds < 20, `the array ended ${seconds} s after scancel`);
      // (The report job, queued after the array, may have started: only the shards count.)
      const shards = processesMentioning(results).filter((process) => process.includes("--shard"));
      assert.deepEqual(shards, [], "no process of the array is left");
      assert.deepEqual([...claims().keys()], [], "no claim is left");
      const output = [...Deno.readDirSync(logs)]
        .map((entry) => Deno.readTextFileSync(join(logs, entry.name))).join("\n");
      assert.match(output, /ganbench: stopped by SIGTERM; 1 cell in progress released unstored/);
      const tasks = (await cluster.finished()).filter((job) => job.ArrayJobId === first.array);
      assert.ok(tasks.some((task) => task.JobState === "CANCELLED"), JSON.stringify(tasks));
      await waitFor(cluster, [first.report]);

      const plan = join(results, "plan.json");
      const status = JSON.parse(
        (await cli("status", "--plan", plan, "--results", results, "--json")).stdout,
      );
      assert.equal(status.counts.running, 0);
      assert.equal(status.counts.failed, 0, "cancelled cells are missing, not failed");
      assert.ok(status.counts.missing >= 2, JSON.stringify(status.counts));

      const second = submitted(await submit("--resubmit"));
      await waitFor(cluster, [second.array, second.report]);
      const done = await cli("status", "--plan", plan, "--results", results);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.match(
        done.stdout,
        /^4 cells \(backend wasm\) under .*: 4 stored, 0 to re-score, 0 running/m,
      );
    } finally {
      await other?.stop();
    }
  },
);
