/**
 * Runs ganbench's command line for the end-to-end tests: in a subprocess, as a user would
 * ({@linkcode cli}, {@linkcode tinyCli}), or through `main()` in the test's own process
 * ({@linkcode runMain}).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunPlan } from "../src/runner/plan_file.ts";

/** The repository root, where the command line runs. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** The test-only suite of `tiny/`, runnable only through {@linkcode tinyCli}. */
export const TINY_SUITE: string = fileURLToPath(new URL("./tiny/tiny.json", import.meta.url));

/** What a command-line run printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runEntry(entry: string, args: string[]): Promise<CliRun> {
  return runDeno(["run", "-A", fileURLToPath(new URL(entry, import.meta.url)), ...args]);
}

/**
 * Runs `deno ...args` from the repository root, without colours, with `env` added to this
 * process's environment.
 */
export function runDeno(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCommand(Deno.execPath(), args, env);
}

/**
 * Runs `command ...args` from the repository root, without colours, with `env` added to this
 * process's environment.
 */
export async function runCommand(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const output = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Runs `deno run -A src/cli.ts ...args` from the repository root, without colours. */
export function cli(...args: string[]): Promise<CliRun> {
  return runEntry("../src/cli.ts", args);
}

/**
 * Runs the command line with the test-only `tiny-*` datasets and variants registered (see
 * `tiny/register.ts`). They exist in the main thread only, so runs of {@linkcode TINY_SUITE} must
 * pass `--jobs 1`.
 */
export function tinyCli(...args: string[]): Promise<CliRun> {
  return runEntry("./tiny/main.ts", args);
}

/**
 * Runs `main(args)` of src/cli.ts in this process with console output captured (log and info as
 * stdout, error and warn as stderr, as a terminal shows them), so that entries
 * registered by the test (e.g. `tiny/register.ts`) are visible; runs that train need `--jobs 1`.
 * src/cli.ts is imported on first use, so the subprocess runners above do not load it.
 */
export async function runMain(...args: string[]): Promise<CliRun> {
  const { main } = await import("../src/cli.ts");
  const stdout: string[] = [], stderr: string[] = [];
  const { log, info, error, warn } = console;
  console.log = console.info = (...parts: unknown[]) => stdout.push(parts.join(" "));
  console.error = console.warn = (...parts: unknown[]) => stderr.push(parts.join(" "));
  try {
    const code = await main(args);
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
  } finally {
    Object.assign(console, { log, info, error, warn });
  }
}

/**
 * {@linkcode runMain} with the test-only `tiny-*` entries of `tiny/register.ts` registered in this
 * process first: what {@linkcode tinyCli} runs, less a Deno start-up. Runs that train need
 * `--jobs 1`.
 */
export async function tinyMain(...args: string[]): Promise<CliRun> {
  await import("./tiny/register.ts");
  return runMain(...args);
}

/**
 * Writes the run plan of `suite` (default the tiny suite) at profile smoke on the cpu backend in 3
 * shards (`plan SUITE ... --shards 3 --json`, in this process) to `dir/plan.json`, with `dir/results`
 * as its results folder; returns the file's path and the plan. Throws when `plan` fails.
 */
export async function writeTinyPlan(
  dir: string,
  suite: string = TINY_SUITE,
): Promise<{ path: string; plan: RunPlan }> {
  const args = ["--profile", "smoke", "--backend", "cpu", "--shards", "3", "--json"];
  const planned = await tinyMain("plan", suite, ...args, "--results", join(dir, "results"));
  if (planned.code !== 0) throw new Error(`plan failed: ${planned.stderr}`);
  const path = join(dir, "plan.json");
  await Deno.writeTextFile(path, planned.stdout);
  return { path, plan: JSON.parse(planned.stdout) };
}
