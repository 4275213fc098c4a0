/**
 * Runs ganbench's command line in a subprocess, as a user would, for the end-to-end tests.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

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

async function runEntry(entry: string, args: string[]): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(new URL(entry, import.meta.url)), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
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
