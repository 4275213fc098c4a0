/**
 * Aggregation over seeds: mean, sample standard deviation and count.
 *
 * @module
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import type { FigureBounds } from "../metrics/mod.ts";

/** A figure summarised over seeds. */
export interface Summary {
  mean: number;
  /** Sample standard deviation (n-1); 0 for a single value. */
  std: number;
  n: number;
}

/** Summarises finite `values`; undefined when there are none. */
export function summarise(values: number[]): Summary | undefined {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return undefined;
  return {
    mean: mean(finite),
    std: finite.length > 1 ? sampleStandardDeviation(finite) : 0,
    n: finite.length,
  };
}

/**
 * A figure's bounds as numbers: a `max` that names a result key takes the largest finite value of
 * that key among `finals` (modes covered ≤ the mixture's modes); a missing bound is infinite.
 *
 * @param bounds the figure's bounds (see `Figure.bounds`); undefined: unbounded.
 * @param finals the final figures of the cells behind the interval.
 * @returns [low, high].
 */
export function resolveBounds(
  bounds: FigureBounds | undefined,
  finals: Record<string, number>[],
): [number, number] {
  const max = typeof bounds?.max === "string"
    ? Math.max(...finals.map((f) => f[bounds.max as string]).filter(Number.isFinite))
    : bounds?.max ?? Infinity;
  return [bounds?.min ?? -Infinity, Number.isFinite(max) ? max : Infinity];
}

/**
 * An interval cut at a figure's bounds: Student's t interval is symmetric around the mean and can
 * reach past them (an accuracy of 0.646 ± 0.401 over 3 seeds gives −0.351 – 1.642).
 *
 * @param interval [low, high].
 * @param bounds [min, max] (see {@linkcode resolveBounds}).
 * @returns the interval within the bounds, and whether either end was cut.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clipInterval } from "./aggregate.ts";
 * assert.deepEqual(clipInterval([-0.351, 1.642], [0, 1]), { interval: [0, 1], cut: true });
 * ```
 */
export function clipInterval(
  interval: [number, number],
  [min, max]: [number, number],
): { interval: [number, number]; cut: boolean } {
  const [low, high] = [Math.max(interval[0], min), Math.min(interval[1], max)];
  return { interval: [low, high], cut: low !== interval[0] || high !== interval[1] };
}
