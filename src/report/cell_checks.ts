/**
 * What `report` checks of a stored cell before it counts: the schema (src/runner/store.ts) says a
 * file has the right fields; these checks say it belongs where it lies and holds figures a run
 * could produce. A cell that fails one is named in one line and left out of its leaderboard, and
 * the leaderboard counts what it left out:
 *
 * - its file name and folder are its config's (`<dataset>__<variant>__seed<n>.json` under
 *   `<suite>/<profile>/cells/`): a copy (`…seed0 (copy).json`), a renamed file or a cell of another
 *   suite is no cell of this one;
 * - its hash is its config's (the training hash of src/runner/cell_keys.ts, or the one hash of the
 *   whole config that results written before the split carry): an edited config is no result of it;
 * - a cell that did not diverge holds final figures, among them the suite's primary figure;
 * - every final figure is finite and within the range its metric declares, and within
 *   {@linkcode FIGURE_RANGES} for the keys a metric stores without declaring them as figures;
 * - its curves are a list of points with a finite step (and finite values, unless it diverged),
 *   no longer than a suite may log ({@linkcode SUITE_LIMITS}.curvePoints).
 *
 * @module
 */
import { basename } from "node:path";
import { allFigures, type Figure } from "../metrics/mod.ts";
import { legacyHash, trainingHash } from "../runner/cell_keys.ts";
import type { CellResult } from "../runner/store.ts";
import { SUITE_LIMITS } from "../runner/suite.ts";

/**
 * Ranges by key pattern, [pattern, least, most, whole numbers only], for what a figure's declared
 * `range` does not say: the keys metrics store without declaring them as figures (per-class FIDs,
 * spreads, the extractor-suffixed image figures) and that counts are whole numbers. A value must
 * pass both its declared bounds and any entry here.
 */
export const FIGURE_RANGES: readonly [RegExp, number, number, boolean][] = [
  // Shares and 0/1 flags.
  [/^modes\.(hq|mass|collapse)$/, 0, 1, false],
  [/^dirac\.converged$/, 0, 1, false],
  [/^images\.(precision|recall|coverage|accuracy)\[/, 0, 1, false],
  [/^translation\.(accuracy|accuracy-f|mass)$/, 0, 1, false],
  // Counts.
  [/^modes\.covered$/, 0, Number.MAX_SAFE_INTEGER, true],
  [/^translation\.modes$/, 0, Number.MAX_SAFE_INTEGER, true],
  [/^stacked-modes\.covered$/, 0, 1000, true],
  // The Inception Score is exp(E KL(p(y|x) ‖ p(y))) >= 1.
  [/^images\.is\[/, 1, Infinity, false],
  // KID is an unbiased MMD² estimate: it may fall slightly below 0, so only finiteness is checked.
  [/^images\.kid\[/, -Infinity, Infinity, false],
  // Distances, divergences, errors, oscillation indices and ratios.
  [
    /^(modes\.kl|stacked-modes\.kl|dirac\.(distance|window_min|window_max)|images\.(fid|class-fid|density)\[|translation\.(gt-error|gt-error-f|fid\[|cycle|identity)|dyn\.)/,
    0,
    Infinity,
    false,
  ],
];

/** Where a cell lies: its results folder's suite and profile. */
export interface CellPlace {
  suite: string;
  profile: string;
  /** The suite's primary figure, when its suite.json names one. */
  primary?: string;
}

/**
 * Why figure `key` = `value` is out of its range, or undefined when it is in it (or unknown).
 *
 * @param final the result's figures, for a bound that names another key
 * @param figures the declared figures, built once by a caller that checks many values
 */
export function figureRangeProblem(
  key: string,
  value: number,
  final?: Record<string, number>,
  figures: Map<string, Figure> = allFigures(),
): string | undefined {
  if (!Number.isFinite(value)) return `${key} is ${value}`;
  const bounds = figures.get(key)?.bounds;
  const low = bounds?.min ?? -Infinity;
  // A bound may name the key of the same result that holds it (modes covered <= modes.total).
  const high = typeof bounds?.max === "string" ? final?.[bounds.max] : bounds?.max;
  if (value < low || (high !== undefined && value > high)) {
    const named = typeof bounds?.max === "string" ? ` = ${bounds.max}` : "";
    return `${key} = ${value} is outside its range (${Number.isFinite(low) ? low : "-∞"} to ${
      high ?? "∞"
    }${named})`;
  }
  const range = FIGURE_RANGES.find(([pattern]) => pattern.test(key));
  if (!range) return undefined;
  const [, least, most, whole] = range;
  if (value < least || value > most || (whole && !Number.isInteger(value))) {
    const bounds = `${Number.isFinite(least) ? least : "-∞"} to ${
      Number.isFinite(most) ? most : "∞"
    }`;
    return `${key} = ${value} is outside its range (${whole ? "whole numbers " : ""}${bounds})`;
  }
  return undefined;
}

/** Why the curve of `result` cannot be drawn or trusted, or undefined. */
function curveProblem(result: CellResult): string | undefined {
  const curves = result.curves as unknown[];
  if (curves.length > SUITE_LIMITS.curvePoints) {
    return `its curve holds ${curves.length} points, more than a suite logs (${SUITE_LIMITS.curvePoints})`;
  }
  for (const [i, point] of curves.entries()) {
    const values = Object.entries(point as Record<string, unknown>);
    const bad = values.find(([key, value]) =>
      key === "step"
        ? !(Number.isInteger(value) && (value as number) >= 0)
        : value === null
        ? result.status !== "diverged"
        : typeof value === "number" && !Number.isFinite(value)
    );
    if (bad) return `curve point ${i} has ${bad[0]} = ${JSON.stringify(bad[1])}`;
  }
  return undefined;
}

/**
 * Why the cell `result`, read from `path` in the results folder of `place`, is left out of the
 * report, or undefined when it counts. Checks in the order a reader would look: where it lies,
 * its hash, its figures, its curves.
 */
export function cellProblem(
  result: CellResult,
  path: string,
  place: CellPlace,
): string | undefined {
  const { config } = result;
  const expected = `${config.dataset}__${config.variant}__seed${config.seed}.json`;
  if (basename(path) !== expected) {
    return `its config (${config.dataset}, ${config.variant}, seed ${config.seed}) names the file '${expected}'`;
  }
  if (config.suite !== place.suite || config.profile !== place.profile) {
    return `it is a cell of ${config.suite}/${config.profile}, in the folder of ${place.suite}/${place.profile}`;
  }
  const hash = result.scoreKey ? trainingHash(config) : legacyHash(config);
  if (hash !== result.hash) {
    return `its hash ${result.hash} is not its config's (${hash}): the config was edited`;
  }
  if (result.status !== "diverged") {
    if (!Object.keys(result.final).length) return "it did not diverge, yet holds no final figures";
    if (place.primary && !(place.primary in result.final)) {
      return `it did not diverge, yet holds no ${place.primary} (the suite's primary figure)`;
    }
  }
  const figures = allFigures();
  for (const [key, value] of Object.entries(result.final)) {
    const problem = figureRangeProblem(key, value, result.final, figures);
    if (problem) return problem;
  }
  return curveProblem(result);
}

/** The most curve points per cell a chart draws; longer curves are thinned evenly. */
export const CHART_CURVE_POINTS = 2000;

/**
 * `result` with its curve thinned to at most {@linkcode CHART_CURVE_POINTS} points (every k-th,
 * and the last) and points without finite values left out, for charts: a chart of 100,000 points
 * per cell draws no more than one of 2,000.
 */
export function chartCurves(result: CellResult): CellResult {
  const finite = result.curves.filter((point) =>
    Object.values(point).every((value) => typeof value !== "number" || Number.isFinite(value)) &&
    Object.values(point).every((value) => value !== null)
  );
  if (finite.length <= CHART_CURVE_POINTS) {
    return finite.length === result.curves.length ? result : { ...result, curves: finite };
  }
  const every = Math.ceil(finite.length / CHART_CURVE_POINTS);
  const curves = finite.filter((_, i) => i % every === 0 || i === finite.length - 1);
  return { ...result, curves };
}
