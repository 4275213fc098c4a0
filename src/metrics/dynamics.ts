/**
 * Training-dynamics figures computed from the logged curves, defined once for every suite.
 *
 * @module
 */
import { median, standardDeviation } from "simple-statistics";
import type { CurvePoint } from "../train/train.ts";
import type { Figure } from "./metric.ts";

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

/** G's gradient must fall below this share of its early peak for the vanishing-gradient flag. */
export const VANISHING_FACTOR = 0.01;
/** D's trailing loss must be below this share of its first logged value for the flag. */
export const D_WINS_FACTOR = 0.05;

/**
 * Diminished-gradient flag (Arjovsky & Bottou 2017): 1 when G's gradient norm over the trailing
 * window (median) has fallen below 1% of its peak over the first quarter while D's loss (trailing
 * mean) has fallen below 5% of its first logged value, i.e. D wins and G stops learning. Only
 * meaningful for losses bounded below by 0 (gan, nsgan, lsgan, hinge, fm); 0 otherwise.
 */
export function vanishingGradientFlag(curves: CurvePoint[]): number | undefined {
  if (curves.length < 8) return undefined;
  const early = curves.slice(0, Math.ceil(curves.length / 4)).map((p) => p.gradNormG).filter((g) =>
    g >= 0
  );
  const late = trailingWindow(curves).map((p) => p.gradNormG).filter((g) => g >= 0);
  if (!early.length || !late.length) return undefined;
  const firstLossD = curves[0].lossD;
  const lateLossD = trailingWindow(curves).reduce((s, p) => s + p.lossD, 0) / late.length;
  const gradientFell = median(late) < VANISHING_FACTOR * Math.max(...early);
  const discriminatorWins = firstLossD > 0 && lateLossD >= 0 &&
    lateLossD < D_WINS_FACTOR * firstLossD;
  return gradientFell && discriminatorWins ? 1 : 0;
}

/** The dynamics figures, in table order. */
export const DYNAMICS_FIGURES: Figure[] = [
  {
    key: "dyn.osc_d",
    label: "osc D",
    higherIsBetter: false,
    description: "oscillation index of D's loss: std(last 25% of the curve) / std(whole curve)",
  },
  {
    key: "dyn.osc_g",
    label: "osc G",
    higherIsBetter: false,
    description: "oscillation index of G's loss: std(last 25% of the curve) / std(whole curve)",
  },
  {
    key: "dyn.grad_ratio",
    label: "‖∇D‖/‖∇G‖",
    description: "median ratio of D's to G's gradient norm over the last 25% of training",
  },
  {
    key: "dyn.vanishing",
    label: "vanishing ∇G",
    higherIsBetter: false,
    description:
      "1 when G's gradient norm fell below 1% of its early peak while D's loss fell below 5% of its start (D wins)",
  },
];

/** Computes the dynamics figures of one run's curves. */
export function dynamicsFigures(curves: CurvePoint[]): Record<string, number> {
  const figures: Record<string, number | undefined> = {
    "dyn.osc_d": oscillationIndex(curves.map((p) => p.lossD)),
    "dyn.osc_g": oscillationIndex(curves.map((p) => p.lossG)),
    "dyn.grad_ratio": gradientRatio(curves),
    "dyn.vanishing": vanishingGradientFlag(curves),
  };
  return Object.fromEntries(
    Object.entries(figures).filter((entry): entry is [string, number] => entry[1] !== undefined),
  );
}
