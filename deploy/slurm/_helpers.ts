/**
 * What the Slurm tests share: running a program from the repository root, and submit.sh with the
 * options every test gives it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type CliRun, runCommand } from "../../testing/cli.ts";

/** The repository root, where submit.sh and the jobs run. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** What a program printed and its exit code. */
export type Run = CliRun;

/** Runs `args` from the repository root with `env` added. */
export function sh(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCommand(args[0], args.slice(1), env);
}

/** What {@linkcode submitShards} passes to submit.sh besides its own arguments. */
export interface SubmitOptions {
  /** --results */
  results: string;
  /** --sbatch: the options every sbatch call gets */
  sbatch: string;
  /** the suite selection after `--` (none for --resubmit) */
  selection: string[];
  /** added to the environment */
  env: Record<string, string>;
}

/**
 * Runs `deploy/slurm/submit.sh --shards 4 --results R --sbatch S ...args -- ...selection` (no
 * `--` and selection when `args` has --resubmit).
 */
export function submitShards(args: string[], options: SubmitOptions): Promise<Run> {
  const { results, sbatch, selection, env } = options;
  const command = ["deploy/slurm/submit.sh", "--shards", "4", "--results", results];
  const tail = args.includes("--resubmit") ? [] : ["--", ...selection];
  return sh([...command, "--sbatch", sbatch, ...args, ...tail], env);
}
