/**
 * What a run will cost before it starts: each planned cell's seconds, projected from the training
 * speed that stored results measured (their `timing`: steps per second and seconds per
 * evaluation), then the core-hours of the whole run and its wall time on N nodes of C cores, each
 * node running one shard with `--jobs C` (one cell per core, as the wasm backend does).
 *
 * A cell's rate comes from stored cells of the same suite, dataset, variant and backend with the
 * same network, batch size and hyper-parameters ("measured"); failing that, from cells of the
 * same suite, dataset, variant and backend at another profile, whose networks or batches differ
 * ("rough": a profile's full-size networks can train several times slower than its quick ones);
 * failing that, the cell has no estimate and is counted as such. Cells that will train in lockstep
 * groups take the rate measured in groups of the nearest stored size, and a group
 * occupies one core for the sum of its cells' times. The projection assumes the run's cores are as
 * fast as those that measured, with the load they had.
 *
 * @module
 */
import stringify from "safe-stable-stringify";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMatrix, type Cell, type CellConfig } from "./cells.ts";
import { groupCells } from "./lockstep_groups.ts";
import { selectShard } from "./shard.ts";
import { listResultFiles, readResult } from "./store.ts";
import type { Profile, Suite } from "./suite.ts";

/** The repository's committed results, whose timing every projection may use. */
const COMMITTED_RESULTS = fileURLToPath(new URL("../../results", import.meta.url));

/** One stored cell's measured speed. */
export interface Measurement {
  config: CellConfig;
  stepsPerSecond: number;
  /** Seconds per evaluation. */
  evalSeconds: number;
  /** Seconds outside training and evaluation (setup, scoring the final samples, storing). */
  otherSeconds: number;
  /**
   * The lockstep group it trained in (1: alone): its steps per second are then its share of the
   * group's batched steps.
   */
  lockstep?: number;
}

/** How a cell's rate was found. */
export type RateMatch = "measured" | "rough" | "none";

/** The machine a run is projected onto. */
export interface Cluster {
  /** Nodes, each running one shard at a time. */
  nodes: number;
  /** Cores per node: cells a shard runs at once (`--jobs`). */
  cores: number;
  /** Shards of the run (shard k mod N). */
  shards: number;
}

/** A run's projected cost. */
export interface CostEstimate extends Cluster {
  cells: number;
  /** Cells by how their rate was found. */
  matches: Record<RateMatch, number>;
  /** Suite/dataset/variant of the cells with no rate. */
  unknown: string[];
  /** Of the cells with a rate: the sum of their hours (one core each). */
  coreHours: number;
  /** Wall hours on the cluster, for the cells with a rate. */
  wallHours: number;
  /** The longest single cell, in hours: no split can end sooner. */
  longestCellHours: number;
}

/** Evaluations of a cell of `steps` steps: step 0, every `evalEvery`, and the last step. */
function evaluations(steps: number, evalEvery: number): number {
  return Math.floor(steps / evalEvery) + 1 + (steps % evalEvery ? 1 : 0);
}

/**
 * The speed measured by every stored result of `suites` (any profile) under `resultsDir`; results
 * that cannot be read are left out.
 */
export async function readMeasurements(
  resultsDir: string,
  suites: string[],
): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const suite of new Set(suites)) {
    let profiles: Deno.DirEntry[];
    try {
      profiles = [...Deno.readDirSync(join(resultsDir, suite))].filter((entry) =>
        entry.isDirectory
      );
    } catch {
      continue;
    }
    for (const profile of profiles) {
      const files = await listResultFiles(join(resultsDir, suite, profile.name))
        .catch(() => []);
      for (const file of files) {
        const result = await readResult(file).catch(() => undefined);
        const timing = result?.timing;
        if (!result || !timing || !(timing.stepsPerSecond > 0) || !result.steps) continue;
        const { budget } = result.config;
        const evals = evaluations(result.steps, budget.evalEvery);
        measurements.push({
          config: result.config,
          stepsPerSecond: timing.stepsPerSecond,
          evalSeconds: timing.evalSeconds / evals,
          // A lockstep cell's wall time is its group's (its train seconds are its share): the
          // group's wall shared out over its seeds, less the cell's own training and evaluations.
          otherSeconds: Math.max(
            0,
            timing.wallSeconds / (timing.lockstep ?? 1) - timing.trainSeconds - timing.evalSeconds,
          ),
          lockstep: timing.lockstep ?? 1,
        });
      }
    }
  }
  return measurements;
}

/** What makes two cells train at the same speed: all but the seed, the lengths and the scoring. */
function speedKey(config: CellConfig): string {
  const { seed: _s, profile: _p, suiteVersion: _v, evalSamples: _e, finalSamples: _f, ...rest } =
    config;
  const { batchSize } = config.budget;
  return stringify({ ...rest, budget: { batchSize } }) ?? "";
}

/** The cell's suite, dataset, variant and backend. */
function roughKey(config: CellConfig): string {
  return [config.suite, config.dataset, config.variant, config.backend].join("/");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Projects one cell's seconds from `measurements`: steps over the median rate, evaluations at the
 * median seconds each, and the median time outside both. A cell that will train in a lockstep
 * group of `group` seeds takes its training rate from the cells that trained in groups of the
 * stored size nearest to it (their rate is per seed; 1: alone).
 */
export function projectCell(
  cell: Cell,
  measurements: Measurement[],
  group = 1,
): { seconds: number; match: RateMatch } {
  const exact = measurements.filter((m) => speedKey(m.config) === speedKey(cell.config));
  const rough = exact.length
    ? exact
    : measurements.filter((m) => roughKey(m.config) === roughKey(cell.config));
  if (!rough.length) return { seconds: Number.NaN, match: "none" };
  // The rates measured at the group size nearest (in ratio) to the cell's.
  const distance = (m: Measurement) => Math.abs(Math.log((m.lockstep ?? 1) / group));
  const nearest = Math.min(...rough.map(distance));
  const rates = rough.filter((m) => distance(m) === nearest).map((m) => m.stepsPerSecond);
  const { steps, evalEvery } = cell.config.budget;
  const seconds = steps / median(rates) +
    evaluations(steps, evalEvery) * median(rough.map((m) => m.evalSeconds)) +
    median(rough.map((m) => m.otherSeconds));
  return { seconds, match: exact.length ? "measured" : "rough" };
}

/** The time `lanes` parallel lanes take for `durations`, each lane taking the next when free. */
function makespan(durations: number[], lanes: number): number {
  const free = new Array(Math.max(1, lanes)).fill(0);
  for (const duration of durations) {
    const lane = free.indexOf(Math.min(...free));
    free[lane] += duration;
  }
  return Math.max(...free);
}

/**
 * Projects the cost of running `cells` (a run's whole cell list, in order) on `cluster`: shard s
 * takes the cells k with k mod shards = s and runs them `cores` at a time; the nodes take the
 * shards in order, one at a time each. With `groupOf` (the runner's lockstep grouping of a
 * shard's cells), each group is one worker's: its cells' seconds run one after the other on one
 * core, each at the rate measured in groups of its size.
 */
export function estimateCost(
  cells: Cell[],
  measurements: Measurement[],
  cluster: Cluster,
  groupOf: (shard: Cell[]) => Cell[][] = (shard) => shard.map((cell) => [cell]),
): CostEstimate {
  // Each cell by its position, so that the same cell listed twice is counted twice.
  const numbered = cells.map((cell, position) => ({ ...cell, position }));
  const shards = Array.from(
    { length: cluster.shards },
    (_, index) =>
      groupOf(selectShard(numbered, { index, count: cluster.shards })) as (typeof numbered)[],
  );
  const projected: { seconds: number; match: RateMatch }[] = new Array(cells.length);
  for (const groups of shards) {
    for (const group of groups) {
      for (const cell of group) {
        projected[cell.position] = projectCell(cell, measurements, group.length);
      }
    }
  }
  const matches: Record<RateMatch, number> = { measured: 0, rough: 0, none: 0 };
  for (const { match } of projected) matches[match]++;
  const unknown = [
    ...new Set(
      cells.filter((_, k) => projected[k].match === "none").map((cell) => roughKey(cell.config)),
    ),
  ];
  const seconds = projected.map(({ seconds }) => Number.isFinite(seconds) ? seconds : 0);
  const groupSeconds = shards.map((groups) =>
    groups.map((group) => group.reduce((sum, cell) => sum + seconds[cell.position], 0))
  );
  const shardSeconds = groupSeconds.map((groups) => makespan(groups, cluster.cores));
  return {
    ...cluster,
    cells: cells.length,
    matches,
    unknown,
    coreHours: seconds.reduce((sum, s) => sum + s, 0) / 3600,
    wallHours: makespan(shardSeconds, cluster.nodes) / 3600,
    longestCellHours: Math.max(0, ...seconds) / 3600,
  };
}

/** Hours as "3 h 20 min", "45 min" or "40 s". */
export function formatHours(hours: number): string {
  const minutes = hours * 60;
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (hours < 1) return `${Math.round(minutes)} min`;
  if (hours < 48) return `${Math.floor(hours)} h ${Math.round(minutes % 60)} min`;
  return `${(hours / 24).toFixed(1)} days`;
}

/** `plan`'s cost lines: the projection, then what it rests on. */
export function renderCost(estimate: CostEstimate): string {
  const { matches } = estimate;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    `Projected cost: ${plural(estimate.cells, "cell")}, ${
      estimate.coreHours.toFixed(1)
    } core-hours; ${formatHours(estimate.wallHours)} wall on ${plural(estimate.nodes, "node")} × ${
      plural(estimate.cores, "core")
    } (${plural(estimate.shards, "shard")}; longest cell ${
      formatHours(estimate.longestCellHours)
    })`,
    `  rates from stored results' timing: ${matches.measured} cells at the same configuration, ${matches.rough} rough (another network or batch size), ${matches.none} with none`,
    ...(estimate.unknown.length
      ? [`  not counted, no stored timing: ${estimate.unknown.join(", ")}`]
      : []),
    `  a projection: it assumes cores as fast as those that measured, under their load`,
  ].join("\n");
}

/** What {@linkcode estimateRun} projects. */
export interface RunSelection {
  profile: Profile;
  backend: string;
  variants?: string[];
  seeds?: number[];
  /** A results folder whose timing is used besides the repository's committed results. */
  resultsDir: string;
  /** `--lockstep`: the group size asked for (default: `lockstepAuto`, per architecture). */
  lockstep?: number;
}

/**
 * Projects the cost of running `suites` as `selection` selects on `cluster`, from the timing of
 * the results stored in `selection.resultsDir` and in the repository's committed `results/`.
 */
export async function estimateRun(
  suites: Suite[],
  selection: RunSelection,
  cluster: Cluster,
): Promise<CostEstimate> {
  const names = suites.map((suite) => suite.name);
  const folders = new Set([selection.resultsDir, COMMITTED_RESULTS]);
  const measurements = (await Promise.all(
    [...folders].map((folder) => readMeasurements(folder, names)),
  )).flat();
  const cells = suites.flatMap((suite) => buildMatrix(suite, selection));
  return estimateCost(
    cells,
    measurements,
    cluster,
    (shard) => groupCells(shard, selection.lockstep),
  );
}
