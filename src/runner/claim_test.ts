import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fakeCells, fakeResult } from "../../testing/claim_worker.ts";
import {
  claimCell,
  type ClaimedCell,
  claimGroupQueue,
  claimPath,
  claimQueue,
  holdClaims,
  probeClaim,
  readClaimInfo,
} from "./claim.ts";
import { cellPath, listResultFiles, readResult, writeResult } from "./store.ts";

const WORKER = fileURLToPath(new URL("../../testing/claim_worker.ts", import.meta.url));

/** A claim worker process (see testing/claim_worker.ts) and the lines it has printed. */
interface Worker {
  child: Deno.ChildProcess;
  lines: string[];
  /** Resolves once the worker has printed `line`. */
  until(line: string): Promise<void>;
}

/** Starts a claim worker process with its output collected line by line. */
function startWorker(args: (string | number)[]): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, ...args.map(String)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const waiters: [string, () => void][] = [];
  (async () => {
    let buffer = "";
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (buffer + text).split("\n");
      buffer = parts.pop()!;
      lines.push(...parts);
      for (const [line, resolve] of waiters) if (lines.includes(line)) resolve();
    }
  })();
  return {
    child,
    lines,
    until: (line) =>
      new Promise<void>((resolve) => {
        if (lines.includes(line)) resolve();
        else waiters.push([line, resolve]);
      }),
  };
}

Deno.test("a claimed cell cannot be claimed again until released, and a waiting claimant then gets it", async () => {
  const dir = await Deno.makeTempDir();
  const path = cellPath(dir, fakeCells(1)[0].config);
  const first = await claimCell(path);
  assert.ok(first?.locked);
  assert.equal(await claimCell(path), undefined, "a second claim fails while the first is held");
  assert.equal((await probeClaim(path)).state, "held");
  assert.equal((await readClaimInfo(claimPath(path)))?.pid, Deno.pid);
  let settled = false;
  const waiting = claimCell(path, { wait: true }).finally(() => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(settled, false, "the waiting claimant is still waiting");
  await first.release();
  const second = await waiting;
  assert.ok(second?.locked, "it gets the claim once released");
  await second.release();
  assert.deepEqual((await probeClaim(path)).state, "none", "a released claim leaves no file");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failed cell's claim file stays with its error, and a later run takes the cell over", async () => {
  const dir = await Deno.makeTempDir();
  const path = cellPath(dir, fakeCells(1)[0].config);
  const claim = (await claimCell(path))!;
  await assert.rejects(
    () => claim.hold(() => Promise.reject(new Error("out of memory\nstack"))),
    /out of memory/,
  );
  const probe = await probeClaim(path);
  assert.equal(probe.state, "left");
  assert.equal(probe.state === "left" && probe.info?.error, "out of memory");
  const again = await claimCell(path);
  assert.ok(again?.locked, "a claim no process holds is taken over");
  assert.equal((await readClaimInfo(claimPath(path)))?.error, undefined);
  await again.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a killed process's claim is released by the system: the cell shows as interrupted and is claimed afresh", async () => {
  const dir = await Deno.makeTempDir();
  const path = cellPath(dir, fakeCells(1)[0].config);
  const worker = startWorker([dir, 1, 60_000, 1]);
  const child = worker.child;
  try {
    await worker.until("ready");
    // Held, and its owner written: the lock is taken a moment before the file names its owner.
    const claimed = async () => {
      const probe = await probeClaim(path);
      return probe.state === "held" && probe.info?.pid === child.pid;
    };
    for (let i = 0; !(await claimed()); i++) {
      assert.ok(i < 300, "the worker claims the cell");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  const probe = await probeClaim(path);
  assert.equal(probe.state, "left");
  assert.equal(probe.state === "left" && probe.info?.pid, child.pid);
  assert.equal(probe.state === "left" && probe.info?.error, undefined);
  const claim = await claimCell(path);
  assert.ok(claim?.locked);
  await claim.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("three processes on one results folder compute every cell exactly once and leave only whole results", async () => {
  const dir = await Deno.makeTempDir();
  const barrier = join(dir, "go");
  const count = 12;
  const workers = [0, 1, 2].map(() => startWorker([dir, count, 150, 2, barrier]));
  await Promise.all(workers.map((worker) => worker.until("ready")));
  await Deno.writeTextFile(barrier, "");
  await Promise.all(workers.map((worker) => worker.until("done")));
  for (const { child } of workers) assert.equal((await child.status).code, 0);
  const lines = workers.map((worker) => worker.lines);
  const computed = lines.flatMap((l) => l.filter((x) => x.startsWith("computed ")));
  const elsewhere = lines.flatMap((l) => l.filter((x) => x.startsWith("elsewhere ")));
  assert.deepEqual(
    computed.map((line) => Number(line.split(" ")[1])).sort((a, b) => a - b),
    Array.from({ length: count }, (_, k) => k),
    "each cell computed by exactly one process",
  );
  assert.ok(
    lines.filter((l) => l.some((x) => x.startsWith("computed "))).length > 1,
    "the processes shared the work",
  );
  assert.ok(elsewhere.length <= 2 * count);
  const files = await listResultFiles(join(dir, "claims", "smoke"));
  assert.equal(files.length, count);
  for (const cell of fakeCells(count)) {
    const result = await readResult(cellPath(dir, cell.config));
    assert.equal(result?.hash, cell.hash);
  }
  const left = [...Deno.readDirSync(join(dir, "claims", "smoke", "cells"))].map((e) => e.name)
    .filter((name) => !name.endsWith(".json"));
  assert.deepEqual(left, [], "no claim or temporary file is left");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a queue skips a cell stored by another process since planning, unless --force predates it", async () => {
  const dir = await Deno.makeTempDir();
  const cells = fakeCells(2);
  const early = fakeResult(cells[0]);
  early.finishedAt = "2000-01-01T00:00:00.000Z";
  await writeResult(dir, early);
  await writeResult(dir, fakeResult(cells[1]));
  const elsewhere: number[] = [];
  const queue = claimQueue(cells, {
    outDir: dir,
    log: () => {},
    onStoredElsewhere: (cell) => elsewhere.push(cell.config.seed),
  });
  assert.equal(await queue.next(), undefined);
  assert.deepEqual(elsewhere, [0, 1]);
  // Under --force, only a result stored after the queue started counts as done.
  const forced = claimQueue(cells, { outDir: dir, force: true, log: () => {} });
  const next = await forced.next();
  assert.equal(next?.cell.config.seed, 0);
  await writeResult(dir, fakeResult(cells[1]));
  await next!.claim.release();
  assert.equal(await forced.next(), undefined, "cell 1 was stored after the queue started");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a group queue hands out a group's free cells together, leaving out one stored or held elsewhere until the end", async () => {
  const dir = await Deno.makeTempDir();
  const cells = fakeCells(5);
  await writeResult(dir, fakeResult(cells[1]));
  const held = (await claimCell(cellPath(dir, cells[2].config)))!;
  const elsewhere: number[] = [];
  const queue = claimGroupQueue([[cells[0], cells[1], cells[2], cells[3]], [cells[4]]], {
    outDir: dir,
    log: () => {},
    onStoredElsewhere: (cell) => elsewhere.push(cell.config.seed),
  });
  const seeds = (group: ClaimedCell[] | undefined) => group?.map(({ cell }) => cell.config.seed);
  const first = await queue.next();
  assert.deepEqual(seeds(first), [0, 3]);
  assert.deepEqual(elsewhere, [1]);
  for (const { claim } of first!) {
    assert.equal((await probeClaim(claim.path.replace(/\.claim$/, ".json"))).state, "held");
  }
  const second = await queue.next();
  assert.deepEqual(seeds(second), [4]);
  // Seed 2 is waited for once the other groups are out; its holder gives it up.
  const third = queue.next();
  await held.release();
  assert.deepEqual(seeds(await third), [2]);
  assert.equal(await queue.next(), undefined);
  for (const { claim } of [...first!, ...second!, ...(await third)!]) await claim.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("holdClaims() records a failed group's error in each claim not yet released", async () => {
  const dir = await Deno.makeTempDir();
  const paths = fakeCells(3).map((cell) => cellPath(dir, cell.config));
  const claims = await Promise.all(paths.map(async (path) => (await claimCell(path))!));
  for (const claim of claims) await claim.noteGroup("d v seeds 0-2");
  assert.equal((await readClaimInfo(claimPath(paths[1])))?.group, "d v seeds 0-2");
  await assert.rejects(
    holdClaims(claims, async () => {
      await claims[0].release();
      throw new Error("out of memory");
    }),
    /out of memory/,
  );
  assert.equal((await probeClaim(paths[0])).state, "none", "the released cell's claim is gone");
  for (const path of paths.slice(1)) {
    const probe = await probeClaim(path);
    assert.equal(probe.state, "left");
    assert.equal(probe.state === "left" && probe.info?.error, "out of memory");
    assert.equal(probe.state === "left" && probe.info?.group, "d v seeds 0-2");
  }
  await Deno.remove(dir, { recursive: true });
});
