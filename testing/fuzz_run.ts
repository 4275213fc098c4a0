/**
 * Runs a case of the fuzz corpus (testing/fuzz_corpus.ts) through a command-line runner and says
 * what, if anything, it answered wrongly: the exit code, the single stderr line, the time.
 *
 * @module
 */
import type { CliRun } from "./cli.ts";
import type { FuzzCase } from "./fuzz_corpus.ts";

/** The most seconds a case may take, as the standard says (< 10 s). */
export const MAX_CASE_SECONDS = 10;

/** The outcome of one case: what went wrong (empty when nothing did) and the time it took. */
export interface CaseOutcome {
  problems: string[];
  seconds: number;
  run: CliRun;
}

/**
 * Runs `fuzzCase` with `run` and checks its answer; `startup` is the seconds the runner takes to
 * start the command line at all (a subprocess on a loaded machine), not counted against the case.
 */
export async function runCase(
  fuzzCase: FuzzCase,
  startup: number,
  run: (args: string[]) => Promise<CliRun>,
): Promise<CaseOutcome> {
  const started = performance.now();
  const result = await run(fuzzCase.args);
  const seconds = (performance.now() - started) / 1000;
  const problems: string[] = [];
  if (result.code !== fuzzCase.code) {
    problems.push(`exit ${result.code}, expected ${fuzzCase.code}: ${result.stderr.slice(0, 300)}`);
  }
  if (fuzzCase.stderr) {
    const lines = result.stderr.trim().split("\n").filter((line) => !/warning:/.test(line));
    const matching = lines.filter((line) => fuzzCase.stderr!.test(line));
    if (!fuzzCase.shared && lines.length !== 1) {
      problems.push(`${lines.length} stderr lines: ${result.stderr.slice(0, 400)}`);
    } else if (matching.length !== 1) {
      problems.push(
        `${matching.length} stderr lines match ${fuzzCase.stderr}: ${result.stderr.slice(0, 400)}`,
      );
    }
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(result.stderr)) {
      problems.push("stderr holds raw control bytes");
    }
  }
  // A shared run answers many cases at once; its time is not one case's.
  if (!fuzzCase.shared && seconds - startup > MAX_CASE_SECONDS) {
    problems.push(`took ${seconds.toFixed(1)} s, ${startup.toFixed(1)} s of it start-up`);
  }
  try {
    await fuzzCase.after?.();
  } catch (error) {
    problems.push((error as Error).message);
  }
  return { problems, seconds, run: result };
}
