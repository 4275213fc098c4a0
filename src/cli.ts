/**
 * ganbench's command line: argument parsing and dispatch only.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ArrayFileError } from "./data/npy.ts";
import { FEATURE_METRIC_DEFAULTS, score, ScoreInputError } from "./score.ts";
import { DatasetError, DATASETS } from "./data/mod.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  BackendUnavailableError,
  listBackends,
} from "./engine/backend.ts";
import { LOSSES, REGULARISERS, VARIANTS } from "./losses/mod.ts";
import { METRICS } from "./metrics/mod.ts";
import { FEATURE_METRICS } from "./metrics/feature_metrics.ts";
import { ModelFeatureError } from "./metrics/model_features.ts";
import { FeatureNetError } from "./metrics/classifier_net.ts";
import { ExtractorInputError, EXTRACTORS } from "./metrics/extractors.ts";
import { ARCHITECTURES } from "./models/mod.ts";
import { ProgressDisplay } from "./progress.ts";
import { UnknownNameError } from "./registry.ts";
import { buildReport } from "./report/build.ts";
import { runSuite } from "./runner/run_suite.ts";
import { CorruptResultError } from "./runner/store.ts";
import { listSuiteNames, loadSuite, type Profile, PROFILES, SuiteError } from "./runner/suite.ts";

/** A command-line mistake; printed as one line with exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: "string" | "boolean"; short?: string }>;
  run(options: Options, positionals: string[]): Promise<number>;
}

const RUN_OPTIONS = {
  profile: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  jobs: { type: "string" },
  force: { type: "boolean" },
} as const;

function profileOf(options: Options, fallback: Profile): Profile {
  const profile = (options.profile as string | undefined) ?? fallback;
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(", ")}, got '${profile}'`);
  }
  return profile as Profile;
}

function backendOf(options: Options): BackendChoice {
  const backend = (options.backend as string | undefined) ?? "auto";
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(
      `--backend must be one of ${BACKEND_CHOICES.join(", ")}, got '${backend}'`,
    );
  }
  return backend as BackendChoice;
}

function positiveIntOf(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  }
  return value;
}

function listOf(text: string | undefined): string[] | undefined {
  return text?.split(",").map((s) => s.trim()).filter(Boolean);
}

function seedsOf(text: string | undefined): number[] | undefined {
  return listOf(text)?.map((s) => {
    if (!/^-?\d+$/.test(s)) {
      throw new UsageError(`--seeds must be comma-separated integers, got '${text}'`);
    }
    return Number(s);
  });
}

async function runSuites(
  names: string[],
  options: Options,
  extra: { variants?: string[]; seeds?: number[] },
) {
  const profile = profileOf(options, "quick");
  const outDir = (options.out as string | undefined) ?? "results";
  const suites = names.map(loadSuite); // validate every suite before training anything
  const display = new ProgressDisplay();
  try {
    for (const suite of suites) {
      await runSuite(suite, {
        profile,
        backend: backendOf(options),
        outDir,
        force: options.force === true,
        jobs: positiveIntOf(
          options.jobs as string | undefined,
          "--jobs",
          navigator.hardwareConcurrency || 1,
        ),
        ...extra,
        log: (line) => display.log(line),
        onProgress: (cell, progress) => display.update(cell, progress),
      });
    }
  } finally {
    display.close();
  }
  const report = await buildReport(outDir);
  for (const problem of report.problems) console.error(`ganbench: ${problem}`);
  console.log(`\n${report.markdown}`);
  console.log(`Results and leaderboards: ${outDir}/`);
  return report.problems.length ? 1 : 0;
}

const COMMANDS: Record<string, Command> = {
  bench: {
    summary: "run every suite in suites/ and print the leaderboards",
    usage: "bench [--profile smoke|quick|full] [--backend B] [--out DIR] [--jobs N] [--force]",
    options: RUN_OPTIONS,
    run: (options) => runSuites(listSuiteNames(), options, {}),
  },
  suite: {
    summary: "run one suite (a name in suites/ or a path to a suite file)",
    usage:
      "suite NAME [--profile smoke|quick|full] [--variants a,b] [--seeds 0,1,2] [--backend B] [--out DIR] [--jobs N] [--force]",
    options: { ...RUN_OPTIONS, variants: { type: "string" }, seeds: { type: "string" } },
    run(options, positionals) {
      if (positionals.length !== 1) {
        throw new UsageError(`suite takes one suite name, got ${positionals.length}`);
      }
      return runSuites(positionals, options, {
        variants: listOf(options.variants as string | undefined),
        seeds: seedsOf(options.seeds as string | undefined),
      });
    },
  },
  list: {
    summary: "list suites, variants, datasets, architectures, metrics and backends",
    usage: "list",
    options: {},
    async run() {
      const section = (title: string, rows: [string, string][]) => {
        console.log(`${title}:`);
        const width = Math.max(...rows.map(([name]) => name.length));
        for (const [name, text] of rows) console.log(`  ${name.padEnd(width)}  ${text}`);
        console.log();
      };
      section("suites", listSuiteNames().map((name) => [name, loadSuite(name).description]));
      section("variants", VARIANTS.entries().map(([name, v]) => [name, v.description]));
      section("losses", LOSSES.entries().map(([name, l]) => [name, l.description]));
      section("regularisers", REGULARISERS.entries().map(([name, r]) => [name, r.description]));
      section("datasets", DATASETS.entries().map(([name, d]) => [name, d.description]));
      section("architectures", ARCHITECTURES.entries().map(([name, a]) => [name, a.description]));
      section("metrics", METRICS.entries().map(([name, m]) => [name, m.description]));
      section(
        "feature metrics (score)",
        FEATURE_METRICS.entries().map(([name, m]) => [name, m.description]),
      );
      section("feature extractors (score --features, suites' features)", [
        ...EXTRACTORS.entries().map(([name, e]): [string, string] => [name, e.description]),
        ["inception=PATH", "a TF.js graph or layers model of yours, e.g. a converted InceptionV3"],
      ]);
      section(
        "backends",
        (await listBackends()).map((
          b,
        ) => [b.name, `${b.available ? "available" : "unavailable"}: ${b.detail}`]),
      );
      return 0;
    },
  },
  report: {
    summary: "rebuild leaderboards from stored results",
    usage: "report [--results DIR] [--out DIR]",
    options: { results: { type: "string" }, out: { type: "string" } },
    async run(options) {
      const resultsDir = (options.results as string | undefined) ?? "results";
      const report = await buildReport(
        resultsDir,
        (options.out as string | undefined) ?? resultsDir,
      );
      for (const problem of report.problems) console.error(`ganbench: ${problem}`);
      if (!report.leaderboards.length) {
        console.error(`ganbench: no results under '${resultsDir}'`);
        return 1;
      }
      console.log(report.markdown);
      return report.problems.length ? 1 : 0;
    },
  },
  score: {
    summary:
      "score your own samples or features (FID, KID, IS, precision/recall, density/coverage, modes)",
    usage:
      "score [--metrics fid,kid,is,prc,dc,modes] [--features raw|mnist|fashion|inception=PATH] [--feature-input-size 299] [--feature-node NAME] [--mixture ring8|grid25] [--kid-subsets N] [--kid-subset-size N] [--is-splits N] [--seed N] [--save-stats OUT.npz] [--json] INPUT1 [INPUT2]",
    options: {
      metrics: { type: "string" },
      features: { type: "string" },
      mixture: { type: "string" },
      "kid-subsets": { type: "string" },
      "kid-subset-size": { type: "string" },
      "is-splits": { type: "string" },
      seed: { type: "string" },
      "save-stats": { type: "string" },
      "feature-input-size": { type: "string" },
      "feature-node": { type: "string" },
      json: { type: "boolean" },
    },
    async run(options, positionals) {
      const int = (flag: string, fallback: number) =>
        positiveIntOf(options[flag] as string | undefined, `--${flag}`, fallback);
      const mixture = options.mixture as string | undefined;
      const fallback = mixture
        ? ["modes"]
        : positionals.length > 1
        ? ["fid", "kid", "prc", "dc"]
        : ["is"];
      const output = await score({
        metrics: listOf(options.metrics as string | undefined) ?? fallback,
        features: (options.features as string | undefined) ?? "raw",
        mixture,
        inputs: positionals,
        saveStats: options["save-stats"] as string | undefined,
        model: {
          inputSize: int("feature-input-size", 299),
          node: options["feature-node"] as string | undefined,
        },
        options: {
          kidSubsets: int("kid-subsets", FEATURE_METRIC_DEFAULTS.kidSubsets),
          kidSubsetSize: int("kid-subset-size", FEATURE_METRIC_DEFAULTS.kidSubsetSize),
          isSplits: int("is-splits", FEATURE_METRIC_DEFAULTS.isSplits),
          seed: seedsOf(options.seed as string | undefined)?.[0] ?? FEATURE_METRIC_DEFAULTS.seed,
        },
      });
      console.log(options.json ? JSON.stringify(output) : JSON.stringify(output, null, 2));
      return 0;
    },
  },
};

function help(): string {
  const lines = [
    "ganbench: train GAN variants under fixed seeds and budgets and compare them",
    "",
    "commands:",
  ];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(7)} ${command.summary}`);
  }
  lines.push("", "usage:");
  for (const command of Object.values(COMMANDS)) lines.push(`  deno task ${command.usage}`);
  return lines.join("\n");
}

const USER_ERRORS = [
  UsageError,
  SuiteError,
  UnknownNameError,
  BackendUnavailableError,
  CorruptResultError,
  ArrayFileError,
  DatasetError,
  ScoreInputError,
  ModelFeatureError,
  FeatureNetError,
  ExtractorInputError,
];

/** Runs the command line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return name ? 0 : 2;
  }
  try {
    const command = COMMANDS[name];
    if (!command) {
      throw new UsageError(
        `unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(", ")}`,
      );
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: command.options,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(
        `${(error as Error).message.split("\n")[0]}; usage: deno task ${command.usage}`,
      );
    }
    return await command.run(parsed.values as Options, parsed.positionals);
  } catch (error) {
    if (USER_ERRORS.some((kind) => error instanceof kind)) {
      console.error(`ganbench: ${(error as Error).message}`);
      return error instanceof UsageError ? 2 : 1;
    }
    if (Deno.env.get("GANBENCH_DEBUG")) console.error(error);
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.error(
      `ganbench: internal error: ${message} (set GANBENCH_DEBUG=1 for the stack trace)`,
    );
    return 70;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
