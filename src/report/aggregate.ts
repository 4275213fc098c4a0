/**
 * Aggregation over seeds: mean, sample standard deviation and count.
 *
 * @module
 */
import { mean, sampleStandardDeviation } from "simple-statistics";

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
