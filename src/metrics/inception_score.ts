/**
 * Inception Score (Salimans et al. 2016) from a classifier's class probabilities:
 * exp(E_x KL(p(y|x) ‖ p(y))) per split, mean and std over splits (as torch-fidelity).
 *
 * @module
 */
import { mean, standardDeviation } from "simple-statistics";
import type { FeatureMatrix } from "./features.ts";

/**
 * IS of `probabilities` (n x classes, rows summing to 1) over `splits` consecutive splits.
 *
 * @throws {RangeError} when there are fewer samples than splits
 */
export function inceptionScore(
  probabilities: FeatureMatrix,
  splits = 10,
): { mean: number; std: number } {
  const { n, d } = probabilities;
  if (n < splits) {
    throw new RangeError(
      `Inception Score needs at least ${splits} samples (one per split), got ${n}`,
    );
  }
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const start = Math.floor((s * n) / splits), end = Math.floor(((s + 1) * n) / splits);
    const marginal = new Float64Array(d);
    for (let i = start; i < end; i++) {
      for (let c = 0; c < d; c++) marginal[c] += probabilities.data[i * d + c];
    }
    for (let c = 0; c < d; c++) marginal[c] /= end - start;
    let kl = 0;
    for (let i = start; i < end; i++) {
      for (let c = 0; c < d; c++) {
        const p = probabilities.data[i * d + c];
        if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
      }
    }
    scores.push(Math.exp(kl / (end - start)));
  }
  return { mean: mean(scores), std: scores.length > 1 ? standardDeviation(scores) : 0 };
}
