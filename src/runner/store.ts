/**
 * The results store: one JSON file per cell, written atomically, read back with validation.
 * Layout: `<out>/<suite>/<profile>/cells/<dataset>__<variant>__seed<n>.json`.
 *
 * @module
 */
import { join, relative } from "node:path";
import { z } from "zod";
import type { BackendInfo } from "../engine/backend.ts";
import type { CurvePoint, EvalPoint, TrainStatus } from "../train/mod.ts";
import type { CellConfig } from "./cells.ts";
import type { ScoringConfig } from "./cell_keys.ts";
import { type CheckpointIndex, GENERATORS_FILE } from "./checkpoints.ts";
import { writeBytesAtomic, writeFileAtomic } from "../atomic_write.ts";
import { UserError, userErrorFromOs } from "../errors.ts";
import { JsonInputError, parseJson } from "../json_input.ts";

/** The environment a cell ran in. */
export interface Environment {
  backend: BackendInfo;
  deno: string;
  v8: string;
  typescript: string;
  os: string;
  arch: string;
  cpus: number;
  commit?: string;
  ganbench: string;
}

/** One cell's stored result. */
export interface CellResult {
  /** The training hash (cell_keys.ts); the full configuration hash in results written before. */
  hash: string;
  /** The scoring key (absent in results written before it: see `compareResult` in cell_keys.ts). */
  scoreKey?: string;
  /** What the scoring key covers, for telling which metrics changed. */
  scoring?: ScoringConfig;
  config: CellConfig;
  status: TrainStatus;
  /** "diverged at step N (D)" or undefined. */
  divergence?: { step: number; network: "D" | "G" };
  steps: number;
  /** Final figures: metrics at the last evaluation plus dynamics. Empty for a diverged run. */
  final: Record<string, number>;
  curves: CurvePoint[];
  evals: EvalPoint[];
  timing: {
    wallSeconds: number;
    trainSeconds: number;
    evalSeconds: number;
    stepsPerSecond: number;
    /**
     * How many seeds of its row trained with it in lockstep, as one batched model (absent: alone).
     * Not in the training hash: a cell trained in lockstep is the cell trained alone.
     */
    lockstep?: number;
  };
  /** For 2-D datasets: the first 500 generated points of the last evaluation, rounded to 1e-4. */
  samples?: number[][];
  /**
   * PNG pictures by name (sample grids `grid-stepNNNNNN`, `interpolation`, `arithmetic`), as run
   * produces them; {@linkcode writeResult} stores them beside the result and lists them in
   * `images` instead.
   */
  pictures?: Record<string, Uint8Array>;
  /** Stored pictures: name → path relative to the suite/profile folder. */
  images?: Record<string, string>;
  /** The classes of the vector-arithmetic row: A − B + C, and what the classifier calls it. */
  arithmetic?: { a: number; b: number; c: number; result: number };
  /**
   * The stored generators' file bytes, as run produces them; {@linkcode writeResult} stores them
   * beside the result and indexes them in `checkpoints` instead.
   */
  generators?: { bytes: Uint8Array; index: Omit<CheckpointIndex, "file"> };
  /** The index of the stored generators (checkpoints.ts), absent when none are kept. */
  checkpoints?: CheckpointIndex;
  /** Set when the scores were recomputed from the stored generators rather than by training. */
  rescored?: { at: string; seconds: number; commit?: string; steps: number[] };
  environment: Environment;
  finishedAt: string;
}

// Validates what a report relies on; the rest is carried through as written.
const StoredResult = z.looseObject({
  hash: z.string(),
  config: z.looseObject({
    suite: z.string(),
    profile: z.string(),
    dataset: z.string(),
    variant: z.string(),
    seed: z.int(),
    backend: z.string(),
  }),
  status: z.enum(["completed", "diverged", "time-limit"]),
  steps: z.int().nonnegative(),
  final: z.record(z.string(), z.number()),
  curves: z.array(z.looseObject({ step: z.number() })),
  evals: z.array(z.looseObject({ step: z.number(), metrics: z.record(z.string(), z.number()) })),
  timing: z.looseObject({ wallSeconds: z.number(), stepsPerSecond: z.number() }),
});

/** Raised for an unreadable or malformed result file; its message is one line. */
export class CorruptResultError extends UserError {
  override name = "CorruptResultError";
  override readonly code: string = "corrupt-result";
}

/** The folder of one suite's results at one profile. */
export function suiteDir(outDir: string, suite: string, profile: string): string {
  return join(outDir, suite, profile);
}

/** Where a cell's result lives. */
export function cellPath(
  outDir: string,
  config: Pick<CellConfig, "suite" | "profile" | "dataset" | "variant" | "seed">,
) {
  return join(
    suiteDir(outDir, config.suite, config.profile),
    "cells",
    `${config.dataset}__${config.variant}__seed${config.seed}.json`,
  );
}

// The store's writes are atomic; the helpers are shared with the report and `score --save-stats`.
export { writeBytesAtomic, writeFileAtomic };

/**
 * Stores a cell result: its pictures and generators first (under `cells/<cell>/`), then the
 * result file, which lists them; the result file is the commit point, so an interrupted write
 * leaves no result. Pictures of an earlier result of the cell that the new one does not list
 * (another budget's evaluation steps) are removed after it; a re-scored result keeps the
 * pictures it lists.
 */
export async function writeResult(outDir: string, result: CellResult): Promise<string> {
  const path = cellPath(outDir, result.config);
  const folder = path.slice(0, -".json".length);
  const { pictures, generators, ...stored } = result;
  const base = suiteDir(outDir, result.config.suite, result.config.profile);
  const written = new Set<string>(
    Object.values(stored.images ?? {}).map((file) => file.split("/").at(-1)!),
  );
  if (generators) {
    const file = join(folder, GENERATORS_FILE);
    await writeBytesAtomic(file, generators.bytes);
    stored.checkpoints = { file: relative(base, file), ...generators.index };
  }
  if (pictures) {
    written.clear();
    stored.images = {};
    for (const [name, bytes] of Object.entries(pictures)) {
      const file = join(folder, `${name}.png`);
      await writeBytesAtomic(file, bytes);
      stored.images[name] = relative(base, file);
      written.add(`${name}.png`);
    }
  }
  if (stored.checkpoints) written.add(GENERATORS_FILE);
  await writeFileAtomic(path, JSON.stringify(stored, null, 1) + "\n");
  await removeStalePictures(folder, written);
  return path;
}

/**
 * Removes the PNG files and stored generators of `folder` not in `keep` (and the folder, if that
 * empties it).
 */
async function removeStalePictures(folder: string, keep: Set<string>): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw userErrorFromOs(error, folder) ?? error;
  }
  const stale = entries.filter((e) =>
    e.isFile && (e.name.endsWith(".png") || e.name === GENERATORS_FILE) && !keep.has(e.name)
  );
  try {
    for (const entry of stale) await Deno.remove(join(folder, entry.name));
    if (stale.length === entries.length) await Deno.remove(folder);
  } catch (error) {
    throw userErrorFromOs(error, folder) ?? error;
  }
}

/** Parses and validates a stored result's text. */
export function parseResult(text: string, path: string): CellResult {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonInputError)) throw error;
    throw new CorruptResultError(`Corrupt result file '${path}': ${error.message}`);
  }
  const parsed = StoredResult.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptResultError(
      `Corrupt result file '${path}': ${issue.path.join(".") || "root"}: ${issue.message}`,
    );
  }
  return parsed.data as unknown as CellResult;
}

/**
 * The largest result file read: 64 MiB. A cell logs at most 100,000 curve points (about 300 bytes
 * each with per-network losses: 30 MB) and 500 sample points; a larger file is no result a run
 * wrote, and reading it whole would take gigabytes.
 */
export const MAX_RESULT_BYTES = 64 * 2 ** 20;

/** Reads a cell result, or undefined when there is none. */
export async function readResult(path: string): Promise<CellResult | undefined> {
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile || info.size > MAX_RESULT_BYTES) {
      throw new CorruptResultError(
        `Corrupt result file '${path}': ${
          info.isFile
            ? `it is ${info.size} bytes, more than a cell writes (${MAX_RESULT_BYTES})`
            : "it is not a regular file"
        }`,
      );
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (error instanceof CorruptResultError) throw error;
    // A fault of the disk or the path (a folder where the file should be, no permission) is no
    // corrupt result: stop rather than set the file aside.
    throw userErrorFromOs(error, path) ??
      new CorruptResultError(`Cannot read result file '${path}': ${(error as Error).message}`);
  }
  return parseResult(text, path);
}

/** Paths of every stored cell result of a suite/profile folder, sorted. */
export async function listResultFiles(dir: string): Promise<string[]> {
  const cellsDir = join(dir, "cells");
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(cellsDir)) {
      if (entry.isFile && entry.name.endsWith(".json")) files.push(join(cellsDir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw userErrorFromOs(error, cellsDir) ?? error;
  }
  return files.sort();
}

/** The suite/profile folders under a results root that hold cell results, as [suite, profile]. */
export async function listSuiteDirs(outDir: string): Promise<[string, string][]> {
  const found: [string, string][] = [];
  const children = async (dir: string) => {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(e.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw userErrorFromOs(error, dir) ?? error;
    }
    return names.sort();
  };
  for (const suite of await children(outDir)) {
    for (const profile of await children(join(outDir, suite))) {
      if ((await listResultFiles(join(outDir, suite, profile))).length) {
        found.push([suite, profile]);
      }
    }
  }
  return found;
}
