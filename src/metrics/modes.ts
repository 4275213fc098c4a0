/**
 * Mode coverage on Gaussian mixtures (VEEGAN / PacGAN protocol), and the `modes` metric.
 *
 * @module
 */
import { gammaln } from "simple-statistics";
import type { MixtureSpec } from "../data/dataset.ts";
import { type Figure, type Metric, NON_NEGATIVE, SHARE } from "./metric.ts";

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
  /**
   * Share of the data's probability mass the samples reproduce: 1 − total variation distance
   * between generated and real samples over M + 1 bins (each mode's `sigmas` ball, and the rest).
   */
  mass: number;
}

/**
 * P(χ²_dof ≤ x): the share of an isotropic Gaussian within √x standard deviations of its centre in
 * `dof` dimensions (the regularised lower incomplete gamma P(dof/2, x/2), by its power series;
 * simple-statistics has the log-gamma but no incomplete gamma).
 */
export function chiSquaredCdf(x: number, dof: number): number {
  if (x <= 0) return 0;
  const a = dof / 2, h = x / 2;
  let term = 1 / a, sum = term;
  for (let n = 1; n < 1000 && term > sum * 1e-16; n++) {
    term *= h / (a + n);
    sum += term;
  }
  return Math.min(1, Math.exp(a * Math.log(h) - h - gammaln(a)) * sum);
}

/**
 * Scores `samples` (row-major, `dim` values each) against `mixture`.
 *
 * A sample is high quality when its Euclidean distance to the nearest centre is at most
 * `sigmas`·std. `kl` = Σ pᵢ log(pᵢ·M) over the M modes with pᵢ the share of high-quality samples
 * nearest mode i; empty modes contribute 0 (the 0·log 0 = 0 convention), so no smoothing is
 * needed. With no high-quality sample at all, `kl` is log M, its value for a single-mode histogram.
 *
 * `kl` rests on the high-quality samples alone: at hq = 0.018 that is 45 of 2,500 samples, where
 * a perfectly uniform generator would itself score about 0.3. `mass` uses every sample and means
 * the same at any hq: bin the plane into the M balls of radius `sigmas`·std around the centres
 * and everything else; the data put P/M in each ball (P = P(χ²_dim ≤ sigmas²), 0.989 in 2-D at 3
 * std) and 1 − P outside; with qᵢ the share of all samples in ball i and q₀ the share outside,
 * `mass` = Σᵢ min(qᵢ, P/M) + min(q₀, 1 − P) = 1 − TV(generated, data) over those bins. It is
 * 1 − P (0.011) when no sample is near a mode, at most hq + (1 − P) (samples off the modes count
 * as missing mass), loses 1/M for each dropped mode and the excess of each over-filled one, and is 1 only for
 * the data's own proportions. A perfect generator scores 0.978 ± 0.006 on ring8 and 0.960 ±
 * 0.006 on grid25 at 2,500 samples (binning noise; simulated), so it depends on the sample count.
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
  const inBall = chiSquaredCdf(sigmas ** 2, dim);
  let mass = 0;
  if (n) {
    for (const c of counts) mass += Math.min(c / n, inBall / total);
    mass += Math.min((n - highQuality) / n, 1 - inBall);
  }
  return { covered, total, hq: n ? highQuality / n : 0, kl, mass };
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

/**
 * A leaderboard row whose mean hq is below this is marked "not converged": fewer than half of its
 * samples lie within 3 std of a mode, so they mostly do not come from the data, and its coverage
 * and KL describe the minority that does.
 */
export const HQ_CONVERGED = 0.5;

/** The figures the `modes` metric reports, in table order. */
export const MODES_FIGURES: Figure[] = [
  {
    key: "modes.covered",
    label: "modes",
    higherIsBetter: true,
    dependsOnSampleSize: true,
    bounds: { min: 0, max: "modes.total" },
    description: "modes that are the nearest centre of at least one high-quality sample",
  },
  {
    key: "modes.hq",
    label: "hq",
    higherIsBetter: true,
    dependsOnSampleSize: false,
    notConvergedBelow: HQ_CONVERGED,
    bounds: SHARE,
    description: "share of high-quality samples: those within 3 std of their nearest mode centre",
  },
  {
    key: "modes.kl",
    label: "KL",
    higherIsBetter: false,
    dependsOnSampleSize: true,
    bounds: NON_NEGATIVE,
    description:
      "KL(histogram of the high-quality samples over modes ‖ uniform), nats; rests on the high-quality samples alone",
  },
  {
    key: "modes.mass",
    label: "mass",
    higherIsBetter: true,
    dependsOnSampleSize: true,
    bounds: SHARE,
    description:
      "share of the data's probability mass reproduced: 1 − total variation distance between all samples and the data, binned into each mode's 3-std ball and the rest (1 = the data's proportions)",
  },
  {
    key: "modes.collapse",
    label: "collapse",
    higherIsBetter: false,
    binary: true,
    description:
      "seeds whose last evaluation covers fewer than 75% of the most modes covered at any evaluation",
  },
];

/** The `modes` metric: mode coverage, quality, balance and mass on Gaussian mixtures. */
export const modesMetric: Metric = {
  description:
    "mode coverage on Gaussian mixtures: modes covered, high-quality share, KL to uniform, data mass reproduced",
  figures: MODES_FIGURES,
  extraKeys: ["modes.total"],
  scoresUserSamples: true,
  unsupportedReason: (dataset) =>
    dataset.mixture ? undefined : `dataset '${dataset.name}' is not a Gaussian mixture`,
  evaluate(samples, { dataset }) {
    const result = modeCoverage(samples, dataset.sampleShape[0], dataset.mixture!);
    return {
      "modes.covered": result.covered,
      "modes.total": result.total,
      "modes.hq": result.hq,
      "modes.kl": result.kl,
      "modes.mass": result.mass,
    };
  },
  summarise(evals): Record<string, number> {
    const flag = collapseFlag(
      evals.map((e) => e.metrics["modes.covered"]).filter((c) => c !== undefined),
    );
    return flag === undefined ? {} : { "modes.collapse": flag };
  },
};
