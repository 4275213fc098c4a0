/**
 * Comparing stored results in tests.
 *
 * @module
 */
import type { CellResult } from "../src/runner/store.ts";

/**
 * A result without what depends on the clock, the machine or how it was run (its `timing`, with
 * the lockstep group's size, `environment`, `finishedAt`, and the seconds of its curves and
 * evaluations): what must be equal bit for bit between two runs of one cell.
 */
export function trainedFigures(result: CellResult) {
  const { timing: _timing, environment: _environment, finishedAt: _finishedAt, ...rest } = result;
  return {
    ...rest,
    curves: rest.curves.map(({ seconds: _seconds, ...point }) => point),
    evals: rest.evals.map(({ seconds: _seconds, ...point }) => point),
  };
}
