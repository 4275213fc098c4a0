/**
 * Training-dynamics figures computed from the logged curves, defined once for every suite.
 *
 * @module
 */
import { median, standardDeviation } from "simple-statistics";
import type { CurvePoint } from "../train/mod.ts";
import { type Figure, NON_NEGATIVE } from "./metric.ts";

/** The share of logged points that forms the trailing window. */
export const TRAILING_SHARE = 0.25;

/** The trailing window of `values`: the last quarter, at least 4 points (or all of them). */
export function trailingWindow<T>(values: T[]): T[] {
  const size = Math.min(values.length, Math.max(4, Math.ceil(values.length * TRAILING_SHARE)));
  return values.slice(values.length - size);
}

/**
 * Oscillation index of a loss curve: std of its trailing window over std of the whole curve.
 * About 0 when the loss has settled, about 1 or more when it still swings as much as ever.
 * 0 for a constant curve; undefined for fewer than 2 points.
 */
export function oscillationIndex(values: number[]): number | undefined {
  if (values.length < 2) return undefined;
  const whole = standardDeviation(values);
  if (whole === 0) return 0;
  return standardDeviation(trailingWindow(values)) / whole;
}

/** Median of ‖∇D‖ / ‖∇G‖ over the trailing window; undefined without finite ratios. */
export function gradientRatio(curves: CurvePoint[]): number | undefined {
  const ratios = trailingWindow(curves)
    .filter((p) => p.gradNormG > 0 && p.gradNormD >= 0)
    .map((p) => p.gradNormD / p.gradNormG)
    .filter(Number.isFinite);
  return ratios.length ? median(ratios) : undefined;
}

/**
 * The dynamics figures, in table order.
 *
 * A diminished-gradient flag (`dyn.vanishing`: 1 when G's gradient norm over the trailing window
 * fell below 1% of its early peak while D's loss fell below 5% of its start) was dropped: it was 0
 * in every stored run of every suite, not from a bug but because no run met both conditions. In
 * the 54 stored runs of the mixture and image suites with losses bounded below (gan, nsgan, lsgan,
 * hinge, fm, cgan), G's trailing gradient norm never fell below 8.6% of its early peak and D's
 * trailing loss never below 15% of its start. In the Dirac-GAN runs that converge, G's gradient
 * does vanish (to 1e-18 of its peak), but because the game reached its equilibrium, with D's loss
 * at 55% of its start: the flag rightly stays 0 there. A column that can only read 0 says
 * nothing; ‖∇D‖/‖∇G‖ shows D's dominance as a number. Results stored before carry
 * `dyn.vanishing` in `final`; no table shows it.
 */
export const DYNAMICS_FIGURES: Figure[] = [
  {
    key: "dyn.osc_d",
    label: "osc D",
    bounds: NON_NEGATIVE,
    higherIsBetter: false,
    description: "oscillation index of D's loss: std(last 25% of the curve) / std(whole curve)",
  },
  {
    key: "dyn.osc_g",
    label: "osc G",
    bounds: NON_NEGATIVE,
    higherIsBetter: false,
    description: "oscillation index of G's loss: std(last 25% of the curve) / std(whole curve)",
  },
  {
    key: "dyn.grad_ratio",
    label: "‖∇D‖/‖∇G‖",
    bounds: NON_NEGATIVE,
    description: "median ratio of D's to G's gradient norm over the last 25% of training",
  },
];

/**
 * The networks trainers of more than two networks log one by one (`CurvePoint.networks`), as
 * generator/discriminator duels: CycleGAN's translator G (A → B) against D_B, which judges B,
 * and F (B → A) against D_A.
 */
export const NETWORK_DUELS: readonly { generator: string; discriminator: string }[] = [
  { generator: "G", discriminator: "D_B" },
  { generator: "F", discriminator: "D_A" },
];

/** The per-network figures: each network's oscillation index, each duel's gradient ratio. */
export const NETWORK_DYNAMICS_FIGURES: Figure[] = NETWORK_DUELS.flatMap(
  ({ generator, discriminator }) => [
    ...[generator, discriminator].map((name): Figure => ({
      key: `dyn.osc[${name}]`,
      label: `osc[${name}]`,
      bounds: NON_NEGATIVE,
      higherIsBetter: false,
      description:
        `oscillation index of ${name}'s own loss (a trainer of more than two networks): std(last 25%) / std(whole curve)`,
    })),
    {
      key: `dyn.grad_ratio[${discriminator}/${generator}]`,
      label: `‖∇${discriminator}‖/‖∇${generator}‖`,
      bounds: NON_NEGATIVE,
      description:
        `median ratio of ${discriminator}'s to ${generator}'s gradient norm over the last 25% of training`,
    },
  ],
);

/** Each logged network's oscillation index, and each duel's gradient ratio, by figure key. */
function networkFigures(curves: CurvePoint[]): Record<string, number | undefined> {
  const logged = curves.filter((p) => p.networks);
  if (!logged.length) return {};
  const figures: Record<string, number | undefined> = {};
  for (const { generator, discriminator } of NETWORK_DUELS) {
    if (!logged.every((p) => p.networks![generator] && p.networks![discriminator])) continue;
    for (const name of [generator, discriminator]) {
      figures[`dyn.osc[${name}]`] = oscillationIndex(logged.map((p) => p.networks![name].loss));
    }
    figures[`dyn.grad_ratio[${discriminator}/${generator}]`] = gradientRatio(
      logged.map((p) => ({
        ...p,
        gradNormD: p.networks![discriminator].gradNorm,
        gradNormG: p.networks![generator].gradNorm,
      })),
    );
  }
  return figures;
}

/** Computes the dynamics figures of one run's curves. */
export function dynamicsFigures(curves: CurvePoint[]): Record<string, number> {
  const figures: Record<string, number | undefined> = {
    "dyn.osc_d": oscillationIndex(curves.map((p) => p.lossD)),
    "dyn.osc_g": oscillationIndex(curves.map((p) => p.lossG)),
    "dyn.grad_ratio": gradientRatio(curves),
    ...networkFigures(curves),
  };
  return Object.fromEntries(
    Object.entries(figures).filter((entry): entry is [string, number] => entry[1] !== undefined),
  );
}
