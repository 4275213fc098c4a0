/**
 * Mode coverage on Gaussian mixtures (VEEGAN / PacGAN protocol).
 *
 * @module
 */
import type { MixtureSpec } from "../data/dataset.ts";

/** Mode-coverage figures of one sample set. */
export interface ModeCoverage {
  /** Modes that are the nearest centre of at least one high-quality sample. */
  covered: number;
  /** Modes in the mixture. */
  total: number;
  /** Share of samples within `sigmas` standard deviations of their nearest centre. */
  hq: number;
  /** KL(p ‖ uniform) of the high-quality samples' histogram over modes, in nats. */
  kl: number;
}

/**
 * Scores `samples` (row-major, `dim` values each) against `mixture`.
 *
 * A sample is high quality when its Euclidean distance to the nearest centre is at most
 * `sigmas`·std. `kl` = Σ pᵢ log(pᵢ·M) over the M modes with pᵢ the share of high-quality samples
 * nearest mode i; empty modes contribute 0 (the 0·log 0 = 0 convention), so no smoothing is
 * needed. With no high-quality sample at all, `kl` is log M, its value for a single-mode histogram.
 */
export function modeCoverage(
  samples: ArrayLike<number>,
  dim: number,
  mixture: MixtureSpec,
  sigmas = 3,
): ModeCoverage {
  const n = Math.floor(samples.length / dim);
  const total = mixture.centres.length;
  const counts = new Array<number>(total).fill(0);
  const threshold = (sigmas * mixture.std) ** 2;
  let highQuality = 0;
  for (let i = 0; i < n; i++) {
    let nearest = 0, nearestDistance = Infinity;
    for (let m = 0; m < total; m++) {
      let distance = 0;
      for (let d = 0; d < dim; d++) distance += (samples[i * dim + d] - mixture.centres[m][d]) ** 2;
      if (distance < nearestDistance) [nearest, nearestDistance] = [m, distance];
    }
    if (nearestDistance <= threshold) {
      counts[nearest]++;
      highQuality++;
    }
  }
  const covered = counts.filter((c) => c > 0).length;
  let kl = Math.log(total);
  if (highQuality > 0) {
    kl = 0;
    for (const c of counts) {
      if (c > 0) kl += (c / highQuality) * Math.log((c / highQuality) * total);
    }
  }
  return { covered, total, hq: n ? highQuality / n : 0, kl };
}

/** A run has collapsed when its final coverage is below this share of its best coverage. */
export const COLLAPSE_SHARE = 0.75;

/**
 * Collapse flag from the coverage curve: 1 when the modes covered at the last evaluation are fewer
 * than 75% of the most covered at any evaluation (the generator lost modes it had found).
 */
export function collapseFlag(covered: number[]): number | undefined {
  if (!covered.length) return undefined;
  return covered[covered.length - 1] < COLLAPSE_SHARE * Math.max(...covered) ? 1 : 0;
}
