/**
 * Runs ganbench's command line in a subprocess, as a user would, for the end-to-end tests.
 *
 * @module
 */
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/** What a command-line run printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A src/cli.ts ...args` from the repository root, without colours. */
export async function cli(...args: string[]): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "src/cli.ts"), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
