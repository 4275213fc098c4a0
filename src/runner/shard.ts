/**
 * Shards of a run's cell list, for array jobs on an existing engine (a Slurm job array, a
 * Kubernetes Indexed Job, a CI matrix): cell k of the run's deterministic cell list (suite,
 * dataset, variant, seed order) belongs to shard k mod N, so that shards differ in size by at most
 * one cell and each mixes variants. The assignment depends only on the cell list (the suite files,
 * the profile and the selection flags), never on `--jobs` or the backend.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** Shard `index` of `count` (index from 0 to count - 1). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `--shard I/N` (I from 0 to N - 1, so that `$SLURM_ARRAY_TASK_ID`,
 * `$JOB_COMPLETION_INDEX` or a matrix index passes straight in).
 *
 * @param text the option's value, e.g. "3/8"
 * @param flag the option's name, for messages
 * @returns the shard
 * @throws {UsageError} for a malformed value, N < 1, or I outside 0 to N - 1
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseShard } from "./shard.ts";
 * assert.deepEqual(parseShard("3/8"), { index: 3, count: 8 });
 * ```
 */
export function parseShard(text: string, flag = "--shard"): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new UsageError(
      `${flag} must be I/N, shard I of N with I from 0 to N-1 (e.g. 0/4), got '${text}'`,
    );
  }
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1) throw new UsageError(`${flag}: N must be at least 1, got '${text}'`);
  if (index >= count) {
    throw new UsageError(`${flag}: I must be from 0 to ${count - 1} (N-1), got '${text}'`);
  }
  return { index, count };
}

/**
 * The shard of the cell at `position` in a run's cell list, among `count` shards.
 *
 * @param position the cell's index in the run's whole cell list (from 0)
 * @param count the number of shards
 * @returns the shard index, `position mod count`
 */
export function shardOf(position: number, count: number): number {
  return position % count;
}

/**
 * The items of a run's list that belong to `shard`: those at positions `offset + k` with
 * `(offset + k) mod N = I`. `offset` is the position of `items[0]` in the run's whole list (a
 * bench's suites are consecutive parts of one list).
 *
 * @param items a consecutive part of the run's cell list
 * @param shard the shard to keep
 * @param offset the position of `items[0]` in the whole list
 * @returns the items of the shard, in order
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectShard } from "./shard.ts";
 * assert.deepEqual(selectShard(["a", "b", "c", "d", "e"], { index: 1, count: 2 }), ["b", "d"]);
 * assert.deepEqual(selectShard(["c", "d", "e"], { index: 1, count: 2 }, 2), ["d"]);
 * ```
 */
export function selectShard<T>(items: readonly T[], shard: Shard, offset = 0): T[] {
  return items.filter((_, k) => shardOf(offset + k, shard.count) === shard.index);
}
