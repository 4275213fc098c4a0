/**
 * Dirac-GAN figures: the game's state (θ, ψ), its distance to the equilibrium (0, 0), and whether
 * it converged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { EvalPoint } from "../train/mod.ts";
import { trailingWindow } from "./dynamics.ts";
import { type Figure, type Metric, NON_NEGATIVE } from "./metric.ts";

/** A run has converged when the distance to (0, 0) stays below this over the trailing window. */
export const CONVERGENCE_TOLERANCE = 0.05;

/** The game's state: θ is any generated sample, ψ = D(1) for the linear discriminator. */
export function diracState(samples: Float32Array, psi: number): Record<string, number> {
  const theta = samples[0];
  return { "dirac.theta": theta, "dirac.psi": psi, "dirac.distance": Math.hypot(theta, psi) };
}

/** Final distance, its min and max over the trailing 25% of evaluations, and convergence (0/1). */
export function summariseTrajectory(evals: EvalPoint[]): Record<string, number> {
  const distances = evals.map((e) => e.metrics["dirac.distance"]).filter((d) => d !== undefined);
  if (!distances.length) return {};
  const window = trailingWindow(distances);
  const windowMax = Math.max(...window);
  return {
    "dirac.window_min": Math.min(...window),
    "dirac.window_max": windowMax,
    "dirac.converged": windowMax < CONVERGENCE_TOLERANCE ? 1 : 0,
  };
}

/** The figures the `dirac` metric reports. */
export const DIRAC_FIGURES: Figure[] = [
  {
    key: "dirac.distance",
    label: "dist",
    higherIsBetter: false,
    bounds: NON_NEGATIVE,
    description: "distance √(θ² + ψ²) to the equilibrium at the end",
  },
  {
    key: "dirac.window_min",
    label: "min dist (last 25%)",
    bounds: NON_NEGATIVE,
    description: "smallest distance to equilibrium over the last 25% of evaluations",
  },
  {
    key: "dirac.window_max",
    label: "max dist (last 25%)",
    higherIsBetter: false,
    bounds: NON_NEGATIVE,
    description: "largest distance to equilibrium over the last 25% of evaluations (oscillation)",
  },
  {
    key: "dirac.converged",
    label: "converged",
    higherIsBetter: true,
    binary: true,
    description:
      `seeds whose distance to the equilibrium stays below ${CONVERGENCE_TOLERANCE} over the last 25% of evaluations`,
  },
];

/** The `dirac` metric. */
export const diracMetric: Metric = {
  description: "Dirac-GAN: distance of (θ, ψ) to the equilibrium (0, 0), oscillation, convergence",
  figures: DIRAC_FIGURES,
  extraKeys: ["dirac.theta", "dirac.psi"],
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
