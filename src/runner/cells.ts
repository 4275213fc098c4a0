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

function resolveModel(suite: Suite, profile: Profile): Record<string, unknown> {
  const merged = { ...suite.model, ...suite.profiles[profile].model };
  const parsed = ARCHITECTURES.get(suite.architecture).options.safeParse(merged, {
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
  const entries = suite.variants.filter((e) =>
    !options.variants || options.variants.includes(variantLabel(e))
  );
  const seeds = options.seeds ?? budget.seeds ?? suite.seeds;
  const model = resolveModel(suite, options.profile);
  const cells: Cell[] = [];
  for (const dataset of suite.datasets) {
    for (const entry of entries) {
      const variantName = typeof entry === "string" ? entry : entry.name;
      const variant = VARIANTS.get(variantName);
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
          architecture: suite.architecture,
          latentDim: suite.latentDim,
          model,
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
