/**
 * The cell matrix: every (dataset, variant, seed) of a suite at a profile, each with its fully
 * resolved configuration and a hash of it that keys the stored result.
 *
 * @module
 */
import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import { Hyper, VARIANTS } from "../losses/mod.ts";
import { ARCHITECTURES } from "../models/mod.ts";
import {
  describeIssue,
  type Profile,
  type Suite,
  SuiteError,
  type VariantEntry,
  variantLabel,
} from "./suite.ts";

/** Bumped whenever stored results become incomparable with new ones (training or metric changes). */
export const RESULT_FORMAT = 1;

/** Everything that determines a cell's result. */
export interface CellConfig {
  format: number;
  suite: string;
  suiteVersion: number;
  profile: Profile;
  dataset: string;
  /** Row name (the variant's label). */
  variant: string;
  /** Registered variant name. */
  variantName: string;
  loss: string;
  regularisers: Record<string, number>;
  hyper: Hyper;
  architecture: string;
  latentDim: number;
  model: Record<string, unknown>;
  /** Set for variants not trained adversarially (e.g. `vae`). */
  trainer?: string;
  /** Set for class-conditional variants. */
  conditional?: boolean;
  /** Feature extractor of the image metrics, when the suite names one. */
  features?: string;
  /** Generated samples of the final evaluation, when it differs from `evalSamples`. */
  finalSamples?: number;
  budget: {
    steps: number;
    batchSize: number;
    logEvery: number;
    evalEvery: number;
    maxSeconds?: number;
  };
  evalSamples: number;
  metrics: string[];
  seed: number;
  /** The tfjs backend that runs it. */
  backend: string;
}

/** A cell and its config hash. */
export interface Cell {
  config: CellConfig;
  hash: string;
}

/** Selection of a suite's matrix from the command line. */
export interface MatrixOptions {
  profile: Profile;
  /** Variant labels to keep (all when undefined). */
  variants?: string[];
  /** Seeds to run (the profile's or the suite's when undefined). */
  seeds?: number[];
  backend: string;
}

/** sha256 of the config's canonical JSON, 16 hex digits. */
export function configHash(config: CellConfig): string {
  return createHash("sha256").update(stringify(config)!).digest("hex").slice(0, 16);
}

function resolveHyper(suite: Suite, profile: Profile, entry: VariantEntry): Hyper {
  const budget = suite.profiles[profile];
  const variant = VARIANTS.get(typeof entry === "string" ? entry : entry.name);
  const overrides = typeof entry === "string" ? {} : Hyper.partial().parse(
    Object.fromEntries(Object.entries(entry).filter(([key]) => key in Hyper.shape)),
  );
  const base = {
    k: budget.k,
    scheme: budget.scheme,
    optimizer: budget.optimizer,
    lrG: budget.lrG,
    lrD: budget.lrD,
    beta1: budget.beta1,
    beta2: budget.beta2,
  };
  return { ...base, ...variant.defaults, ...overrides };
}

/** The architecture a variant entry uses. */
function architectureOf(suite: Suite, entry: VariantEntry): string {
  return (typeof entry === "string" ? undefined : entry.architecture) ?? suite.architecture;
}

/**
 * A variant's model options: the suite's (when it uses the suite's architecture), then the
 * variant's own, then the profile's overrides for that architecture.
 */
function resolveModel(
  suite: Suite,
  profile: Profile,
  entry: VariantEntry,
): Record<string, unknown> {
  const architecture = architectureOf(suite, entry);
  const budget = suite.profiles[profile];
  const own = typeof entry === "string" ? {} : entry.model ?? {};
  const merged = architecture === suite.architecture
    ? { ...suite.model, ...own, ...budget.model }
    : { ...own, ...budget.models?.[architecture] };
  const parsed = ARCHITECTURES.get(architecture).options.safeParse(merged, {
    reportInput: true,
  });
  if (!parsed.success) {
    throw new SuiteError(
      `Cannot parse suite '${suite.path}': model: ${describeIssue(parsed.error.issues[0])}`,
    );
  }
  return parsed.data;
}

/** Resolves the cells of `suite` selected by `options`. */
export function buildMatrix(suite: Suite, options: MatrixOptions): Cell[] {
  const budget = suite.profiles[options.profile];
  const labels = suite.variants.map(variantLabel);
  for (const wanted of options.variants ?? []) {
    if (!labels.includes(wanted)) {
      throw new SuiteError(
        `Unknown variant '${wanted}' in suite '${suite.name}'. Available: ${labels.join(", ")}`,
      );
    }
  }
  const selected = options.variants ?? budget.variants;
  const entries = suite.variants.filter((e) => !selected || selected.includes(variantLabel(e)));
  const seeds = options.seeds ?? budget.seeds ?? suite.seeds;
  const cells: Cell[] = [];
  for (const dataset of suite.datasets) {
    for (const entry of entries) {
      const variantName = typeof entry === "string" ? entry : entry.name;
      const variant = VARIANTS.get(variantName);
      const model = resolveModel(suite, options.profile, entry);
      for (const seed of seeds) {
        const config: CellConfig = {
          format: RESULT_FORMAT,
          suite: suite.name,
          suiteVersion: suite.version,
          profile: options.profile,
          dataset,
          variant: variantLabel(entry),
          variantName,
          loss: variant.loss,
          regularisers: {
            ...variant.regularisers,
            ...(typeof entry === "string" ? {} : entry.regularisers),
          },
          hyper: resolveHyper(suite, options.profile, entry),
          architecture: architectureOf(suite, entry),
          latentDim: suite.latentDim,
          model,
          // Optional fields only when set, so that older results keep their hashes.
          ...(variant.trainer && variant.trainer !== "gan" ? { trainer: variant.trainer } : {}),
          ...(variant.conditional ? { conditional: true } : {}),
          ...(suite.features ? { features: suite.features } : {}),
          ...(budget.finalSamples && budget.finalSamples !== budget.evalSamples
            ? { finalSamples: budget.finalSamples }
            : {}),
          budget: {
            steps: budget.steps,
            batchSize: budget.batchSize,
            logEvery: budget.logEvery ?? Math.max(1, Math.floor(budget.steps / 100)),
            evalEvery: budget.evalEvery,
            ...(budget.maxSeconds === undefined ? {} : { maxSeconds: budget.maxSeconds }),
          },
          evalSamples: budget.evalSamples,
          metrics: suite.metrics,
          seed,
          backend: options.backend,
        };
        cells.push({ config, hash: configHash(config) });
      }
    }
  }
  return cells;
}
