/**
 * Run plans: the file `plan --json` writes and `bench --plan FILE` (and `status --plan FILE`)
 * read, so that every node of a cluster runs the same cell list and the same split into shards,
 * whatever it sees. Without a plan, which suites a bench runs depends on the machine (a suite of
 * data the user supplies, CIFAR-10, is left out where its data is missing), so a login node and a
 * compute node could number the cells differently and two shards compute the same cell while
 * another is never computed.
 *
 * A plan names its selection (suites, profile, backend, variants, seeds), its shard count and
 * every cell with its configuration hash and shard. A run from a plan rebuilds the cells from the
 * suite files and refuses to start when they differ from the plan's (a suite file edited since),
 * rather than run a different split.
 *
 * @module
 */
import { z } from "zod";
import { parseJson } from "../json_input.ts";
import { describeIssue } from "../schema_errors.ts";
import { BACKEND_CHOICES } from "../engine/backend.ts";
import { UserError } from "../errors.ts";
import type { CellConfig } from "./cells.ts";
import { PROFILES } from "./suite.ts";

/** The `format` of a plan file. */
export const PLAN_FORMAT = "ganbench-plan";

/** One cell of a plan. */
const PlannedCellSchema = z.object({
  id: z.string(),
  suite: z.string(),
  profile: z.enum(PROFILES),
  dataset: z.string(),
  variant: z.string(),
  seed: z.int(),
  hash: z.string(),
  /** The scoring key (src/runner/cell_keys.ts): a stored result with another is re-scored. */
  scoreKey: z.string(),
  shard: z.int().min(0),
}).loose();

/** A plan file, as `plan --json` writes it (more fields are allowed and ignored). */
const RunPlanSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  suites: z.array(z.string()).min(1),
  profile: z.enum(PROFILES),
  backend: z.enum(BACKEND_CHOICES),
  variants: z.array(z.string()).min(1).optional(),
  seeds: z.array(z.int()).min(1).optional(),
  shards: z.int().min(1),
  /** `--lockstep` as `plan` was given it: a run from the plan trains with it unless told otherwise. */
  lockstep: z.int().min(1).optional(),
  cells: z.array(PlannedCellSchema).min(1),
}).loose();

/** A run plan: what `plan --json` prints and `--plan FILE` reads. */
export type RunPlan = z.infer<typeof RunPlanSchema>;

/** A plan file that cannot be used: unreadable, malformed, or stale (exit 1, one line). */
export class PlanError extends UserError {
  override name = "PlanError";
  override readonly code: string = "plan";
}

/** `<suite>/<profile>/<dataset>__<variant>__seed<n>`: a cell's id in plans and `status`. */
export function cellId(
  config: Pick<CellConfig, "suite" | "profile" | "dataset" | "variant" | "seed">,
): string {
  const c = config;
  return `${c.suite}/${c.profile}/${c.dataset}__${c.variant}__seed${c.seed}`;
}

/**
 * Reads and checks the plan file at `path`.
 *
 * @throws {PlanError} for a file that cannot be read, is not JSON, or is not a plan
 */
export async function readPlanFile(path: string): Promise<RunPlan> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new PlanError(`--plan: cannot read '${path}': ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new PlanError(`--plan: '${path}' is not a plan: ${(error as Error).message}`);
  }
  const parsed = RunPlanSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    throw new PlanError(
      `--plan: '${path}' is not a plan written by deno task plan --json: ${
        describeIssue(parsed.error.issues[0])
      }`,
    );
  }
  const plan = parsed.data;
  const wrong = plan.cells.findIndex((cell) => cell.shard >= plan.shards);
  if (wrong >= 0) {
    throw new PlanError(
      `--plan: '${path}': cells[${wrong}] is in shard ${
        plan.cells[wrong].shard
      }, but the plan has ${plan.shards} shards`,
    );
  }
  return plan;
}

/**
 * Checks that `cells` (the run's cells, rebuilt from the suite files, in order) are the plan's:
 * the same ids, in the same order, with the same configuration hashes.
 *
 * @throws {PlanError} naming the first difference, e.g. "the plan at 'p.json' no longer matches
 *   suites/: cell mixtures/quick/ring8__gan__seed0 has configuration hash 1a2b now, 9f8e in the
 *   plan (its suite changed since the plan was written); write a new plan with deno task plan
 *   --json"
 */
export function checkPlanCells(
  plan: RunPlan,
  path: string,
  cells: { id: string; hash: string; scoreKey: string }[],
): void {
  const stale = (what: string) =>
    new PlanError(
      `the plan at '${path}' no longer matches the suite files: ${what} (a suite changed since the plan was written); write a new plan with deno task plan --json`,
    );
  const planned = new Map(plan.cells.map((cell) => [cell.id, cell]));
  for (const [k, cell] of cells.entries()) {
    const hash = planned.get(cell.id)?.hash;
    if (hash === undefined) throw stale(`cell ${cell.id} is not in the plan`);
    if (hash !== cell.hash) {
      throw stale(`cell ${cell.id} has configuration hash ${cell.hash} now, ${hash} in the plan`);
    }
    const scoreKey = planned.get(cell.id)?.scoreKey;
    if (scoreKey !== cell.scoreKey) {
      throw stale(`cell ${cell.id} has scoring key ${cell.scoreKey} now, ${scoreKey} in the plan`);
    }
    if (plan.cells[k]?.id !== cell.id) {
      throw stale(`cell ${cell.id} is at position ${k} now, not where the plan has it`);
    }
  }
  if (cells.length !== plan.cells.length) {
    throw stale(`the plan has ${plan.cells.length} cells, the suites now give ${cells.length}`);
  }
}
