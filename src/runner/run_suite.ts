/**
 * Runs a suite's cell matrix: skips cells whose stored result has the same training hash and
 * scoring key, re-scores those stored with the same training hash and another scoring key from
 * their stored generators, trains the rest (a row's seeds in lockstep groups, see
 * lockstep_groups.ts; in worker threads when `jobs` > 1), stores each result atomically as soon as
 * it is done, and rebuilds the leaderboard.
 *
 * @module
 */
import { basename, join } from "node:path";
import { type BackendChoice, type BackendInfo, initBackend } from "../engine/backend.ts";
import { deserializeError, type SerializedError } from "../errors.ts";
import { allFigures } from "../metrics/mod.ts";
import type { Progress } from "../train/mod.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { type ClaimedCell, claimGroupQueue, holdClaims } from "./claim.ts";
import { describeEnvironment } from "./environment.ts";
import { rescoreCell, runCell, runCellGroup } from "./run_cell.ts";
import { describeGroup, groupCells, type LockstepCheck } from "./lockstep_groups.ts";
import { lockstepUnsupported } from "../train/lockstep.ts";
import { compareResult } from "./cell_keys.ts";
import { NO_GENERATOR, StoredGeneratorError } from "./checkpoints.ts";
import {
  cellPath,
  type CellResult,
  CorruptResultError,
  readResult,
  suiteDir,
  writeFileAtomic,
  writeResult,
} from "./store.ts";
import { selectShard, type Shard } from "./shard.ts";
import type { Profile, Suite } from "./suite.ts";

/** Options of {@linkcode planSuite}: which cells, and where their results live. */
export interface PlanSuiteOptions {
  profile: Profile;
  variants?: string[];
  seeds?: number[];
  backend: BackendChoice;
  outDir: string;
  /**
   * Train cells even when a result with the same configuration exists; with `rescoreOnly`, train
   * the cells that cannot be re-scored (no stored generator, or no result of their training).
   */
  force?: boolean;
  /** Re-score only (`rescore`): train nothing, unless `force`. */
  rescoreOnly?: boolean;
  /** Plan only this shard's cells (see shard.ts). */
  shard?: Shard;
  /** The position of the suite's first cell in the run's whole cell list (a bench's suites). */
  firstCell?: number;
  /**
   * Seeds of a row trained together, as one batched model (`--lockstep`; 1 turns it off);
   * default: `LOCKSTEP_AUTO` where the configuration supports it (see lockstep_groups.ts).
   */
  lockstep?: number;
  /** Whether a configuration can train in lockstep (default `lockstepUnsupported`; for tests). */
  lockstepCheck?: LockstepCheck;
  /** Receives one human-readable line per event. */
  log(line: string): void;
}

/** Options of {@linkcode runSuite}. */
export interface RunSuiteOptions extends PlanSuiteOptions {
  /** Cells run at once (worker threads when > 1). */
  jobs?: number;
  /** Receives training progress of running cells (`group`: the lockstep group's name). */
  onProgress?(cell: Cell, progress: Progress, group?: string): void;
  /** Called when a cell has finished and its result is stored (`group` as for `onProgress`). */
  onCellDone?(cell: Cell, result: CellResult, group?: string): void;
}

/** What a suite run will do, known before any cell starts. */
export interface SuitePlan {
  suite: Suite;
  profile: Profile;
  backend: BackendInfo;
  /** Every selected cell of the suite, across all shards. */
  matrix: Cell[];
  /** The cells this run handles: the matrix, or its shard's part of it. */
  cells: Cell[];
  /** The stored results reused (same training hash and scoring key), unless `force`. */
  stored: CellResult[];
  /** The cells to compute: trained, or re-scored when in `rescore`. */
  pending: Cell[];
  /** The cells of `pending` re-scored from their stored generators rather than trained. */
  rescore: Cell[];
  /**
   * The cells of `pending` as they run: the cells to train of a row in lockstep groups (see
   * lockstep_groups.ts), every other cell alone; in the order of their first cell.
   */
  groups: Cell[][];
  /**
   * `rescore` without `force`: the cells stored with the same training but stale scores and no
   * stored generator (a line each, and exit 1), which a run would train.
   */
  unscorable: Cell[];
  /** `rescore` without `force`: the cells with no result of their training (one line in all). */
  untrained: Cell[];
}

/** What a suite run did. */
export interface RunSuiteSummary {
  cells: Cell[];
  computed: number;
  /** Of `computed`, the cells re-scored from their stored generators. */
  rescored: number;
  /** Cells `rescore` could not re-score (each said so in one line). */
  failed: number;
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
  /** The suite's headline figures (absent in folders written before suites had them). */
  headline?: string[];
  /** The suite's baseline row (absent in folders written before suites had one). */
  baseline?: string;
  metrics: string[];
  /**
   * The cells the last run planned, across all its shards (result file names without `.json`),
   * so that `report` can say how many are missing; absent in folders written before runs
   * recorded them.
   */
  cells?: string[];
}

function describeCell(cell: Cell): string {
  const c = cell.config;
  return `${c.dataset} ${c.variant} seed ${c.seed}`;
}

function describeOutcome(result: CellResult, rescored = false): string {
  // The metrics' declared figures only (not dynamics, spreads, per-class values or counts),
  // labelled as in the tables.
  const known = allFigures();
  const figures = Object.entries(result.final)
    .filter(([key]) => known.has(key) && !key.startsWith("dyn."))
    .map(([key, value]) =>
      `${known.get(key)!.label}=${Number.isInteger(value) ? value : value.toFixed(3)}`
    )
    .join(" ");
  if (rescored && result.rescored) {
    const { steps, seconds } = result.rescored;
    return `re-scored from ${steps.length} stored generator${steps.length > 1 ? "s" : ""} in ${
      seconds.toFixed(1)
    } s ${figures}`.trim();
  }
  const status = result.status === "diverged"
    ? `diverged at step ${result.divergence!.step} (${result.divergence!.network} loss not finite)`
    : result.status === "time-limit"
    ? `stopped by the time limit at step ${result.steps}`
    : `${result.steps} steps`;
  return `${status} in ${result.timing.wallSeconds.toFixed(1)} s ${figures}`.trim();
}

/** Returns the stored result for `cell` if it is valid (whatever its keys). */
async function cachedResult(path: string, log: (line: string) => void) {
  try {
    return await readResult(path);
  } catch (error) {
    if (!(error instanceof CorruptResultError)) throw error;
    const aside = `${path}.corrupt-${Date.now()}`;
    try {
      await Deno.rename(path, aside);
    } catch (renameError) {
      // Another process sharing the folder set it aside (or replaced it) first.
      if (!(renameError instanceof Deno.errors.NotFound)) throw renameError;
      return undefined;
    }
    log(`${error.message}; kept as ${aside}, recomputing`);
    return undefined;
  }
}

/**
 * Trains and scores one cell, or, given `rescore` (its stored result and the suite/profile folder
 * of its generators), re-scores it.
 */
export type CellRunner = (
  cell: Cell,
  rescore?: { stored: CellResult; dir: string },
) => Promise<CellResult>;

/** Trains and scores the cells of a lockstep group (see `runCellGroup`); results in their order. */
export type GroupRunner = (cells: Cell[]) => Promise<CellResult[]>;

function inProcessRunner(
  backend: BackendInfo,
  options: RunSuiteOptions,
): { run: CellRunner; runGroup: GroupRunner } {
  const environment = describeEnvironment(backend);
  return {
    run: (cell, rescore) =>
      rescore
        ? rescoreCell(cell, rescore.stored, rescore.dir, environment)
        : runCell(cell, environment, (p) => options.onProgress?.(cell, p)),
    runGroup: (cells) => runCellGroup(cells, environment, { onProgress: options.onProgress }),
  };
}

/**
 * A pool of `options.jobs` cell workers (cell_worker.ts). A cell's error arrives as it was thrown,
 * a {@linkcode UserError} keeping its class name, code and exit code (see errors.ts), its message
 * prefixed with the cell ("ring8 nsgan seed 0: ...").
 */
export function cellWorkerPool(
  options: Pick<RunSuiteOptions, "jobs" | "backend" | "onProgress">,
): { run: CellRunner; runGroup: GroupRunner; close(): void } {
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
  /** Posts `message` to a free worker and resolves to its answer (see cell_worker.ts). */
  const call = async <T>(cells: Cell[], label: string, message: object): Promise<T> => {
    const worker = await acquire();
    try {
      return await new Promise<T>((resolve, reject) => {
        worker.onmessage = (event) => {
          const message = event.data;
          if (message.type === "progress") {
            options.onProgress?.(cells[message.index ?? 0], message.progress);
          } else if (message.type === "done") resolve(message.result);
          else reject(deserializeError(message.error as SerializedError, label));
        };
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`${label}: worker failed: ${event.message}`));
        };
        worker.postMessage({ ...message, backend: options.backend });
      });
    } finally {
      release(worker);
    }
  };
  return {
    run: (cell, rescore) => call<CellResult>([cell], describeCell(cell), { cell, ...rescore }),
    runGroup: (cells) => call<CellResult[]>(cells, describeGroup(cells), { cells }),
    close() {
      for (const worker of all) worker.terminate();
    },
  };
}

/**
 * Plans `suite` as `options` select, before any cell starts: initialises the backend, resolves
 * the cell matrix (which checks that every selected variant can run on every dataset), and reads
 * the stored results: reused when current, re-scored when only their scores are stale and their
 * generators are stored, trained otherwise (`rescore` trains nothing without `force`). A corrupt
 * result file is kept aside and its cell recomputed.
 */
export async function planSuite(suite: Suite, options: PlanSuiteOptions): Promise<SuitePlan> {
  const backend = await initBackend(options.backend);
  const matrix = buildMatrix(suite, {
    profile: options.profile,
    variants: options.variants,
    seeds: options.seeds,
    backend: backend.name,
  });
  const cells = options.shard ? selectShard(matrix, options.shard, options.firstCell ?? 0) : matrix;
  const stored: CellResult[] = [];
  const pending: Cell[] = [];
  const rescore: Cell[] = [];
  const unscorable: Cell[] = [];
  const untrained: Cell[] = [];
  const retrain = options.force && !options.rescoreOnly;
  for (const cell of cells) {
    const path = cellPath(options.outDir, cell.config);
    const result = retrain ? undefined : await cachedResult(path, options.log);
    const standing = compareResult(result, cell);
    if (standing === "current") stored.push(result!);
    else if (standing === "stale" && result!.checkpoints) {
      rescore.push(cell);
      pending.push(cell);
    } else if (options.rescoreOnly && !options.force) {
      if (standing === "stale") unscorable.push(cell);
      else untrained.push(cell);
    } else pending.push(cell);
  }
  // Re-scored cells run alone; the cells to train of a row in lockstep groups.
  const toRescore = new Set(rescore);
  const position = new Map(pending.map((cell, k) => [cell, k]));
  const groups = [
    ...rescore.map((cell) => [cell]),
    ...groupCells(
      pending.filter((cell) => !toRescore.has(cell)),
      options.lockstep,
      options.lockstepCheck,
    ),
  ].sort((a, b) => position.get(a[0])! - position.get(b[0])!);
  return {
    suite,
    profile: options.profile,
    backend,
    matrix,
    cells,
    stored,
    pending,
    rescore,
    groups,
    unscorable,
    untrained,
  };
}

/** Runs the pending cells of `plan`, storing each result under `options.outDir` as it is done. */
export async function runPlan(plan: SuitePlan, options: RunSuiteOptions): Promise<RunSuiteSummary> {
  const { suite, backend, matrix, cells } = plan;
  const dir = suiteDir(options.outDir, suite.name, plan.profile);
  const meta: SuiteMeta = {
    suite: suite.name,
    version: suite.version,
    profile: plan.profile,
    description: suite.description,
    primary: suite.primary,
    ...(suite.headline ? { headline: suite.headline } : {}),
    ...(suite.baseline ? { baseline: suite.baseline } : {}),
    metrics: suite.metrics,
    cells: matrix.map((cell) => basename(cellPath(options.outDir, cell.config), ".json")),
  };
  await writeFileAtomic(join(dir, "suite.json"), JSON.stringify(meta, null, 2) + "\n");
  options.log(
    `suite ${suite.name} · profile ${plan.profile} · ${cells.length} cells · backend ${backend.name} (${backend.device})`,
  );
  // Which features the image figures go through, where the suite's choice depends on the machine.
  if (suite.featuresNote) options.log(suite.featuresNote);
  const { rescore, unscorable, untrained } = plan;
  // Every cell is stored, pending (trained or re-scored), unscorable or untrained.
  const cached = plan.stored.length;
  if (cached) {
    options.log(
      `${cached} cells already stored with the same configuration: skipped (--force recomputes)`,
    );
  }
  if (rescore.length) {
    options.log(
      `${rescore.length} cells stored with the same training and other metrics: re-scored from their stored generators`,
    );
  }
  for (const cell of unscorable) options.log(`${describeCell(cell)}: ${NO_GENERATOR}`);
  if (untrained.length) {
    options.log(
      `${untrained.length} cells not trained with this configuration: nothing to re-score (deno task suite ${suite.name} trains them, as does rescore --force)`,
    );
  }
  const toRescore = new Set(rescore);

  const together = plan.groups.filter((group) => group.length > 1);
  if ((options.lockstep ?? 1) > 1) {
    // Asked for: say why cells train alone where their configuration cannot train in lockstep.
    const check = options.lockstepCheck ?? lockstepUnsupported;
    const reasons = new Map<string, number>();
    for (const [cell] of plan.groups.filter((group) => group.length === 1)) {
      const reason = toRescore.has(cell) ? undefined : check(cell.config);
      if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) {
      options.log(
        `--lockstep ${options.lockstep}: ${count} cell${
          count > 1 ? "s train" : " trains"
        } alone: ${reason}`,
      );
    }
  }
  if (together.length) {
    const seeds = together.reduce((sum, group) => sum + group.length, 0);
    options.log(
      `${seeds} cells train in lockstep: ${together.length} group${
        together.length > 1 ? "s" : ""
      } of up to ${
        Math.max(...together.map((group) => group.length))
      } seeds of a row, each group one batched model (--lockstep 1 trains each cell alone)`,
    );
  }

  // The lockstep group of each cell training in one, by name, for the progress display.
  const groupOf = new Map<Cell, string>();
  const reporting = {
    ...options,
    onProgress: (cell: Cell, progress: Progress) =>
      options.onProgress?.(cell, progress, groupOf.get(cell)),
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, plan.groups.length));
  const pool = jobs > 1 ? cellWorkerPool({ ...reporting, jobs }) : undefined;
  const { run, runGroup } = pool ?? inProcessRunner(backend, reporting);
  let done = 0;
  let rescored = 0;
  let failed = unscorable.length;
  // Stored by another process on the same folder while this run went (see claim.ts).
  let elsewhere = 0;
  try {
    // Each cell is claimed before it runs, so that processes sharing the folder never compute
    // the same cell at once.
    const queue = claimGroupQueue(plan.groups, {
      outDir: options.outDir,
      force: options.force,
      log: options.log,
      onStoredElsewhere(cell, result) {
        elsewhere++;
        options.onCellDone?.(cell, result);
        options.log(
          `[${done + cached + elsewhere}/${cells.length}] ${
            describeCell(cell)
          }: stored meanwhile by another process`,
        );
      },
    });
    /** Trains the claimed cells of a lockstep group, storing each result and freeing its claim. */
    const trainGroup = async (group: ClaimedCell[]) => {
      const members = group.map(({ cell }) => cell);
      const name = describeGroup(members);
      for (const cell of members) groupOf.set(cell, name);
      options.log(`${name}: training ${members.length} seeds in lockstep`);
      const results = await holdClaims(group.map(({ claim }) => claim), async () => {
        await Promise.all(group.map(({ claim }) => claim.noteGroup(name)));
        const results = await runGroup(members);
        for (const [i, { claim }] of group.entries()) {
          await writeResult(options.outDir, results[i]);
          await claim.release();
        }
        return results;
      });
      for (const [i, cell] of members.entries()) {
        done++;
        options.onCellDone?.(cell, results[i], name);
        options.log(
          `[${done + cached + elsewhere}/${cells.length}] ${describeCell(cell)}: ${
            describeOutcome(results[i])
          } (in lockstep with ${members.length - 1} other seed${members.length > 2 ? "s" : ""})`,
        );
      }
    };
    const lanes = Array.from({ length: jobs }, async () => {
      for (let next = await queue.next(); next; next = await queue.next()) {
        if (next.length > 1) {
          await trainGroup(next);
          continue;
        }
        const [{ cell, claim }] = next;
        const result = await claim.hold(async () => {
          let result: CellResult | undefined;
          if (toRescore.has(cell)) {
            const stored = await readResult(cellPath(options.outDir, cell.config));
            try {
              if (stored && compareResult(stored, cell) === "stale") {
                result = await run(cell, { stored, dir });
              }
            } catch (error) {
              if (!(error instanceof StoredGeneratorError)) throw error;
              options.log(error.message);
              if (options.rescoreOnly && !options.force) return undefined;
            }
            if (!result && options.rescoreOnly && !options.force) {
              options.log(
                `${describeCell(cell)}: its result changed since planning; not re-scored`,
              );
              return undefined;
            }
          }
          if (result) rescored++;
          result ??= await run(cell);
          await writeResult(options.outDir, result);
          return result;
        });
        if (!result) {
          failed++;
          continue;
        }
        done++;
        options.onCellDone?.(cell, result);
        options.log(
          `[${done + cached + elsewhere}/${cells.length}] ${describeCell(cell)}: ${
            describeOutcome(result, toRescore.has(cell))
          }`,
        );
      }
    });
    await Promise.all(lanes);
  } finally {
    pool?.close();
  }
  return { cells, computed: done, rescored, failed, cached: cached + elsewhere, backend, dir };
}

/**
 * The command that trains a first suite for real, for those whose results all came stored: the
 * Dirac-GAN at its quick budget (about a minute on 2 cores), which reproduces the paper's finding,
 * into a folder of its own.
 */
export const FIRST_RUN = "deno task suite dirac --profile quick --out my-first-run";

/**
 * Lines saying which stored results `plans` reuse, for the top of a run's output: how many cells,
 * the commit(s) and date(s) that computed them, how to recompute them and a first real run; or
 * undefined when nothing is reused.
 */
export function describeReuse(plans: SuitePlan[], outDir: string): string | undefined {
  const stored = plans.flatMap((plan) => plan.stored);
  if (!stored.length) return undefined;
  const total = plans.reduce((sum, plan) => sum + plan.cells.length, 0);
  const rescore = plans.reduce((sum, plan) => sum + plan.rescore.length, 0);
  const pending = plans.reduce((sum, plan) => sum + plan.pending.length, 0) - rescore;
  const commits = new Map<string, { cells: number; dates: Set<string> }>();
  for (const result of stored) {
    const commit = result.environment?.commit
      ? `commit ${result.environment.commit}`
      : "an unknown commit";
    const entry = commits.get(commit) ?? { cells: 0, dates: new Set<string>() };
    entry.cells++;
    entry.dates.add(String(result.finishedAt ?? "").slice(0, 10) || "unknown date");
    commits.set(commit, entry);
  }
  const sources = [...commits].sort(([, a], [, b]) => b.cells - a.cells).map(
    ([commit, { cells, dates }]) =>
      `${commit} on ${[...dates].sort().join(", ")} (${cells} cell${cells > 1 ? "s" : ""})`,
  );
  return [
    `Reusing ${stored.length} of ${total} cells already stored under ${outDir}/ with the same configuration${
      rescore ? `; ${rescore} to re-score from their stored generators` : ""
    }${pending ? `; ${pending} left to train` : ": nothing to train"}`,
    `  computed at ${sources.join(", ")}`,
    `  --force recomputes them; a first real run, which trains: ${FIRST_RUN}`,
  ].join("\n");
}

/** Runs `suite` as `options` select ({@linkcode planSuite}, then {@linkcode runPlan}). */
export async function runSuite(suite: Suite, options: RunSuiteOptions): Promise<RunSuiteSummary> {
  return await runPlan(await planSuite(suite, options), options);
}
