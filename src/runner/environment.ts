/**
 * The environment record stored with every result.
 *
 * @module
 */
import type { BackendInfo } from "../engine/backend.ts";
import { GANBENCH_VERSION } from "../version.ts";
import type { Environment } from "./store.ts";

/** The git commit of the checkout, with `-dirty` when it has changes; undefined outside git. */
export function gitCommit(): string | undefined {
  try {
    const run = (args: string[]) =>
      new TextDecoder().decode(
        new Deno.Command("git", { args, stderr: "null" }).outputSync().stdout,
      ).trim();
    const head = run(["rev-parse", "--short=12", "HEAD"]);
    if (!head) return undefined;
    return run(["status", "--porcelain", "--untracked-files=no"]) ? `${head}-dirty` : head;
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
