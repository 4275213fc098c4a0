/**
 * The suite file format: a zod schema, registry-name checks, and one-line error messages.
 *
 * @module
 */
import { z } from "zod";
import { describeIssue } from "../schema_errors.ts";
import { DATASETS } from "../data/mod.ts";
import {
  DEFAULT_HYPER,
  Hyper,
  HyperOverrides,
  RegulariserStrengths,
  VARIANTS,
} from "../losses/mod.ts";
import { REGULARISERS } from "../losses/mod.ts";
import { allFigures, isFeatureMetric, METRICS, notASampleMetric } from "../metrics/mod.ts";
import {
  chooseExtractor,
  EXTRACTORS,
  FID_RESIZES,
  inceptionFidName,
} from "../metrics/extractors.ts";
import { ARCHITECTURES } from "../models/mod.ts";
import { type Registry, unknownNameMessage } from "../registry.ts";
import { UserError, userErrorFromOs } from "../errors.ts";
import { JsonInputError, parseJson } from "../json_input.ts";
import { ReplicationSchema } from "./replication_section.ts";

/** The one-line form of a schema problem, shared with the variant schema (src/schema_errors.ts). */
export { describeIssue };

/**
 * The budget profiles a suite may define. Every suite has `smoke` (the tests run it); benchmark
 * suites also have `quick` and `full`, replication suites `replicate` (the paper's protocol with
 * fewer steps) and `paper` (the paper's budget).
 */
export const PROFILES = ["smoke", "quick", "full", "replicate", "paper"] as const;
/** A budget profile name. */
export type Profile = typeof PROFILES[number];

const positiveInt = z.int().positive();

/**
 * Upper bounds of a suite's sizes: generous for full-profile research runs, but each keeps a
 * typo (1e9) from growing past the machine's memory with no message.
 */
export const SUITE_LIMITS = {
  steps: 10_000_000,
  batchSize: 65_536,
  k: 100,
  latentDim: 4096,
  evalSamples: 200_000,
  seeds: 1000,
  datasets: 100,
  variants: 1000,
  metrics: 100,
  /** Logged points (steps / logEvery) and evaluations (steps / evalEvery) per run. */
  curvePoints: 100_000,
  /** Cells of one suite at one profile (datasets x variants x seeds). */
  cells: 100_000,
} as const;

/**
 * The largest suite file read: 1 MiB, a hundred times the largest bundled suite (9 kB). A file of
 * millions of seeds or variants is refused before it is parsed.
 */
export const MAX_SUITE_BYTES = 2 ** 20;

/** A positive integer of at most `max`. */
const boundedInt = (max: number) => positiveInt.max(max);
/**
 * A seed: an int32, what the RNG takes (src/engine/rng.ts reduces a seed with `seed | 0`, so that
 * 2^32 would be seed 0 again and a spread over seeds would be computed over identical runs).
 */
const seed = z.int().min(-(2 ** 31)).max(2 ** 31 - 1);
/** The items of `list` that repeat an earlier one, with their positions. */
function repeats<T>(list: readonly T[]): [T, number][] {
  return list.flatMap((item, i) => list.indexOf(item) !== i ? [[item, i] as [T, number]] : []);
}
/** A list of distinct items (the same cell would be planned twice). */
function distinct<T extends z.ZodType<string | number>>(item: T, what: string) {
  return z.array(item).superRefine((list, ctx) => {
    for (const [value, i] of repeats(list as (string | number)[])) {
      ctx.addIssue({
        code: "custom",
        message: `${what} ${JSON.stringify(value)} is listed twice`,
        path: [i],
      });
    }
  });
}
/** A list of seeds: 1 to SUITE_LIMITS.seeds distinct int32 integers. */
const seedList = distinct(seed, "seed").min(1).max(SUITE_LIMITS.seeds);

/**
 * A profile's budget for one of the suite's datasets, over the profile's own: for a suite whose
 * datasets differ in cost (CycleGAN's 2-D ring trains in seconds where its MNIST cells take
 * minutes), so that the cheap one gets the steps and seeds it needs without the others paying.
 */
export const DatasetBudgetSchema = z.strictObject({
  steps: boundedInt(SUITE_LIMITS.steps).optional(),
  batchSize: boundedInt(SUITE_LIMITS.batchSize).optional(),
  evalEvery: positiveInt.optional(),
  logEvery: positiveInt.optional(),
  evalSamples: boundedInt(SUITE_LIMITS.evalSamples).optional(),
  finalSamples: boundedInt(SUITE_LIMITS.evalSamples).optional(),
  seeds: seedList.optional(),
});

/** One profile's budget and default hyper-parameters. */
export const BudgetSchema = z.strictObject({
  steps: boundedInt(SUITE_LIMITS.steps),
  batchSize: boundedInt(SUITE_LIMITS.batchSize),
  k: z.int().min(1).max(SUITE_LIMITS.k).default(DEFAULT_HYPER.k),
  scheme: Hyper.shape.scheme.default(DEFAULT_HYPER.scheme),
  optimizer: Hyper.shape.optimizer.default(DEFAULT_HYPER.optimizer),
  lrG: Hyper.shape.lrG,
  lrD: Hyper.shape.lrD,
  beta1: Hyper.shape.beta1.default(DEFAULT_HYPER.beta1),
  beta2: Hyper.shape.beta2.default(DEFAULT_HYPER.beta2),
  evalEvery: positiveInt,
  logEvery: positiveInt.optional(),
  evalSamples: boundedInt(SUITE_LIMITS.evalSamples).default(2500),
  maxSeconds: z.number().positive().optional(),
  seeds: seedList.optional(),
  /** Overrides of the suite architecture's options at this profile. */
  model: z.record(z.string(), z.unknown()).optional(),
  /** Overrides, by architecture, of the options of variants that use another architecture. */
  models: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** The variant labels this profile runs (default: all), e.g. to leave costly ones to `full`. */
  variants: distinct(z.string(), "variant").min(1).max(SUITE_LIMITS.variants).optional(),
  /** Generated (and real reference) samples of the final evaluation; default evalSamples. */
  finalSamples: boundedInt(SUITE_LIMITS.evalSamples).optional(),
  /** Overrides of this budget for some of the suite's datasets, by dataset name. */
  datasets: z.record(z.string(), DatasetBudgetSchema).optional(),
});

/** A variant as a suite lists it: a registered name, or the name with overrides. */
export const VariantEntrySchema = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    /** Row name in the leaderboard when one variant is listed twice with different overrides. */
    label: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "must be lower-case letters, digits, '.', '-'")
      .optional(),
    ...HyperOverrides.shape,
    regularisers: RegulariserStrengths.optional(),
    /** Another architecture than the suite's, e.g. the original GAN paper's MLP. */
    architecture: z.string().optional(),
    /** Options of the variant's architecture (merged over the suite's when it is the same). */
    model: z.record(z.string(), z.unknown()).optional(),
    /** Options of the variant's trainer, merged over the variant's own (e.g. CycleGAN's weights). */
    trainerOptions: z.record(z.string(), z.unknown()).optional(),
  }),
]);
/** A variant entry as written. */
export type VariantEntry = z.infer<typeof VariantEntrySchema>;

/** The fields of a suite file, before the checks across them. */
const SuiteFields = z.strictObject({
  $schema: z.string().optional(),
  version: z.int().positive(),
  description: z.string(),
  datasets: distinct(z.string(), "dataset").min(1).max(SUITE_LIMITS.datasets),
  architecture: z.string().default("mlp"),
  latentDim: boundedInt(SUITE_LIMITS.latentDim),
  /**
   * Feature extractor of the image metrics (see src/metrics/extractors.ts), or a list of them in
   * order of preference: the first that can run here is used (`["inception-fid", "cifar10"]`: the
   * FID Inception when its converted weights are given, else ganbench's own network).
   */
  features: z.union([z.string(), distinct(z.string(), "extractor").min(1).max(8)]).optional(),
  /**
   * How the FID Inception (`inception-fid` in `features`) resizes images to 299x299: `tf1` (the
   * default: TTUR, compare_gan, torch-fidelity) or `pytorch-fid`, whose figures carry their own
   * label (`fid[inception-ptfid]`) and configuration.
   */
  fidResize: z.enum(FID_RESIZES).optional(),
  model: z.record(z.string(), z.unknown()).default({}),
  variants: z.array(VariantEntrySchema).min(1).max(SUITE_LIMITS.variants),
  seeds: seedList,
  metrics: distinct(z.string(), "metric").min(1).max(SUITE_LIMITS.metrics),
  /**
   * The feature metrics (`fid`, `kid`, `is`, `prc`, `dc`, ...) the `images` metric computes;
   * unset: those five. Part of each cell's configuration only when set.
   */
  featureMetrics: distinct(z.string(), "feature metric").min(1).max(SUITE_LIMITS.metrics)
    .optional(),
  primary: z.string(),
  /**
   * The few figures a reader needs first, shown next to the primary on the overview page. Not part
   * of any cell's configuration, so adding it changes no config hash.
   */
  headline: distinct(z.string(), "figure").min(1).max(8).optional(),
  /**
   * The variant label every other row is compared with first (difference, bootstrap interval,
   * probability of improvement; see src/report/ranking.ts). Not part of any cell's configuration.
   * A suite derived from another may drop that variant: its leaderboard then says that no row is
   * the baseline, instead of the suite failing to load.
   */
  baseline: z.string().optional(),
  /** The profiles the suite has: `smoke` and any of the others (see {@linkcode PROFILES}). */
  profiles: z.strictObject({
    smoke: BudgetSchema,
    quick: BudgetSchema.optional(),
    full: BudgetSchema.optional(),
    replicate: BudgetSchema.optional(),
    paper: BudgetSchema.optional(),
  }),
  /**
   * The published figures the suite reproduces, with their sources (replication suites). Not
   * part of any cell's configuration, so adding it changes no config hash.
   */
  replication: ReplicationSchema.optional(),
});

/** The whole suite file. */
export const SuiteSchema = SuiteFields.superRefine((suite, ctx) => {
  const known = <T>(registry: Registry<T>, name: string, path: (string | number)[]) => {
    if (!registry.has(name)) {
      ctx.addIssue({ code: "custom", message: registry.unknownMessage(name), path });
    }
  };
  suite.datasets.forEach((name, i) => known(DATASETS, name, ["datasets", i]));
  if (typeof suite.features === "string") known(EXTRACTORS, suite.features, ["features"]);
  if (Array.isArray(suite.features)) {
    suite.features.forEach((name, i) => known(EXTRACTORS, name, ["features", i]));
  }
  known(ARCHITECTURES, suite.architecture, ["architecture"]);
  suite.metrics.forEach((name, i) => {
    known(METRICS, name, ["metrics", i]);
    if (METRICS.has(name) && isFeatureMetric(METRICS.get(name))) {
      ctx.addIssue({ code: "custom", message: notASampleMetric(name), path: ["metrics", i] });
    }
  });
  (suite.featureMetrics ?? []).forEach((name, i) => {
    known(METRICS, name, ["featureMetrics", i]);
    if (METRICS.has(name) && !isFeatureMetric(METRICS.get(name))) {
      ctx.addIssue({
        code: "custom",
        message: `metric '${name}' scores a generator's samples: name it in 'metrics'`,
        path: ["featureMetrics", i],
      });
    }
  });
  if (suite.featureMetrics && !suite.metrics.includes("images")) {
    ctx.addIssue({
      code: "custom",
      message: "featureMetrics chooses what the 'images' metric computes: add 'images' to metrics",
      path: ["featureMetrics"],
    });
  }
  suite.variants.forEach((entry, i) => {
    const name = typeof entry === "string" ? entry : entry.name;
    known(VARIANTS, name, ["variants", i, ...(typeof entry === "string" ? [] : ["name"])]);
    if (typeof entry !== "string" && entry.architecture) {
      known(ARCHITECTURES, entry.architecture, ["variants", i, "architecture"]);
    }
    if (typeof entry !== "string") {
      for (const reg of Object.keys(entry.regularisers ?? {})) {
        known(REGULARISERS, reg, ["variants", i, "regularisers", reg]);
      }
    }
  });
  const labels = suite.variants.map(variantLabel);
  labels.forEach((label, i) => {
    if (labels.indexOf(label) !== i) {
      ctx.addIssue({
        code: "custom",
        message: `duplicate variant '${label}': give one a label`,
        path: ["variants", i],
      });
    }
  });
  modelIssues(suite, ctx);
  figureSourceIssues(suite, ctx);
  if (!allFigures().has(suite.primary)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown figure '${suite.primary}'. Available: ${
        [...allFigures().keys()].join(", ")
      }`,
      path: ["primary"],
    });
  }
  (suite.headline ?? []).forEach((figure, i) => {
    if (!allFigures().has(figure)) {
      ctx.addIssue({
        code: "custom",
        message: `unknown figure '${figure}'. Available: ${[...allFigures().keys()].join(", ")}`,
        path: ["headline", i],
      });
    }
  });
  if (suite.replication) replicationIssues(suite, labels, ctx);
  for (const profile of PROFILES) {
    const budget = suite.profiles[profile];
    if (!budget) continue;
    (budget.variants ?? []).forEach((label, i) => {
      if (!labels.includes(label)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown variant '${label}'. Available: ${labels.join(", ")}`,
          path: ["profiles", profile, "variants", i],
        });
      }
    });
    for (const name of Object.keys(budget.datasets ?? {})) {
      if (!suite.datasets.includes(name)) {
        ctx.addIssue({
          code: "custom",
          message: unknownNameMessage("dataset", name, suite.datasets, " in the suite's datasets"),
          path: ["profiles", profile, "datasets", name],
        });
      }
    }
    stepIssues(budget, ["profiles", profile], ctx);
    for (const [name, own] of Object.entries(budget.datasets ?? {})) {
      // Only where the override sets the figures compared: a profile-level problem is said once.
      if (own.steps || own.evalEvery || own.logEvery) {
        stepIssues(
          datasetBudget(suite, budget, name),
          ["profiles", profile, "datasets", name],
          ctx,
        );
      }
    }
    const problem = gridSizeProblem(
      suite.datasets.length,
      budget.variants?.length ?? suite.variants.length,
      Math.max(...suite.datasets.map((name) => datasetBudget(suite, budget, name).seeds.length)),
    );
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["profiles", profile] });
  }
});

/**
 * Issues of each model-option source alone (the suite's, each variant's, each profile's), parsed
 * by its architecture's schema: merged, a profile's `model.generator` replaces the suite's whole,
 * so a typo in the suite's would otherwise pass unseen where a profile overrides it.
 */
function modelIssues(suite: z.infer<typeof SuiteFields>, ctx: z.RefinementCtx): void {
  const check = (architecture: string, model: unknown, path: (string | number)[]) => {
    if (model === undefined || !ARCHITECTURES.has(architecture)) return;
    const parsed = ARCHITECTURES.get(architecture).options.safeParse(model, { reportInput: true });
    if (parsed.success) return;
    const issue = parsed.error.issues[0];
    ctx.addIssue(
      { ...issue, path: [...path, ...issue.path] } as Parameters<typeof ctx.addIssue>[0],
    );
  };
  check(suite.architecture, suite.model, ["model"]);
  suite.variants.forEach((entry, i) => {
    if (typeof entry === "string") return;
    check(entry.architecture ?? suite.architecture, entry.model, ["variants", i, "model"]);
  });
  for (const profile of PROFILES) {
    const budget = suite.profiles[profile];
    check(suite.architecture, budget?.model, ["profiles", profile, "model"]);
    for (const [architecture, model] of Object.entries(budget?.models ?? {})) {
      if (!ARCHITECTURES.has(architecture)) {
        ctx.addIssue({
          code: "custom",
          message: ARCHITECTURES.unknownMessage(architecture),
          path: ["profiles", profile, "models", architecture],
        });
      }
      check(architecture, model, ["profiles", profile, "models", architecture]);
    }
  }
}

/**
 * Issues of a primary or headline figure that comes from a metric the suite does not compute:
 * the suite would train every cell and then rank nothing. Dynamics figures come from training.
 */
function figureSourceIssues(suite: z.infer<typeof SuiteFields>, ctx: z.RefinementCtx): void {
  const sources = new Map<string, string>();
  for (const [name, metric] of METRICS.entries()) {
    for (const figure of metric.figures) sources.set(figure.key, name);
  }
  const figures: [string, (string | number)[]][] = [
    [suite.primary, ["primary"]],
    ...(suite.headline ?? []).map((f, i): [string, (string | number)[]] => [f, ["headline", i]]),
  ];
  for (const [figure, path] of figures) {
    const metric = sources.get(figure);
    if (metric && !suite.metrics.includes(metric)) {
      ctx.addIssue({
        code: "custom",
        message: `figure '${figure}' comes from metric '${metric}', which the suite's metrics (${
          suite.metrics.join(", ")
        }) leave out`,
        path,
      });
    }
  }
}

/** Issues of a budget's evaluation and logging intervals against its steps. */
function stepIssues(budget: Budget, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (budget.steps > 0 && budget.evalEvery > budget.steps) {
    ctx.addIssue({
      code: "custom",
      message: `must be <= steps (${budget.steps}), got ${budget.evalEvery}`,
      path: [...path, "evalEvery"],
    });
  }
  for (const key of ["evalEvery", "logEvery"] as const) {
    const every = budget[key] ?? Math.max(1, Math.floor(budget.steps / 100));
    const least = Math.ceil(budget.steps / SUITE_LIMITS.curvePoints);
    if (every < least) {
      ctx.addIssue({
        code: "custom",
        message: `must be >= ${least}: steps / ${key} = ${
          Math.ceil(budget.steps / every)
        } points per run, more than ${SUITE_LIMITS.curvePoints}, got ${every}`,
        path: [...path, key],
      });
    }
  }
}

/** Issues of a suite's replication section that need the rest of the suite: names it refers to. */
function replicationIssues(
  suite: z.infer<typeof SuiteFields>,
  labels: string[],
  ctx: z.RefinementCtx,
): void {
  const replication = suite.replication!;
  if (!(replication.paperProfile in suite.profiles)) {
    ctx.addIssue({
      code: "custom",
      message: `the suite has no profile '${replication.paperProfile}'. Its profiles: ${
        Object.keys(suite.profiles).join(", ")
      }`,
      path: ["replication", "paperProfile"],
    });
  }
  replication.findings.forEach((finding, f) => {
    const path = ["replication", "findings", f];
    if (!suite.datasets.includes(finding.dataset)) {
      ctx.addIssue({
        code: "custom",
        message: `dataset '${finding.dataset}' is not one of the suite's (${
          suite.datasets.join(", ")
        })`,
        path: [...path, "dataset"],
      });
    }
    finding.rows.forEach((row, r) => {
      if (!labels.includes(row.variant)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown variant '${row.variant}'. Available: ${labels.join(", ")}`,
          path: [...path, "rows", r, "variant"],
        });
      }
    });
    finding.columns.forEach((column, c) => {
      if (!allFigures().has(column.figure)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown figure '${column.figure}'. Available: ${
            [...allFigures().keys()].join(", ")
          }`,
          path: [...path, "columns", c, "figure"],
        });
      }
    });
  });
}

/** The profiles `suite` has, in {@linkcode PROFILES} order. */
export function suiteProfiles(suite: Pick<Suite, "profiles">): Profile[] {
  return PROFILES.filter((profile) => suite.profiles[profile] !== undefined);
}

/** One profile's budget, as parsed. */
export type Budget = z.infer<typeof BudgetSchema>;

/**
 * The budget of `suite` at `profile`.
 *
 * @throws {SuiteError} "Suite 'pacgan' has no profile 'quick'. Its profiles: smoke, replicate, paper"
 */
export function profileBudget(suite: Suite, profile: Profile): Budget {
  const budget = suite.profiles[profile];
  if (!budget) throw new SuiteError(noProfileMessage(suite, profile));
  return budget;
}

/** A profile's budget for one dataset: the profile's, with that dataset's overrides, and its seeds. */
export function datasetBudget(
  suite: Pick<Suite, "seeds">,
  budget: Budget,
  dataset: string,
): Budget & { seeds: number[] } {
  const { datasets: _overrides, ...own } = budget;
  const merged = { ...own, ...budget.datasets?.[dataset] };
  return { ...merged, seeds: merged.seeds ?? suite.seeds };
}

/** Every seed a profile runs on any of the suite's datasets, in increasing order. */
export function profileSeeds(suite: Pick<Suite, "seeds" | "datasets">, budget: Budget): number[] {
  return [...new Set(suite.datasets.flatMap((name) => datasetBudget(suite, budget, name).seeds))]
    .sort((a, b) => a - b);
}

/** "Suite 'pacgan' has no profile 'quick'. Its profiles: smoke, replicate, paper". */
export function noProfileMessage(suite: Suite, profile: string): string {
  return `Suite '${suite.name}' has no profile '${profile}'. Its profiles: ${
    suiteProfiles(suite).join(", ")
  }`;
}

/**
 * Why a grid of `datasets` x `variants` x `seeds` cells is too large to run (more than
 * {@linkcode SUITE_LIMITS}.cells), or undefined.
 */
export function gridSizeProblem(
  datasets: number,
  variants: number,
  seeds: number,
): string | undefined {
  const cells = datasets * variants * seeds;
  return cells > SUITE_LIMITS.cells
    ? `${cells} cells (${datasets} datasets x ${variants} variants x ${seeds} seeds), more than ${SUITE_LIMITS.cells}`
    : undefined;
}
/** A parsed suite. */
export type Suite = Omit<z.infer<typeof SuiteSchema>, "features"> & {
  name: string;
  path: string;
  /** The feature extractor its image metrics use: the suite's, or the first available of its list. */
  features?: string;
  /** The identity of that extractor's weights, for extractors of user-supplied files. */
  featuresModel?: string;
  /** One line for a run's output saying which features are used (extractors of user files). */
  featuresNote?: string;
  /** Why none of the suite's extractors can run here; a run stops on it. */
  featuresUnavailable?: string;
};

/**
 * The suite with its features chosen (see {@linkcode chooseExtractor}) and, when the choice is not
 * the first of its list, the figures its primary and headline name relabelled to the chosen
 * extractor's (`images.fid[inception]` → `images.fid[cifar10-net]`).
 */
function withChosenFeatures(
  suite: z.infer<typeof SuiteSchema> & { name: string; path: string },
): Suite {
  const { features } = suite;
  if (features === undefined) return suite as Suite;
  const listed = typeof features === "string" ? [features] : features;
  const names = listed.map((name) =>
    name === "inception-fid" ? inceptionFidName(suite.fidResize) : name
  );
  const chosen = chooseExtractor(names);
  const relabel = (key: string) =>
    key.replace(
      `[${EXTRACTORS.get(listed[0]).label}]`,
      `[${EXTRACTORS.get(chosen.name).label}]`,
    );
  return {
    ...suite,
    features: chosen.name,
    primary: relabel(suite.primary),
    ...(suite.headline ? { headline: suite.headline.map(relabel) } : {}),
    ...(chosen.identity ? { featuresModel: chosen.identity } : {}),
    ...(chosen.about ? { featuresNote: chosen.about } : {}),
    ...(chosen.unavailable ? { featuresUnavailable: chosen.unavailable } : {}),
  };
}

/**
 * Why `suite` cannot run on this machine (a dataset the user supplies, such as CIFAR-10, is absent
 * or malformed, or none of its feature extractors can run), or undefined when it can.
 */
export function suiteUnavailableReason(suite: Suite): string | undefined {
  for (const name of suite.datasets) {
    const reason = DATASETS.get(name).unavailableReason?.();
    if (reason) return reason;
  }
  return suite.featuresUnavailable &&
    `none of its feature extractors can run: ${suite.featuresUnavailable}`;
}

/** The leaderboard row name of a variant entry. */
export function variantLabel(entry: VariantEntry): string {
  return typeof entry === "string" ? entry : entry.label ?? entry.name;
}

/** Raised for an unreadable or invalid suite; its message is one line for the user. */
export class SuiteError extends UserError {
  override name = "SuiteError";
  override readonly code: string = "suite";
}

/** Parses suite JSON text; `name` and `path` identify it in messages. */
export function parseSuite(text: string, name: string, path: string): Suite {
  if (text.length > MAX_SUITE_BYTES) {
    throw new SuiteError(
      `Cannot parse suite '${path}': it is ${text.length} characters long, more than ${MAX_SUITE_BYTES} (1 MiB); a suite lists its seeds and variants, not data`,
    );
  }
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonInputError)) throw error;
    throw new SuiteError(`Cannot parse suite '${path}': ${error.message}`);
  }
  const parsed = SuiteSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
      : "";
    throw new SuiteError(`Cannot parse suite '${path}': ${describeIssue(issues[0])}${more}`);
  }
  return withChosenFeatures({ ...parsed.data, name, path });
}

/** The folder holding the bundled suites. */
export const SUITES_DIR = new URL("../../suites/", import.meta.url);

/** Names of the suites in `suites/`. */
export function listSuiteNames(): string[] {
  return [...Deno.readDirSync(SUITES_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => e.name.slice(0, -".json".length))
    .sort();
}

/** Loads a suite by bundled name (`mixtures`) or by path (`my/suite.json`). */
export function loadSuite(nameOrPath: string): Suite {
  const isPath = nameOrPath.endsWith(".json") || nameOrPath.includes("/");
  const url = isPath ? undefined : new URL(`${nameOrPath}.json`, SUITES_DIR);
  const path = isPath ? nameOrPath : `suites/${nameOrPath}.json`;
  let text: string;
  try {
    const info = Deno.statSync(url ?? nameOrPath);
    if (!info.isFile || info.size > MAX_SUITE_BYTES) {
      throw new SuiteError(
        `Cannot read suite '${path}': ${
          info.isFile
            ? `it is ${info.size} bytes, more than ${MAX_SUITE_BYTES} (1 MiB)`
            : "it is not a regular file"
        }`,
      );
    }
    text = Deno.readTextFileSync(url ?? nameOrPath);
  } catch (error) {
    if (error instanceof SuiteError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      const available = listSuiteNames().join(", ");
      throw new SuiteError(
        `Unknown suite '${nameOrPath}': no file ${path}. Available: ${available}`,
      );
    }
    throw userErrorFromOs(error, path) ??
      new SuiteError(`Cannot read suite '${path}': ${(error as Error).message}`);
  }
  const name = isPath ? path.split("/").pop()!.replace(/\.json$/, "") : nameOrPath;
  // The name names the results folder and the leaderboard: '' or '.' would write into others'.
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
    throw new SuiteError(
      `Cannot use suite file '${path}': its name (the file name without .json) must be letters, digits, '.', '_' or '-', not starting with '.', got '${name}'`,
    );
  }
  return parseSuite(text, name, path);
}
