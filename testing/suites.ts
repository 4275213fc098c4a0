/**
 * Suite files for the tests of suite parsing: a small valid suite to change one thing of, and the
 * one-line message `parseSuite` refuses a changed copy with.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseSuite, SuiteError } from "../src/runner/suite.ts";

/** A profile's budget: 10 steps of 8 samples, learning rates 1e-3, evaluations every 5 steps. */
export const TEST_BUDGET = { steps: 10, batchSize: 8, lrG: 1e-3, lrD: 1e-3, evalEvery: 5 };

/** A valid suite file: nsgan on ring8, seeds 0 and 1, scored by `modes`, at smoke, quick, full. */
export const TEST_SUITE = {
  version: 1,
  description: "test",
  datasets: ["ring8"],
  latentDim: 2,
  variants: ["nsgan"],
  seeds: [0, 1],
  metrics: ["modes"],
  primary: "modes.kl",
  profiles: { smoke: { ...TEST_BUDGET }, quick: { ...TEST_BUDGET }, full: { ...TEST_BUDGET } },
};

/**
 * The message `parseSuite` refuses a copy of `valid` changed by `mutate` with, checked to be a
 * {@linkcode SuiteError} of one line.
 */
export function suiteError<T extends object>(
  valid: T,
  mutate: (suite: T & Record<string, unknown>) => void,
): string {
  const suite = structuredClone(valid) as T & Record<string, unknown>;
  mutate(suite);
  try {
    parseSuite(JSON.stringify(suite), "t", "suites/t.json");
  } catch (error) {
    assert.ok(error instanceof SuiteError);
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  throw new Error("expected a SuiteError");
}
