/**
 * `plan` and `status`: what a run's cells are, which shard each belongs to, and which are stored,
 * running, failed or missing in a results folder, read from the files alone (nothing is moved or
 * written, so they are safe to run beside the shards of an array job).
 *
 * @module
 */
import { basename } from "node:path";
import { type BackendChoice, initBackend } from "../engine/backend.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { compareResult } from "./cell_keys.ts";
import { probeClaim } from "./claim.ts";
import { cellId, PLAN_FORMAT, type RunPlan } from "./plan_file.ts";
import { shardOf } from "./shard.ts";
import { type LockstepCheck, lockstepGroups, lockstepSize } from "./lockstep_groups.ts";
import { cellPath, CorruptResultError, readResult } from "./store.ts";
import type { Profile, Suite } from "./suite.ts";

/**
 * A cell's state in a results folder: `stored` (a result with the cell's training hash and scoring
 * key), `rescore` (a result of the same training with other metrics, and its generators stored: a
 * run re-scores it without training), `running` (a process holds its claim), `failed` (its last
 * run failed or was killed, or its result file is corrupt) or `missing` (never computed, or
 * stored with another training, or with other metrics and no stored generator: a run trains it).
 */
export type CellState = "stored" | "rescore" | "running" | "failed" | "missing";

/** One cell of a run, where it stands. */
export interface SurveyedCell {
  /** `<suite>/<profile>/<dataset>__<variant>__seed<n>`: its result file under the results folder. */
  id: string;
  suite: string;
  profile: string;
  dataset: string;
  variant: string;
  seed: number;
  /** The training hash a stored result must have. */
  hash: string;
  /** The scoring key a stored result must have to need no re-scoring. */
  scoreKey: string;
  /** The shard it belongs to, of {@linkcode Survey.shards}. */
  shard: number;
  state: CellState;
  /** One line about the state: who runs it, why it failed, what is stored instead. */
  detail?: string;
  /** How many seeds of its row train together when it trains (absent: alone; see lockstep_groups.ts). */
  lockstep?: number;
}

/** Every cell of a run and where it stands. */
export interface Survey {
  /** The suites as they were named (names in suites/ or paths), in the run's order. */
  suites: string[];
  profile: Profile;
  variants?: string[];
  seeds?: number[];
  resultsDir: string;
  /** The backend the cells' configurations name. */
  backend: string;
  shards: number;
  /** `--lockstep`, when given. */
  lockstep?: number;
  cells: SurveyedCell[];
}

/** Which cells a survey covers: the selection flags of `bench` / `suite`, and the shard count. */
export interface SurveyOptions {
  profile: Profile;
  backend: BackendChoice;
  variants?: string[];
  seeds?: number[];
  /** Folder of the stored results. */
  resultsDir: string;
  /** How many shards the run is split into (default 1). */
  shards?: number;
  /** How the suites were named (names or paths); default: their names. */
  suiteNames?: string[];
  /** Seeds of a row trained together (`--lockstep`; see lockstep_groups.ts). */
  lockstep?: number;
  /** Whether a configuration can train in lockstep (default `lockstepUnsupported`; for tests). */
  lockstepCheck?: LockstepCheck;
}

/** Where one cell stands in `resultsDir`. */
async function cellState(
  resultsDir: string,
  cell: Cell,
): Promise<{ state: CellState; detail?: string }> {
  const path = cellPath(resultsDir, cell.config);
  let note: string | undefined;
  try {
    const stored = await readResult(path);
    const standing = compareResult(stored, cell);
    if (standing === "current") return { state: "stored" };
    if (standing === "stale" && stored?.checkpoints) {
      return {
        state: "rescore",
        detail: "stored with other metrics: re-scored from its stored generators, not trained",
      };
    }
    if (standing === "stale") {
      note =
        "stored with other metrics and no stored generator (computed before generators were kept): it will be trained again";
    } else if (stored) {
      note =
        `a result with another configuration is stored (hash ${stored.hash}, backend ${stored.config.backend}); it will be recomputed`;
    }
  } catch (error) {
    if (!(error instanceof CorruptResultError)) throw error;
    return { state: "failed", detail: error.message };
  }
  const claim = await probeClaim(path);
  const info = claim.state !== "none" ? claim.info : undefined;
  const owner = info
    ? `${info.host} pid ${info.pid} since ${info.since}${
      info.group ? ` (in lockstep group ${info.group})` : ""
    }`
    : "an unknown process";
  if (claim.state === "held") return { state: "running", detail: `running on ${owner}` };
  if (claim.state === "left") {
    return {
      state: "failed",
      detail: claim.info?.error
        ? `failed on ${owner}: ${claim.info.error}`
        : `interrupted: started on ${owner}, which ended without storing it`,
    };
  }
  return { state: "missing", ...(note ? { detail: note } : {}) };
}

/**
 * Lists every cell that `bench` (several suites) or `suite` (one) would run with these options, in
 * the run's order, with its shard (cell k goes to shard k mod N) and its state in
 * `options.resultsDir`. The backend is part of each cell's configuration hash: a named one is
 * taken as it is (it need not run here: a login node may lack the compute nodes' GPU), `auto` is
 * resolved as a run here would.
 */
export async function surveyRun(suites: Suite[], options: SurveyOptions): Promise<Survey> {
  const backend = options.backend === "auto" ? (await initBackend("auto")).name : options.backend;
  const shards = options.shards ?? 1;
  const cells: SurveyedCell[] = [];
  for (const suite of suites) {
    const matrix = buildMatrix(suite, {
      profile: options.profile,
      variants: options.variants,
      seeds: options.seeds,
      backend,
    });
    for (const cell of matrix) {
      const c = cell.config;
      const lockstep = lockstepSize(c, options.lockstep, options.lockstepCheck);
      cells.push({
        id: cellId(c),
        suite: c.suite,
        profile: c.profile,
        dataset: c.dataset,
        variant: c.variant,
        seed: c.seed,
        hash: cell.hash,
        scoreKey: cell.scoreKey,
        shard: shardOf(cells.length, shards),
        ...await cellState(options.resultsDir, cell),
        ...(lockstep > 1 ? { lockstep } : {}),
      });
    }
  }
  return {
    suites: options.suiteNames ?? suites.map((suite) => suite.name),
    profile: options.profile,
    ...(options.variants ? { variants: options.variants } : {}),
    ...(options.seeds ? { seeds: options.seeds } : {}),
    resultsDir: options.resultsDir,
    backend,
    shards,
    ...(options.lockstep ? { lockstep: options.lockstep } : {}),
    cells,
  };
}

/**
 * The cells of a run plan (see plan_file.ts) and where they stand in `resultsDir`, from the plan
 * alone: no suite file is read, so it answers also where a suite's cells could not be rebuilt
 * alike (a merge job without a suite's data). A run from the plan checks the suite files.
 */
export async function surveyPlan(plan: RunPlan, resultsDir: string): Promise<Survey> {
  const cells: SurveyedCell[] = [];
  for (const { id, suite, profile, dataset, variant, seed, hash, scoreKey, shard } of plan.cells) {
    const cell = { hash, scoreKey, config: { suite, profile, dataset, variant, seed } } as Cell;
    cells.push({
      id,
      suite,
      profile,
      dataset,
      variant,
      seed,
      hash,
      scoreKey,
      shard,
      ...await cellState(resultsDir, cell),
    });
  }
  return {
    suites: plan.suites,
    profile: plan.profile,
    ...(plan.variants ? { variants: plan.variants } : {}),
    ...(plan.seeds ? { seeds: plan.seeds } : {}),
    resultsDir,
    backend: plan.backend,
    shards: plan.shards,
    cells,
  };
}

/** Counts of cells by state. */
export function countStates(cells: SurveyedCell[]): Record<CellState, number> {
  const counts: Record<CellState, number> = {
    stored: 0,
    rescore: 0,
    running: 0,
    failed: 0,
    missing: 0,
  };
  for (const cell of cells) counts[cell.state]++;
  return counts;
}

/**
 * The shards to resubmit: those with a failed or missing cell and no running one (a shard whose
 * task holds a claim is still at work, and will reach its other cells).
 */
export function shardsToResubmit(survey: Survey): number[] {
  const running = new Set(survey.cells.filter((c) => c.state === "running").map((c) => c.shard));
  const wanted = new Set(
    survey.cells.filter((c) => c.state !== "stored" && c.state !== "running").map((c) => c.shard),
  );
  return [...wanted].filter((shard) => !running.has(shard)).sort((a, b) => a - b);
}

/** What a run does per suite/profile: how many cells are stored, only re-score, and train. */
export interface SuiteCounts {
  suite: string;
  profile: string;
  stored: number;
  rescore: number;
  train: number;
  running: number;
}

/** The counts of {@linkcode SuiteCounts}, per suite/profile in the run's order. */
export function suiteCounts(cells: SurveyedCell[]): SuiteCounts[] {
  const bySuite = new Map<string, SuiteCounts>();
  for (const cell of cells) {
    const id = `${cell.suite}/${cell.profile}`;
    const counts = bySuite.get(id) ??
      { suite: cell.suite, profile: cell.profile, stored: 0, rescore: 0, train: 0, running: 0 };
    bySuite.set(id, counts);
    if (cell.state === "stored" || cell.state === "rescore" || cell.state === "running") {
      counts[cell.state]++;
    } else counts.train++;
  }
  return [...bySuite.values()];
}

/** The cells a run trains (not stored, re-scored or running elsewhere). */
function toTrain(cell: SurveyedCell): boolean {
  return cell.state === "missing" || cell.state === "failed";
}

/** How the cells a run trains go in lockstep groups: per shard, a row's up to its `lockstep`. */
export interface LockstepCounts {
  /** Groups of more than one cell. */
  groups: number;
  /** The cells in them. */
  cells: number;
  /** The largest group's cells (0 without groups). */
  largest: number;
  /** The cells to train alone. */
  alone: number;
}

/** The {@linkcode LockstepCounts} of the cells `survey` trains, as each shard's run groups them. */
export function lockstepCounts(cells: SurveyedCell[]): LockstepCounts {
  const groups = lockstepGroups(
    cells.filter(toTrain),
    (cell) => `${cell.shard} ${cell.suite}/${cell.profile}/${cell.dataset}/${cell.variant}`,
    (cell) => cell.lockstep ?? 1,
  );
  const together = groups.filter((group) => group.length > 1);
  const grouped = together.reduce((sum, group) => sum + group.length, 0);
  return {
    groups: together.length,
    cells: grouped,
    largest: Math.max(0, ...together.map((group) => group.length)),
    alone: groups.length - together.length,
  };
}

/** One line per suite/profile: "mixtures/quick: 80 cells: 72 stored, 8 re-score only, 0 train". */
function suiteLines(cells: SurveyedCell[]): string[] {
  return suiteCounts(cells).map(({ suite, profile, stored, rescore, train, running }) =>
    `${suite}/${profile}: ${
      stored + rescore + train + running
    } cells: ${stored} stored, ${rescore} re-score only, ${train} train${
      running ? `, ${running} running` : ""
    }`
  );
}

/** Pads the columns of `rows` (the last one left as it is). */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i])).join("  ")
      .trimEnd()
  );
}

/** A cell's file name, as `plan` lists it. */
function fileName(cell: SurveyedCell): string {
  return basename(cell.id);
}

/**
 * The run plan of `survey` (see plan_file.ts): its selection, shard count and cells, each with
 * its configuration hash, shard and whether it is stored now.
 */
export function runPlanOf(survey: Survey): RunPlan {
  return {
    format: PLAN_FORMAT,
    suites: survey.suites,
    profile: survey.profile,
    backend: survey.backend as BackendChoice,
    ...(survey.variants ? { variants: survey.variants } : {}),
    ...(survey.seeds ? { seeds: survey.seeds } : {}),
    shards: survey.shards,
    resultsDir: survey.resultsDir,
    counts: suiteCounts(survey.cells),
    ...(survey.lockstep ? { lockstep: survey.lockstep } : {}),
    lockstepGroups: lockstepCounts(survey.cells),
    cells: survey.cells.map(({ state, detail: _, ...cell }) => ({
      ...cell,
      profile: cell.profile as Profile,
      stored: state === "stored",
      rescore: state === "rescore",
    })),
  };
}

/**
 * `plan`'s output: every cell with its shard and whether it is stored, then a summary line; with
 * `json`, the run plan (see {@linkcode runPlanOf}), which `bench --plan FILE` runs.
 */
export function renderPlan(survey: Survey, json = false): string {
  if (json) return JSON.stringify(runPlanOf(survey));
  const rows = [
    ["suite", "profile", "cell", "shard", "stored"],
    ...survey.cells.map((cell) => [
      cell.suite,
      cell.profile,
      fileName(cell),
      String(cell.shard),
      cell.state === "stored" ? "yes" : cell.state === "rescore" ? "re-score" : "no",
    ]),
  ];
  const counts = countStates(survey.cells);
  const stored = counts.stored;
  const total = survey.cells.length;
  // Shard sizes: k mod N gives each shard floor(total / N) cells or one more.
  const [least, most] = [Math.floor(total / survey.shards), Math.ceil(total / survey.shards)];
  const shardLine = survey.shards > 1
    ? `; ${survey.shards} shards of ${
      least === most ? least : `${least}-${most}`
    } cells (--shard I/${survey.shards}, I from 0 to ${survey.shards - 1})`
    : "";
  const lockstep = lockstepCounts(survey.cells);
  return [
    ...columns(rows),
    "",
    ...suiteLines(survey.cells),
    `${total} cells (backend ${survey.backend}), ${stored} stored under ${survey.resultsDir}/, ${
      total - stored
    } to compute${shardLine}`,
    ...(lockstep.groups
      ? [
        `lockstep: ${lockstep.cells} cells to train in ${lockstep.groups} group${
          lockstep.groups > 1 ? "s" : ""
        } of up to ${lockstep.largest} seeds of a row (one batched model each), ${lockstep.alone} alone`,
      ]
      : []),
  ].join("\n");
}

/**
 * `status`'s output: a count of the cells by state, each cell not stored with its state, shard and
 * detail, and the shards to resubmit; with `json`, one JSON object (`{"shards", "counts",
 * "resubmit", "cells": [the cells not stored]}`); with `indices`, only the shards to resubmit,
 * comma-separated, as `sbatch --array` takes them.
 */
export function renderStatus(
  survey: Survey,
  format: { json?: boolean; indices?: boolean } = {},
): string {
  const counts = countStates(survey.cells);
  const resubmit = shardsToResubmit(survey);
  const open = survey.cells.filter((cell) => cell.state !== "stored");
  if (format.indices) return resubmit.join(",");
  if (format.json) {
    return JSON.stringify({
      resultsDir: survey.resultsDir,
      backend: survey.backend,
      shards: survey.shards,
      total: survey.cells.length,
      counts,
      suites: suiteCounts(survey.cells),
      resubmit,
      cells: open,
    });
  }
  const total = survey.cells.length;
  const lines = [
    `${total} cells (backend ${survey.backend}) under ${survey.resultsDir}/: ${counts.stored} stored, ${counts.rescore} to re-score, ${counts.running} running, ${counts.failed} failed, ${counts.missing} missing`,
    ...suiteLines(survey.cells).map((line) => `  ${line}`),
  ];
  if (!open.length) return lines.join("\n");
  const order: CellState[] = ["failed", "missing", "rescore", "running"];
  const sorted = order.flatMap((state) => open.filter((cell) => cell.state === state));
  lines.push(
    ...columns(sorted.map((cell) => [
      `  ${cell.state}`,
      cell.id,
      `shard ${cell.shard}`,
      cell.detail ?? "",
    ])),
  );
  lines.push(
    resubmit.length
      ? `shards to resubmit (of ${survey.shards}): ${resubmit.join(",")}`
      : `nothing to resubmit: every cell not stored is running`,
  );
  return lines.join("\n");
}
