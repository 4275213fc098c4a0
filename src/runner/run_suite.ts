/**
 * Runs a suite's cell matrix: skips cells whose stored result has the same config hash, runs the
 * rest (in worker threads when `jobs` > 1), stores each result atomically as soon as it is done,
 * and rebuilds the leaderboard.
 *
 * @module
 */
import { join } from "node:path";
import { type BackendChoice, type BackendInfo, initBackend } from "../engine/backend.ts";
import { DATASETS } from "../data/mod.ts";
import { allFigures, METRICS } from "../metrics/mod.ts";
import type { Progress } from "../train/train.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { describeEnvironment } from "./environment.ts";
import { runCell } from "./run_cell.ts";
import {
  cellPath,
  type CellResult,
  CorruptResultError,
  readResult,
  suiteDir,
  writeFileAtomic,
  writeResult,
} from "./store.ts";
import { type Profile, type Suite, SuiteError } from "./suite.ts";

/** Options of {@linkcode runSuite}. */
export interface RunSuiteOptions {
  profile: Profile;
  variants?: string[];
  seeds?: number[];
  backend: BackendChoice;
  outDir: string;
  /** Recompute cells even when a result with the same config hash exists. */
  force?: boolean;
  /** Cells run at once (worker threads when > 1). */
  jobs?: number;
  /** Receives one human-readable line per event. */
  log(line: string): void;
  /** Receives training progress of running cells. */
  onProgress?(cell: Cell, progress: Progress): void;
}

/** What a suite run did. */
export interface RunSuiteSummary {
  cells: Cell[];
  computed: number;
  cached: number;
  backend: BackendInfo;
  dir: string;
}

/** The metadata file a suite/profile folder keeps for `report`. */
export interface SuiteMeta {
  suite: string;
  version: number;
  profile: string;
  description: string;
  primary: string;
  metrics: string[];
}

function checkMetricsApply(suite: Suite): void {
  for (const datasetName of suite.datasets) {
    for (const metricName of suite.metrics) {
      const reason = METRICS.get(metricName).unsupportedReason(DATASETS.get(datasetName));
      if (reason) {
        throw new SuiteError(
          `Suite '${suite.name}': metric '${metricName}' cannot score: ${reason}`,
        );
      }
    }
  }
}

function describeCell(cell: Cell): string {
  const c = cell.config;
  return `${c.dataset} ${c.variant} seed ${c.seed}`;
}

function describeOutcome(result: CellResult): string {
  // The metrics' declared figures only (not dynamics, spreads, per-class values or counts),
  // labelled as in the tables.
  const known = allFigures();
  const figures = Object.entries(result.final)
    .filter(([key]) => known.has(key) && !key.startsWith("dyn."))
    .map(([key, value]) =>
      `${known.get(key)!.label}=${Number.isInteger(value) ? value : value.toFixed(3)}`
    )
    .join(" ");
  const status = result.status === "diverged"
    ? `diverged at step ${result.divergence!.step} (${result.divergence!.network} loss not finite)`
    : result.status === "time-limit"
    ? `stopped by the time limit at step ${result.steps}`
    : `${result.steps} steps`;
  return `${status} in ${result.timing.wallSeconds.toFixed(1)} s ${figures}`.trim();
}

/** Returns the stored result for `cell` if it is valid and has the same config hash. */
async function cachedResult(path: string, cell: Cell, log: (line: string) => void) {
  try {
    const stored = await readResult(path);
    return stored?.hash === cell.hash ? stored : undefined;
  } catch (error) {
    if (!(error instanceof CorruptResultError)) throw error;
    const aside = `${path}.corrupt-${Date.now()}`;
    await Deno.rename(path, aside);
    log(`${error.message}; kept as ${aside}, recomputing`);
    return undefined;
  }
}

type CellRunner = (cell: Cell) => Promise<CellResult>;

function inProcessRunner(backend: BackendInfo, options: RunSuiteOptions): CellRunner {
  const environment = describeEnvironment(backend);
  return (cell) => runCell(cell, environment, (p) => options.onProgress?.(cell, p));
}

function workerRunner(options: RunSuiteOptions): { run: CellRunner; close(): void } {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: ((worker: Worker) => void)[] = [];
  const jobs = options.jobs ?? 1;
  const acquire = () =>
    new Promise<Worker>((resolve) => {
      const free = idle.pop();
      if (free) return resolve(free);
      if (all.length < jobs) {
        const worker = new Worker(new URL("./cell_worker.ts", import.meta.url), { type: "module" });
        all.push(worker);
        return resolve(worker);
      }
      waiting.push(resolve);
    });
  const release = (worker: Worker) => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  return {
    async run(cell) {
      const worker = await acquire();
      try {
        return await new Promise<CellResult>((resolve, reject) => {
          worker.onmessage = (event) => {
            const message = event.data;
            if (message.type === "progress") options.onProgress?.(cell, message.progress);
            else if (message.type === "done") resolve(message.result);
            else reject(new Error(`${describeCell(cell)}: ${message.message}`));
          };
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(`${describeCell(cell)}: worker failed: ${event.message}`));
          };
          worker.postMessage({ cell, backend: options.backend });
        });
      } finally {
        release(worker);
      }
    },
    close() {
      for (const worker of all) worker.terminate();
    },
  };
}

/** Runs `suite` as `options` select; returns what it ran. Results land under `options.outDir`. */
export async function runSuite(suite: Suite, options: RunSuiteOptions): Promise<RunSuiteSummary> {
  checkMetricsApply(suite);
  const backend = await initBackend(options.backend);
  const cells = buildMatrix(suite, {
    profile: options.profile,
    variants: options.variants,
    seeds: options.seeds,
    backend: backend.name,
  });
  const dir = suiteDir(options.outDir, suite.name, options.profile);
  const meta: SuiteMeta = {
    suite: suite.name,
    version: suite.version,
    profile: options.profile,
    description: suite.description,
    primary: suite.primary,
    metrics: suite.metrics,
  };
  await writeFileAtomic(join(dir, "suite.json"), JSON.stringify(meta, null, 2) + "\n");
  options.log(
    `suite ${suite.name} · profile ${options.profile} · ${cells.length} cells · backend ${backend.name} (${backend.device})`,
  );

  const pending: Cell[] = [];
  for (const cell of cells) {
    const path = cellPath(options.outDir, cell.config);
    if (!options.force && (await cachedResult(path, cell, options.log))) continue;
    pending.push(cell);
  }
  const cached = cells.length - pending.length;
  if (cached) {
    options.log(
      `${cached} cells already stored with the same configuration: skipped (--force recomputes)`,
    );
  }

  const jobs = Math.max(1, Math.min(options.jobs ?? 1, pending.length));
  const pool = jobs > 1 ? workerRunner({ ...options, jobs }) : undefined;
  const run = pool?.run ?? inProcessRunner(backend, options);
  let done = 0;
  try {
    const queue = [...pending];
    const lanes = Array.from({ length: jobs }, async () => {
      for (let cell = queue.shift(); cell; cell = queue.shift()) {
        const result = await run(cell);
        await writeResult(options.outDir, result);
        done++;
        options.log(
          `[${done + cached}/${cells.length}] ${describeCell(cell)}: ${describeOutcome(result)}`,
        );
      }
    });
    await Promise.all(lanes);
  } finally {
    pool?.close();
  }
  return { cells, computed: done, cached, backend, dir };
}
