/**
 * The cell matrix: every (dataset, variant, seed) of a suite at a profile, each with its fully
 * resolved configuration and the two keys of its stored result (training hash, scoring key).
 *
 * @module
 */
import { scoringConfig, scoringKey, trainingHash } from "./cell_keys.ts";
import { DATASETS } from "../data/mod.ts";
import { Hyper, trainerOptionsProblem, VARIANTS } from "../losses/mod.ts";
import { sampleMetric } from "../metrics/mod.ts";
import { ARCHITECTURES } from "../models/mod.ts";
import { TRAINERS } from "../train/mod.ts";
import { modelSize, modelSizeProblem } from "./model_size.ts";
import {
  datasetBudget,
  describeIssue,
  gridSizeProblem,
  type Profile,
  profileBudget,
  profileSeeds,
  type Suite,
  SuiteError,
  type VariantEntry,
  variantLabel,
} from "./suite.ts";

/**
 * Bumped whenever stored results become incomparable with new ones through training changes (a
 * metric's change bumps that metric's version instead, which re-scores; see cell_keys.ts).
 */
export const RESULT_FORMAT = 1;

/**
 * Everything that determines a cell's result. `format` is the training code's version: bumped
 * whenever stored generators become incomparable with new ones (it is in the training hash).
 */
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
  /** The trainer's options with their defaults, for trainers that take options (`cyclegan`). */
  trainerOptions?: Record<string, unknown>;
  /** Set for class-conditional variants. */
  conditional?: boolean;
  /** Feature extractor of the image metrics, when the suite names one. */
  features?: string;
  /** The identity of that extractor's weights, for extractors of user-supplied files. */
  featuresModel?: string;
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
  /** The feature metrics the `images` metric computes, when the suite names them. */
  featureMetrics?: string[];
  seed: number;
  /** The tfjs backend that runs it. */
  backend: string;
}

/** A cell and its keys (see cell_keys.ts). */
export interface Cell {
  config: CellConfig;
  /** The training hash: what a stored result must have to be reused without training. */
  hash: string;
  /** The scoring key: what a stored result must have to be reused without re-scoring. */
  scoreKey: string;
  /** The suite's primary figure, whose best evaluation a cell keeps the generator of. */
  primary?: string;
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

function resolveHyper(suite: Suite, profile: Profile, entry: VariantEntry): Hyper {
  const budget = profileBudget(suite, profile);
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
 * `model` with the discriminator normalisation the variant prescribes (`sngan`: spectral), unless
 * the suite's entry for it names one; unchanged for variants that prescribe none.
 */
function withVariantNormalisation(
  model: Record<string, unknown>,
  entry: VariantEntry,
): Record<string, unknown> {
  const normalisation = VARIANTS.get(typeof entry === "string" ? entry : entry.name).normalisation;
  const own = typeof entry === "string" ? undefined : entry.model?.discriminator;
  if (!normalisation || (own && typeof own === "object" && "normalisation" in own)) return model;
  const discriminator = model.discriminator;
  return {
    ...model,
    discriminator: {
      ...(discriminator && typeof discriminator === "object" ? discriminator : {}),
      normalisation,
    },
  };
}

/**
 * A variant's model options: the suite's (when it uses the suite's architecture), then the
 * variant's own, then the profile's overrides for that architecture, then the normalisation the
 * variant prescribes.
 */
function resolveModel(
  suite: Suite,
  profile: Profile,
  entry: VariantEntry,
): Record<string, unknown> {
  const architecture = architectureOf(suite, entry);
  const budget = profileBudget(suite, profile);
  const own = typeof entry === "string" ? {} : entry.model ?? {};
  const merged = withVariantNormalisation(
    architecture === suite.architecture
      ? { ...suite.model, ...own, ...budget.model }
      : { ...own, ...budget.models?.[architecture] },
    entry,
  );
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

/**
 * A variant's trainer options: the variant's own, then the suite entry's, parsed by the trainer's
 * schema (defaults filled in); undefined for a trainer that takes none and is given none.
 */
function resolveTrainerOptions(
  suite: Suite,
  entry: VariantEntry,
): Record<string, unknown> | undefined {
  const variant = VARIANTS.get(typeof entry === "string" ? entry : entry.name);
  const trainerName = variant.trainer ?? "gan";
  const schema = TRAINERS.get(trainerName).options;
  const merged = {
    ...variant.trainerOptions,
    ...(typeof entry === "string" ? {} : entry.trainerOptions),
  };
  const problem = trainerOptionsProblem(schema, trainerName, merged);
  if (problem) {
    throw new SuiteError(
      `Cannot parse suite '${suite.path}': variant '${
        variantLabel(entry)
      }': trainerOptions: ${problem}`,
    );
  }
  return schema ? schema.parse(merged) : undefined;
}

/**
 * Why a variant entry of `suite` cannot run on dataset `datasetName`, or undefined when it can: a
 * class-conditional variant on unlabelled data, an architecture that cannot take the dataset's
 * samples or the trainer's discriminator, an architecture whose networks are not the trainer's
 * kind (a generator/discriminator pair, or translation networks), a trainer that cannot train on
 * the dataset, or a suite metric that cannot score the dataset.
 */
export function incompatibility(
  suite: Suite,
  datasetName: string,
  entry: VariantEntry,
): string | undefined {
  const dataset = DATASETS.get(datasetName);
  const variant = VARIANTS.get(typeof entry === "string" ? entry : entry.name);
  if (variant.conditional && !dataset.classes) {
    return `it is class-conditional, but dataset '${dataset.name}' has no labels`;
  }
  const architecture = architectureOf(suite, entry);
  const trainer = variant.trainer ?? "gan";
  const trainerEntry = TRAINERS.get(trainer);
  const kind = (networks?: string) => networks ?? "pair";
  const built = kind(ARCHITECTURES.get(architecture).networks);
  if (built !== kind(trainerEntry.networks)) {
    return `architecture '${architecture}' builds ${
      NETWORK_KINDS[built]
    }, trainer '${trainer}' trains ${NETWORK_KINDS[kind(trainerEntry.networks)]}`;
  }
  const trainerReason = trainerEntry.unsupportedReason?.(dataset);
  if (trainerReason) return `trainer '${trainer}': ${trainerReason}`;
  const outputs = trainerEntry.discriminatorOutputs?.(suite.latentDim) ?? 1;
  const reason = ARCHITECTURES.get(architecture).unsupportedReason?.(dataset.sampleShape, outputs);
  if (reason) return `architecture '${architecture}' (trainer '${trainer}'): ${reason}`;
  for (const metric of suite.metrics) {
    const reason = sampleMetric(metric).unsupportedReason(dataset);
    if (reason) return `metric '${metric}' cannot score it: ${reason}`;
  }
  return undefined;
}

/** What each kind of networks is, for messages. */
const NETWORK_KINDS: Record<string, string> = {
  pair: "a generator and its discriminator",
  translation: "translation networks (two translators, two discriminators)",
};

/**
 * Why `budget` asks a translation dataset for more held-out samples than it holds, or undefined.
 */
function heldOutProblem(
  datasetName: string,
  budget: { evalSamples: number; finalSamples?: number },
): string | undefined {
  const heldOut = DATASETS.get(datasetName).translation?.heldOutSize;
  const wanted = Math.max(budget.evalSamples, budget.finalSamples ?? 0);
  return heldOut !== undefined && wanted > heldOut
    ? `dataset '${datasetName}' holds ${heldOut} held-out samples to translate, the profile asks for ${wanted} (evalSamples, finalSamples)`
    : undefined;
}

/**
 * Resolves the cells of `suite` selected by `options`.
 *
 * @throws {SuiteError} "Suite 'x': variant 'cgan' cannot run on dataset 'dirac': ..." for the
 *   first selected (dataset, variant) pair that cannot run (see {@linkcode incompatibility}), so
 *   that a suite fails before any of its cells starts
 */
export function buildMatrix(suite: Suite, options: MatrixOptions): Cell[] {
  const budget = profileBudget(suite, options.profile);
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
  const budgets = new Map(
    suite.datasets.map((dataset) => [dataset, datasetBudget(suite, budget, dataset)]),
  );
  // Selected seeds run on every dataset, except one that only other datasets' seeds name (a seed a
  // profile gives the ring alone does not run on MNIST).
  const named = new Set(profileSeeds(suite, budget));
  const seedsOf = (dataset: string) => {
    const own = budgets.get(dataset)!.seeds;
    return options.seeds?.filter((seed) => own.includes(seed) || !named.has(seed)) ?? own;
  };
  const tooLarge = gridSizeProblem(
    suite.datasets.length,
    entries.length,
    Math.max(...suite.datasets.map((dataset) => seedsOf(dataset).length)),
  );
  if (tooLarge) {
    throw new SuiteError(`Suite '${suite.name}' at profile '${options.profile}': ${tooLarge}`);
  }
  for (const dataset of suite.datasets) {
    const tooMany = heldOutProblem(dataset, budgets.get(dataset)!);
    if (tooMany) {
      throw new SuiteError(`Suite '${suite.name}' at profile '${options.profile}': ${tooMany}`);
    }
    for (const entry of entries) {
      const reason = incompatibility(suite, dataset, entry);
      if (reason) {
        throw new SuiteError(
          `Suite '${suite.name}': variant '${
            variantLabel(entry)
          }' cannot run on dataset '${dataset}': ${reason}`,
        );
      }
    }
  }
  const cells: Cell[] = [];
  for (const dataset of suite.datasets) {
    const budget = budgets.get(dataset)!;
    for (const entry of entries) {
      const variantName = typeof entry === "string" ? entry : entry.name;
      const variant = VARIANTS.get(variantName);
      const model = resolveModel(suite, options.profile, entry);
      const tooBig = modelSizeProblem(
        modelSize(model, DATASETS.get(dataset).sampleShape),
        budget.batchSize,
      );
      if (tooBig) {
        throw new SuiteError(
          `Suite '${suite.name}' at profile '${options.profile}': variant '${
            variantLabel(entry)
          }' on dataset '${dataset}': ${tooBig}`,
        );
      }
      const trainerOptions = resolveTrainerOptions(suite, entry);
      for (const seed of seedsOf(dataset)) {
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
          ...(trainerOptions ? { trainerOptions } : {}),
          ...(variant.conditional ? { conditional: true } : {}),
          ...(suite.features ? { features: suite.features } : {}),
          ...(suite.featuresModel ? { featuresModel: suite.featuresModel } : {}),
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
          ...(suite.featureMetrics ? { featureMetrics: suite.featureMetrics } : {}),
          seed,
          backend: options.backend,
        };
        cells.push({
          config,
          hash: trainingHash(config),
          scoreKey: scoringKey(scoringConfig(config)),
          primary: suite.primary,
        });
      }
    }
  }
  return cells;
}
