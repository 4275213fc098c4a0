/**
 * The environment record stored with every result.
 *
 * @module
 */
import type { BackendInfo } from "../engine/backend.ts";
import { GANBENCH_VERSION } from "../version.ts";
import type { Environment } from "./store.ts";

/** `git status` over the checkout's tracked files, less the results folder. */
export const DIRTY_CHECK = [
  "status",
  "--porcelain",
  "--untracked-files=no",
  "--",
  ":(top)",
  ":(top,exclude)results",
];

/**
 * The git commit of the checkout, with `-dirty` when its code has changes; undefined outside git.
 * Changes under `results/` do not count: that folder holds runs' own output (committed results
 * that a run rewrites), not code, so a run in a checkout with committed results stays clean.
 */
export function gitCommit(): string | undefined {
  try {
    const run = (args: string[]) =>
      new TextDecoder().decode(
        new Deno.Command("git", { args, stderr: "null" }).outputSync().stdout,
      ).trim();
    const head = run(["rev-parse", "--short=12", "HEAD"]);
    if (!head) return undefined;
    return run(DIRTY_CHECK) ? `${head}-dirty` : head;
  } catch {
    return undefined;
  }
}

/** Describes this process's environment. */
export function describeEnvironment(backend: BackendInfo): Environment {
  return {
    backend,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    commit: gitCommit(),
    ganbench: GANBENCH_VERSION,
  };
}
