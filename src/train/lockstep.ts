/**
 * STUB of seeds in lockstep (issue #27), owned by the `lock` branch, which replaces this file with
 * the batched trainer: only its exports are settled here, so that the runner's groups compile and
 * are tested. Nothing here trains in lockstep: {@linkcode lockstepUnsupported} refuses every
 * configuration and {@linkcode trainLockstep} trains the group's elements one after another.
 *
 * @module
 */
import type { CellConfig } from "../runner/cells.ts";
import { train } from "./train.ts";
import type { TrainOptions, TrainOutcome } from "./trainer.ts";

/** Seeds trained together when the user does not say (`--lockstep` absent). */
export const LOCKSTEP_AUTO = 16;

/** Why cells of this configuration cannot train in lockstep (undefined when they can). Pure: config only. */
export function lockstepUnsupported(_config: CellConfig): string | undefined {
  return "lockstep training is not implemented yet";
}

/**
 * Trains each element as `TRAINERS.get("gan").train(group[i])` would, all in one batched model;
 * outcome i is group[i]'s. Calls evaluate/onProgress per element; at the end group[i].pair holds
 * seed i's final weights. (Stub: one after another.)
 */
export async function trainLockstep(group: TrainOptions[]): Promise<TrainOutcome[]> {
  const outcomes: TrainOutcome[] = [];
  for (const options of group) outcomes.push(await train(options));
  return outcomes;
}
