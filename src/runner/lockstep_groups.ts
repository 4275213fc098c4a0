/**
 * Seeds in lockstep, as the runner plans them: the cells to train of one row (the same suite,
 * profile, dataset, variant and backend; only the seed differs) go in groups of up to S cells,
 * each group trained as one batched model in one worker (`runCellGroup`, run_cell.ts). S is
 * `--lockstep` (default: `lockstepAuto`, per architecture) where the row's configuration can train in
 * lockstep (`lockstepUnsupported`, train/lockstep.ts), else 1. Grouping changes no cell's
 * configuration: its training hash and scoring key are those of the cell trained alone.
 *
 * @module
 */
import { lockstepAuto, lockstepUnsupported } from "../train/lockstep.ts";
import type { Cell, CellConfig } from "./cells.ts";

/** Why a configuration cannot train in lockstep (undefined when it can): `lockstepUnsupported`, or a test's stand-in. */
export type LockstepCheck = (config: CellConfig) => string | undefined;

/**
 * How many cells of `config`'s row train together.
 *
 * @param requested `--lockstep` (default `lockstepAuto(config)`: 16, or the architecture's own;
 *   1 turns lockstep off)
 * @param check whether the configuration can train in lockstep (default `lockstepUnsupported`)
 * @returns `requested` where `check` accepts the configuration, else 1
 */
export function lockstepSize(
  config: CellConfig,
  requested?: number,
  check: LockstepCheck = lockstepUnsupported,
): number {
  const size = requested ?? lockstepAuto(config);
  return size > 1 && check(config) === undefined ? size : 1;
}

/** The row of a cell: what the cells of one lockstep group share (all but the seed). */
export function rowKey(
  config: Pick<CellConfig, "suite" | "profile" | "dataset" | "variant" | "backend">,
): string {
  const c = config;
  return `${c.suite}/${c.profile}/${c.dataset}/${c.variant}/${c.backend}`;
}

/**
 * `items` in lockstep groups: those of one row (`row`) in the order given, up to `size` of the
 * row per group; the groups in the order of their first item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockstepGroups } from "./lockstep_groups.ts";
 * const cells = ["a0", "b0", "a1", "a2", "b1"];
 * assert.deepEqual(lockstepGroups(cells, (c) => c[0], () => 2), [["a0", "a1"], ["b0", "b1"], ["a2"]]);
 * ```
 */
export function lockstepGroups<T>(
  items: readonly T[],
  row: (item: T) => string,
  size: (item: T) => number,
): T[][] {
  const groups: T[][] = [];
  const open = new Map<string, T[]>();
  for (const item of items) {
    const key = row(item);
    let group = open.get(key);
    if (!group || group.length >= size(item)) {
      group = [];
      groups.push(group);
      open.set(key, group);
    }
    group.push(item);
  }
  return groups;
}

/**
 * The cells of `cells` in lockstep groups: a row's cells as {@linkcode lockstepSize} says, each
 * other cell alone.
 */
export function groupCells(
  cells: readonly Cell[],
  requested?: number,
  check?: LockstepCheck,
): Cell[][] {
  const sizes = new Map<string, number>();
  const size = (cell: Cell) => {
    const key = rowKey(cell.config);
    if (!sizes.has(key)) sizes.set(key, lockstepSize(cell.config, requested, check));
    return sizes.get(key)!;
  };
  return lockstepGroups(cells, (cell) => rowKey(cell.config), size);
}

/** "ring8 nsgan seeds 0-3, 8": a group's row and seeds (consecutive seeds as a range). */
export function describeGroup(cells: readonly Cell[]): string {
  const { dataset, variant } = cells[0].config;
  const seeds = cells.map((cell) => cell.config.seed).sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < seeds.length;) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1) j++;
    ranges.push(j > i ? `${seeds[i]}-${seeds[j]}` : `${seeds[i]}`);
    i = j + 1;
  }
  return `${dataset} ${variant} seed${seeds.length > 1 ? "s" : ""} ${ranges.join(", ")}`;
}
