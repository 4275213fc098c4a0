/**
 * The suite file format: a zod schema, registry-name checks, and one-line error messages.
 *
 * @module
 */
import { z } from "zod";
import { DATASETS } from "../data/mod.ts";
import { DEFAULT_HYPER, Hyper, VARIANTS } from "../losses/mod.ts";
import { REGULARISERS } from "../losses/mod.ts";
import { allFigures, METRICS } from "../metrics/mod.ts";
import { EXTRACTORS } from "../metrics/extractors.ts";
import { ARCHITECTURES } from "../models/mod.ts";
import type { Registry } from "../registry.ts";

/** The budget profiles every suite defines. */
export const PROFILES = ["smoke", "quick", "full"] as const;
/** A budget profile name. */
export type Profile = typeof PROFILES[number];

const positiveInt = z.int().positive();

/** One profile's budget and default hyper-parameters. */
export const BudgetSchema = z.strictObject({
  steps: positiveInt,
  batchSize: positiveInt,
  k: z.int().min(1).default(DEFAULT_HYPER.k),
  scheme: Hyper.shape.scheme.default(DEFAULT_HYPER.scheme),
  optimizer: Hyper.shape.optimizer.default(DEFAULT_HYPER.optimizer),
  lrG: Hyper.shape.lrG,
  lrD: Hyper.shape.lrD,
  beta1: Hyper.shape.beta1.default(DEFAULT_HYPER.beta1),
  beta2: Hyper.shape.beta2.default(DEFAULT_HYPER.beta2),
  evalEvery: positiveInt,
  logEvery: positiveInt.optional(),
  evalSamples: positiveInt.default(2500),
  maxSeconds: z.number().positive().optional(),
  seeds: z.array(z.int()).min(1).optional(),
  /** Overrides of the suite architecture's options at this profile. */
  model: z.record(z.string(), z.unknown()).optional(),
  /** Overrides, by architecture, of the options of variants that use another architecture. */
  models: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** The variant labels this profile runs (default: all), e.g. to leave costly ones to `full`. */
  variants: z.array(z.string()).min(1).optional(),
  /** Generated (and real reference) samples of the final evaluation; default evalSamples. */
  finalSamples: positiveInt.optional(),
});
/** A parsed profile budget. */
export type BudgetSpec = z.infer<typeof BudgetSchema>;

/** A variant as a suite lists it: a registered name, or the name with overrides. */
export const VariantEntrySchema = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    /** Row name in the leaderboard when one variant is listed twice with different overrides. */
    label: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "must be lower-case letters, digits, '.', '-'")
      .optional(),
    ...Hyper.partial().shape,
    regularisers: z.record(z.string(), z.number().nonnegative()).optional(),
    /** Another architecture than the suite's, e.g. the original GAN paper's MLP. */
    architecture: z.string().optional(),
    /** Options of the variant's architecture (merged over the suite's when it is the same). */
    model: z.record(z.string(), z.unknown()).optional(),
  }),
]);
/** A variant entry as written. */
export type VariantEntry = z.infer<typeof VariantEntrySchema>;

/** The whole suite file. */
export const SuiteSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.int().positive(),
  description: z.string(),
  datasets: z.array(z.string()).min(1),
  architecture: z.string().default("mlp"),
  latentDim: positiveInt,
  /** Feature extractor of the image metrics (see src/metrics/extractors.ts). */
  features: z.string().optional(),
  model: z.record(z.string(), z.unknown()).default({}),
  variants: z.array(VariantEntrySchema).min(1),
  seeds: z.array(z.int()).min(1),
  metrics: z.array(z.string()).min(1),
  primary: z.string(),
  profiles: z.strictObject({ smoke: BudgetSchema, quick: BudgetSchema, full: BudgetSchema }),
}).superRefine((suite, ctx) => {
  const known = <T>(registry: Registry<T>, name: string, path: (string | number)[]) => {
    if (!registry.has(name)) {
      ctx.addIssue({ code: "custom", message: registry.unknownMessage(name), path });
    }
  };
  suite.datasets.forEach((name, i) => known(DATASETS, name, ["datasets", i]));
  if (suite.features !== undefined) known(EXTRACTORS, suite.features, ["features"]);
  known(ARCHITECTURES, suite.architecture, ["architecture"]);
  suite.metrics.forEach((name, i) => known(METRICS, name, ["metrics", i]));
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
  if (!allFigures().has(suite.primary)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown figure '${suite.primary}'. Available: ${
        [...allFigures().keys()].join(", ")
      }`,
      path: ["primary"],
    });
  }
  for (const profile of PROFILES) {
    const budget = suite.profiles[profile];
    (budget.variants ?? []).forEach((label, i) => {
      if (!labels.includes(label)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown variant '${label}'. Available: ${labels.join(", ")}`,
          path: ["profiles", profile, "variants", i],
        });
      }
    });
    if (budget.steps > 0 && budget.evalEvery > budget.steps) {
      ctx.addIssue({
        code: "custom",
        message: `must be <= steps (${budget.steps}), got ${budget.evalEvery}`,
        path: ["profiles", profile, "evalEvery"],
      });
    }
  }
});
/** A parsed suite. */
export type Suite = z.infer<typeof SuiteSchema> & { name: string; path: string };

/** The leaderboard row name of a variant entry. */
export function variantLabel(entry: VariantEntry): string {
  return typeof entry === "string" ? entry : entry.label ?? entry.name;
}

/** Raised for an unreadable or invalid suite; its message is one line for the user. */
export class SuiteError extends Error {
  override name = "SuiteError";
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
    .join("");
}

/** One line for the first schema problem: "profiles.quick.steps: Too small: expected ... , got -3". */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? `${formatPath(issue.path)}: ` : "";
  const got = "input" in issue && issue.input !== undefined && issue.code !== "custom" &&
      issue.code !== "unrecognized_keys"
    ? `, got ${JSON.stringify(issue.input)}`
    : "";
  return `${where}${issue.message}${got}`;
}

/** Parses suite JSON text; `name` and `path` identify it in messages. */
export function parseSuite(text: string, name: string, path: string): Suite {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SuiteError(
      `Cannot parse suite '${path}': invalid JSON (${(error as Error).message})`,
    );
  }
  const parsed = SuiteSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
      : "";
    throw new SuiteError(`Cannot parse suite '${path}': ${describeIssue(issues[0])}${more}`);
  }
  return { ...parsed.data, name, path };
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
    text = Deno.readTextFileSync(url ?? nameOrPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const available = listSuiteNames().join(", ");
      throw new SuiteError(
        `Unknown suite '${nameOrPath}': no file ${path}. Available: ${available}`,
      );
    }
    throw new SuiteError(`Cannot read suite '${path}': ${(error as Error).message}`);
  }
  const name = isPath ? path.split("/").pop()!.replace(/\.json$/, "") : nameOrPath;
  return parseSuite(text, name, path);
}
