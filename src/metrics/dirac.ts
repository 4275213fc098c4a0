/**
 * Dirac-GAN figures: the game's state (θ, ψ), its distance to the equilibrium (0, 0), and whether
 * it converged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { EvalPoint } from "../train/mod.ts";
import { trailingWindow } from "./dynamics.ts";
import { type Figure, NON_NEGATIVE, type SampleMetric, SHARE } from "./metric.ts";

/** A run has converged when the distance to (0, 0) stays below this over the trailing window. */
export const CONVERGENCE_TOLERANCE = 0.05;

/** Extra key: θ, the generator's parameter. */
export const KEY_DIRAC_THETA = "dirac.theta";
/** Extra key: ψ, the discriminator's parameter. */
export const KEY_DIRAC_PSI = "dirac.psi";
/** Figure key: distance to the equilibrium. */
export const KEY_DIRAC_DISTANCE = "dirac.distance";
/** Figure key: smallest distance over the trailing window. */
export const KEY_DIRAC_WINDOW_MIN = "dirac.window_min";
/** Figure key: largest distance over the trailing window. */
export const KEY_DIRAC_WINDOW_MAX = "dirac.window_max";
/** Figure key: the convergence flag. */
export const KEY_DIRAC_CONVERGED = "dirac.converged";

/** The game's state: θ is any generated sample, ψ = D(1) for the linear discriminator. */
export function diracState(samples: Float32Array, psi: number): Record<string, number> {
  const theta = samples[0];
  return {
    [KEY_DIRAC_THETA]: theta,
    [KEY_DIRAC_PSI]: psi,
    [KEY_DIRAC_DISTANCE]: Math.hypot(theta, psi),
  };
}

/** Final distance, its min and max over the trailing 25% of evaluations, and convergence (0/1). */
export function summariseTrajectory(evals: EvalPoint[]): Record<string, number> {
  const distances = evals.map((e) => e.metrics[KEY_DIRAC_DISTANCE]).filter((d) => d !== undefined);
  if (!distances.length) return {};
  const window = trailingWindow(distances);
  const windowMax = Math.max(...window);
  return {
    [KEY_DIRAC_WINDOW_MIN]: Math.min(...window),
    [KEY_DIRAC_WINDOW_MAX]: windowMax,
    [KEY_DIRAC_CONVERGED]: windowMax < CONVERGENCE_TOLERANCE ? 1 : 0,
  };
}

/** The figures the `dirac` metric reports. */
export const DIRAC_FIGURES: Figure[] = [
  {
    key: KEY_DIRAC_DISTANCE,
    label: "dist",
    bounds: NON_NEGATIVE,
    higherIsBetter: false,
    description: "distance √(θ² + ψ²) to the equilibrium at the end",
  },
  {
    key: KEY_DIRAC_WINDOW_MIN,
    label: "min dist (last 25%)",
    bounds: NON_NEGATIVE,
    description: "smallest distance to equilibrium over the last 25% of evaluations",
  },
  {
    key: KEY_DIRAC_WINDOW_MAX,
    label: "max dist (last 25%)",
    bounds: NON_NEGATIVE,
    higherIsBetter: false,
    description: "largest distance to equilibrium over the last 25% of evaluations (oscillation)",
  },
  {
    key: KEY_DIRAC_CONVERGED,
    label: "converged",
    bounds: SHARE,
    higherIsBetter: true,
    binary: true,
    description:
      `seeds whose distance to the equilibrium stays below ${CONVERGENCE_TOLERANCE} over the last 25% of evaluations`,
  },
];

/** The `dirac` metric. */
export const diracMetric: SampleMetric = {
  name: "dirac",
  inputs: ["samples", "discriminator"],
  convergence: { figure: KEY_DIRAC_CONVERGED, threshold: CONVERGENCE_TOLERANCE },
  description: "Dirac-GAN: distance of (θ, ψ) to the equilibrium (0, 0), oscillation, convergence",
  figures: DIRAC_FIGURES,
  extraKeys: [KEY_DIRAC_THETA, KEY_DIRAC_PSI],
  unsupportedReason: (dataset) =>
    dataset.name === "dirac" ? undefined : "it needs the dirac dataset",
  async evaluate(samples, { discriminator }) {
    if (!discriminator) throw new TypeError("the dirac metric needs the discriminator");
    const logits = tf.tidy(() => discriminator.discriminate(tf.ones([1, 1])).logits);
    const psi = (await logits.data())[0];
    logits.dispose();
    return diracState(samples, psi);
  },
  summarise: summariseTrajectory,
};
