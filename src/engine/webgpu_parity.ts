/**
 * When a cell trained on webgpu agrees with the same cell trained on wasm: shared by the parity
 * tests (`webgpu_training_test.ts`) and the GPU check (`scripts/gpu_check.ts`).
 *
 * Both backends compute in float32 but add in other orders, and WGSL's exp/log are accurate to a
 * few ulps rather than correctly rounded. Measured on lavapipe over the smoke cells, the curves
 * differ by at most 1e-6 relative for most cells, 1e-3 for the mixture's feature matching (its
 * generator gradient is a difference of feature means) and 1e-4 for the Dirac-GAN after 50 steps:
 * {@linkcode PARITY_TOLERANCE} leaves room for other adapters' arithmetic.
 *
 * @module
 */
import type { CellResult } from "../runner/store.ts";

/** Relative tolerance of webgpu against wasm, on the scale max(1, |wasm value|). */
export const PARITY_TOLERANCE = 5e-3;

/** The parts of a cell's result that the parity compares. */
export type ComparedResult = Pick<CellResult, "status" | "steps" | "divergence" | "final"> & {
  curves: { step: number; lossD: number; lossG: number; gradNormD: number; gradNormG: number }[];
};

/** One figure on which two results disagree. */
export interface Disagreement {
  /** What differs: "status", "lossG at step 20", a final figure's name, ... */
  what: string;
  webgpu: unknown;
  wasm: unknown;
}

function close(actual: number, expected: number, tolerance: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

/**
 * Every figure on which `gpu` and `reference` disagree: status, steps, divergence, logged curves
 * (losses and gradient norms) and final figures must match, numbers within `tolerance` of
 * max(1, |reference|), integers (counts such as modes covered) exactly. Empty when they agree.
 */
export function compareResults(
  gpu: ComparedResult,
  reference: ComparedResult,
  tolerance: number = PARITY_TOLERANCE,
): Disagreement[] {
  const found: Disagreement[] = [];
  const differ = (what: string, webgpu: unknown, wasm: unknown) =>
    found.push({ what, webgpu, wasm });
  if (gpu.status !== reference.status) differ("status", gpu.status, reference.status);
  if (gpu.steps !== reference.steps) differ("steps", gpu.steps, reference.steps);
  if (JSON.stringify(gpu.divergence) !== JSON.stringify(reference.divergence)) {
    differ("divergence", gpu.divergence, reference.divergence);
  }
  if (gpu.curves.length !== reference.curves.length) {
    differ("logged steps", gpu.curves.length, reference.curves.length);
  } else {
    reference.curves.forEach((point, i) => {
      for (const key of ["lossD", "lossG", "gradNormD", "gradNormG"] as const) {
        if (!close(gpu.curves[i][key], point[key], tolerance)) {
          differ(`${key} at step ${point.step}`, gpu.curves[i][key], point[key]);
        }
      }
    });
  }
  const names = new Set([...Object.keys(gpu.final), ...Object.keys(reference.final)]);
  for (const name of [...names].sort()) {
    const [actual, expected] = [gpu.final[name], reference.final[name]];
    const exact = Number.isInteger(actual) && Number.isInteger(expected);
    const agree = actual === undefined || expected === undefined
      ? actual === expected
      : exact
      ? actual === expected
      : close(actual, expected, tolerance);
    if (!agree) differ(name, actual, expected);
  }
  return found;
}

/**
 * The largest relative difference |webgpu − wasm| / max(1, |wasm|) over the logged curves and the
 * final figures both results have (undefined when they have none): how close the two backends
 * came, beyond whether they agree.
 */
export function largestDifference(
  gpu: ComparedResult,
  reference: ComparedResult,
): { what: string; relative: number } | undefined {
  let largest: { what: string; relative: number } | undefined;
  const consider = (what: string, actual: number | undefined, expected: number | undefined) => {
    if (actual === undefined || expected === undefined) return;
    const relative = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
    if (Number.isFinite(relative) && (!largest || relative > largest.relative)) {
      largest = { what, relative };
    }
  };
  reference.curves.forEach((point, i) => {
    for (const key of ["lossD", "lossG", "gradNormD", "gradNormG"] as const) {
      consider(`${key} at step ${point.step}`, gpu.curves[i]?.[key], point[key]);
    }
  });
  for (const [name, value] of Object.entries(reference.final)) {
    consider(name, gpu.final[name], value);
  }
  return largest;
}
