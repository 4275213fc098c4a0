/**
 * A cell's two keys. The **training hash** covers what changes the trained networks (data, model,
 * variant, hyper-parameters, budget, seed, backend, the training code's version); the **scoring
 * key** covers the metric configuration (the metrics and their versions, the feature extractor,
 * the evaluation and final sample counts). A stored result with the cell's training hash but
 * another scoring key is re-scored from its stored generators, never retrained.
 *
 * Results written before the split (no `scoreKey`) carry one hash of their whole configuration;
 * {@linkcode compareResult} reads them by the rule they were written under (load time, no
 * migration script), so that every committed result stays reusable while its metrics are
 * unchanged.
 *
 * @module
 */
import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import { METRICS } from "../metrics/mod.ts";
import type { Cell, CellConfig } from "./cells.ts";

/**
 * The configuration fields that do not change the trained networks: where the cell is stored
 * (suite, profile, row label) and how it is scored. The evaluation schedule (`budget.evalEvery`)
 * stays in the training hash: it does not change training bits (evaluation draws from its own
 * `eval` stream and reads the networks without updating them), but it fixes the steps whose
 * generators a cell stores, and a schedule with other steps needs generators that were never kept.
 */
const NOT_TRAINING = [
  "suite",
  "profile",
  "variant",
  "metrics",
  "features",
  "featuresModel",
  "featureMetrics",
  "evalSamples",
  "finalSamples",
] as const satisfies readonly (keyof CellConfig)[];

/** What the scoring key covers: the metric configuration of a cell. */
export interface ScoringConfig {
  /** Each metric by name, with its version (1 unless its entry declares another). */
  metrics: Record<string, number>;
  features?: string;
  featuresModel?: string;
  /** The feature metrics `images` computes, when the suite names them (unset: its default five). */
  featureMetrics?: string[];
  evalSamples: number;
  finalSamples?: number;
}

/** sha256 of a value's canonical JSON, 16 hex digits. */
function digest(value: unknown): string {
  return createHash("sha256").update(stringify(value)!).digest("hex").slice(0, 16);
}

/**
 * A metric's version: bumped by its entry (`version`) whenever its figures change, so that stored
 * results re-score; 1 for entries that declare none (every metric before versions existed).
 */
export function metricVersion(name: string): number {
  return METRICS.get(name).version ?? 1;
}

/** The part of `config` that the training hash covers. */
export function trainingConfig(config: CellConfig): Record<string, unknown> {
  const part: Record<string, unknown> = { ...config };
  for (const key of NOT_TRAINING) delete part[key];
  return part;
}

/** The part of `config` that the scoring key covers, with the metrics' current versions. */
export function scoringConfig(
  config: CellConfig,
  versionOf: (metric: string) => number = metricVersion,
): ScoringConfig {
  return {
    metrics: Object.fromEntries(config.metrics.map((name) => [name, versionOf(name)])),
    ...(config.features ? { features: config.features } : {}),
    ...(config.featuresModel ? { featuresModel: config.featuresModel } : {}),
    ...(config.featureMetrics ? { featureMetrics: config.featureMetrics } : {}),
    evalSamples: config.evalSamples,
    ...(config.finalSamples ? { finalSamples: config.finalSamples } : {}),
  };
}

/** The training hash of `config`: 16 hex digits. */
export function trainingHash(config: CellConfig): string {
  return digest(trainingConfig(config));
}

/** The scoring key of a scoring configuration: 16 hex digits. */
export function scoringKey(scoring: ScoringConfig): string {
  return digest(scoring);
}

/**
 * The one hash of a whole configuration that results written before the split carry as `hash`
 * (and nothing else): sha256 of its canonical JSON, 16 hex digits.
 */
export function legacyHash(config: CellConfig): string {
  return digest(config);
}

/** A stored result, as far as {@linkcode compareResult} reads it. */
export interface KeyedResult {
  hash: string;
  scoreKey?: string;
  config: CellConfig;
}

/**
 * How a stored result stands against `cell`: `current` (same training and scores), `stale` (the
 * same training, other scores: re-score it) or `other` (another training: train the cell).
 *
 * A result written before the split (no `scoreKey`) is current when its hash is the legacy hash
 * of the cell's configuration and every metric of the cell is still at version 1 (the version
 * every metric had then); stale when only its scoring differs; other otherwise.
 */
export function compareResult(
  result: KeyedResult | undefined,
  cell: Pick<Cell, "hash" | "scoreKey" | "config">,
): "current" | "stale" | "other" {
  if (!result) return "other";
  if (result.scoreKey) {
    if (result.hash !== cell.hash) return "other";
    return result.scoreKey === cell.scoreKey ? "current" : "stale";
  }
  if (
    result.hash === legacyHash(cell.config) &&
    Object.values(scoringConfig(cell.config).metrics).every((version) => version === 1)
  ) {
    return "current";
  }
  const complete = Array.isArray(result.config?.metrics);
  return complete && trainingHash(result.config) === cell.hash ? "stale" : "other";
}
