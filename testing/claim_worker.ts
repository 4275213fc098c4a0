/**
 * A process that computes the cells of a fake suite through the same claims a run takes
 * (src/runner/claim.ts), for the tests that run several of them on one results folder at once.
 * Each "computation" sleeps, then stores a small valid result the way a run does.
 *
 * Usage: `deno run -A testing/claim_worker.ts OUT_DIR CELLS DELAY_MS LANES [BARRIER_FILE]`.
 * Prints `ready` once started, waits for BARRIER_FILE to exist (so that several workers start
 * together), then one line per cell: `computed <id>` or `elsewhere <id>`, and `done` at the end.
 *
 * @module
 */
import type { Cell } from "../src/runner/cells.ts";
import { claimQueue } from "../src/runner/claim.ts";
import { type CellResult, writeResult } from "../src/runner/store.ts";

/** The fake suite's cells: suite `claims`, profile `smoke`, dataset `d`, variant `v`, seeds 0..n-1. */
export function fakeCells(count: number): Cell[] {
  return Array.from({ length: count }, (_, seed) =>
    ({
      hash: `hash-${seed}`,
      scoreKey: "score",
      config: {
        suite: "claims",
        profile: "smoke",
        dataset: "d",
        variant: "v",
        seed,
        backend: "cpu",
      },
    }) as unknown as Cell);
}

/** A small valid stored result of `cell`, tagged with the process that computed it. */
export function fakeResult(cell: Cell): CellResult {
  return {
    hash: cell.hash,
    scoreKey: cell.scoreKey,
    config: cell.config,
    status: "completed",
    steps: 1,
    final: { value: cell.config.seed },
    curves: [],
    evals: [],
    timing: { wallSeconds: 0, trainSeconds: 0, evalSeconds: 0, stepsPerSecond: 0 },
    environment: { pid: Deno.pid },
    finishedAt: new Date().toISOString(),
  } as unknown as CellResult;
}

if (import.meta.main) {
  const [outDir, count, delay, lanes, barrier] = Deno.args;
  console.log("ready");
  while (barrier) {
    try {
      await Deno.stat(barrier);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const queue = claimQueue(fakeCells(Number(count)), {
    outDir,
    log: () => {},
    onStoredElsewhere: (cell) => console.log(`elsewhere ${cell.config.seed}`),
  });
  await Promise.all(Array.from({ length: Number(lanes) }, async () => {
    for (let next = await queue.next(); next; next = await queue.next()) {
      const { cell, claim } = next;
      await claim.hold(async () => {
        await new Promise((resolve) => setTimeout(resolve, Number(delay)));
        await writeResult(outDir, fakeResult(cell));
      });
      console.log(`computed ${cell.config.seed}`);
    }
  }));
  console.log("done");
}
