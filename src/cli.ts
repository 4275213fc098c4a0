/**
 * ganbench's command line: argument parsing and dispatch only. Each command's options are defined
 * once (see cli_options.ts); parsing, validation, `--help` and docs/cli.md derive from them.
 *
 * @module
 */
import { join } from "node:path";
import {
  type CommandSpec,
  defineCommand,
  helpWidth,
  type OptionValues,
  parseCommandLine,
  renderCommandHelp,
  renderHelpRows,
  renderUsage,
} from "./cli_options.ts";
import { DATASETS } from "./data/mod.ts";
import { printable } from "./data/input_file.ts";
import { BACKEND_CHOICES, type BackendChoice, listBackends } from "./engine/backend.ts";
import { isUserError, UsageError, userErrorFromOs } from "./errors.ts";
import { LOSSES, REGULARISERS, VARIANTS } from "./losses/mod.ts";
import { featureMetrics, METRICS, sampleMetrics } from "./metrics/mod.ts";
import { EXTRACTORS, FID_RESIZES, type FidResize } from "./metrics/extractors.ts";
import { ARCHITECTURES } from "./models/mod.ts";
import { ProgressDisplay } from "./progress.ts";
import { unknownNameMessage } from "./registry.ts";
import { buildReport } from "./report/build.ts";
import { renderMarkdown } from "./report/leaderboard.ts";
import { fitMarkdown, stdoutColumns } from "./terminal.ts";
import { describeReuse, planSuite, runPlan, type SuitePlan } from "./runner/run_suite.ts";
import { releaseHeldClaims } from "./runner/claim.ts";
import { estimateRun, renderCost } from "./runner/cost.ts";
import { cellId, checkPlanCells, readPlanFile, type RunPlan } from "./runner/plan_file.ts";
import { parseShard } from "./runner/shard.ts";
import { LOCKSTEP_AUTO, LOCKSTEP_AUTO_BY_ARCHITECTURE } from "./train/lockstep.ts";
import { suiteDir } from "./runner/store.ts";
import {
  renderPlan,
  renderStatus,
  runPlanOf,
  type Survey,
  surveyPlan,
  surveyRun,
} from "./runner/survey.ts";
import {
  listSuiteNames,
  loadSuite,
  noProfileMessage,
  type Profile,
  PROFILES,
  profileSeeds,
  type Suite,
  SuiteError,
  suiteUnavailableReason,
  variantLabel,
} from "./runner/suite.ts";
import { DATA_ENV } from "./data/cifar10.ts";
import {
  FEATURE_METRIC_DEFAULTS,
  score,
  scoreMetricNames,
  VALUE_RANGES,
  type ValueRange,
} from "./score.ts";

/** Where runs of the committed profiles keep their results (tracked in git). */
export const RESULTS_DIR = "results";
/** Where other runs go unless --out says otherwise (ignored by git). */
export const SCRATCH_DIR = "results-scratch";

/** `--lockstep` of `bench`, `suite`, `rescore` and `plan`. */
const LOCKSTEP_OPTION = {
  type: "count",
  value: "S",
  defaultText: `${LOCKSTEP_AUTO} where the row's configuration can (${
    Object.entries(LOCKSTEP_AUTO_BY_ARCHITECTURE).map(([name, size]) => `${name}: ${size}`).join(
      ", ",
    )
  }), else 1`,
  description:
    "seeds of a row trained together as one batched model (each stored as its own cell, same hash); 1 trains each cell alone",
} as const;

/** The options `bench` and `suite` share. */
const RUN_OPTIONS = {
  profile: {
    type: "string",
    choices: PROFILES,
    default: "quick",
    description:
      "budget: smoke (seconds; plumbing checks), quick (under a minute to about an hour per suite on 2 cores), full (the papers'); replication suites: replicate (fewer steps), paper",
  },
  backend: {
    type: "string",
    choices: BACKEND_CHOICES,
    default: "auto",
    description:
      "TensorFlow.js backend; auto takes the first that runs: tensorflow, webgpu, blas (wasm with the system BLAS's products), wasm",
  },
  out: {
    type: "string",
    value: "DIR",
    defaultText: `${RESULTS_DIR}; ${SCRATCH_DIR} for smoke and --variants/--seeds subsets`,
    description: "folder of the results, leaderboards and site",
  },
  jobs: {
    type: "count",
    default: () => navigator.hardwareConcurrency || 1,
    defaultText: "CPU cores",
    description: "cells run at once, each in its own worker thread",
  },
  force: { type: "boolean", description: "recompute cells whose result is already stored" },
  data: {
    type: "string",
    value: "DIR",
    defaultText: "$GANBENCH_DATA",
    description:
      "folder of the datasets you supply (CIFAR-10: its cifar-10-batches-bin); ganbench downloads none",
  },
  shard: {
    type: "string",
    value: "I/N",
    description:
      "run only shard I of N (I from 0 to N-1): cell k of the run goes to shard k mod N; writes no leaderboard",
  },
  lockstep: LOCKSTEP_OPTION,
} as const;

/** `--suites` of `bench`, `plan` and `status`. */
const SUITES_OPTION = {
  type: "list",
  value: "a,b",
  defaultText: "every suite in suites/",
  description: "the suites to run, in suites/",
} as const;

/** `--variants` of `suite`, `plan` and `status`. */
const VARIANTS_OPTION = {
  type: "list",
  value: "a,b",
  defaultText: "the profile's",
  description: "the variants (row labels) to run",
} as const;

/** `--seeds` of `suite`, `plan` and `status`. */
const SEEDS_OPTION = {
  type: "integers",
  value: "0,1,2",
  defaultText: "the profile's",
  description: "the seeds to run, among the suite's",
} as const;

/** `--plan` of `bench` and `status`. */
const PLAN_OPTION = {
  type: "string",
  value: "FILE",
  description:
    "the run plan `plan --json` wrote: its suites, profile, backend, selection and shards, the same on every node",
} as const;

/** `--results` of `report`, `plan` and `status`. */
const RESULTS_OPTION = {
  type: "string",
  value: "DIR",
  default: "results",
  description: "folder of stored results",
} as const;

/** `--json` of `score`, `plan` and `status`. */
const JSON_OPTION = {
  type: "boolean",
  description: "print the output as one line of JSON",
} as const;

/**
 * The options `plan` and `status` share: a run's selection (as `bench` or `suite NAME` takes it),
 * where its results are, and how many shards it is split into.
 */
const SURVEY_OPTIONS = {
  suites: SUITES_OPTION,
  profile: RUN_OPTIONS.profile,
  backend: RUN_OPTIONS.backend,
  variants: VARIANTS_OPTION,
  seeds: SEEDS_OPTION,
  results: {
    type: "string",
    value: "DIR",
    defaultText: `where the run writes without --out: ${RESULTS_DIR}, or ${SCRATCH_DIR}`,
    description: "folder of stored results",
  },
  shards: {
    type: "count",
    default: 1,
    description: "the run's number of shards (N of --shard I/N)",
  },
  json: JSON_OPTION,
} as const;

/** The optional suite name of `plan` and `status`. */
const SURVEY_POSITIONALS = {
  usage: "[NAME]",
  noun: "suite name",
  description: "the cells of `suite NAME`; without it, those of `bench` (and its --suites)",
  min: 0,
  max: 1,
};

/** The mixtures `score --mixture` can score against. */
const MIXTURES = DATASETS.entries().filter(([, dataset]) => dataset.mixture).map(([name]) => name);

/** Every command, in the order help lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  bench: defineCommand({
    summary: "run every suite in suites/ and print their leaderboards",
    options: { ...RUN_OPTIONS, suites: SUITES_OPTION, plan: PLAN_OPTION },
    run: async (values) => {
      useDataFolder(values.data);
      if (values.plan !== undefined) {
        if (values.suites) throw new UsageError(`--suites: a --plan names its own suites`);
        const plan = await readPlanFile(values.plan);
        const { profile, backend, variants, seeds } = plan;
        const lockstep = values.lockstep ?? plan.lockstep;
        return runSuites(plan.suites, { ...values, profile, backend, lockstep }, {
          variants,
          seeds,
        }, {
          plan,
          path: values.plan,
        });
      }
      return runSuites(values.suites ?? suitesWithProfile(values.profile as Profile), values, {});
    },
  }),
  suite: defineCommand({
    summary:
      "run one suite (a name in suites/ or a path to a suite file) and print its leaderboards",
    positionals: {
      usage: "NAME",
      noun: "suite name",
      description: "a suite in suites/ (e.g. mixtures) or the path of a suite file",
      min: 1,
      max: 1,
    },
    options: {
      ...RUN_OPTIONS,
      variants: VARIANTS_OPTION,
      seeds: SEEDS_OPTION,
    },
    run: (values, [name]) =>
      runSuites([name], values, { variants: values.variants, seeds: values.seeds }),
  }),
  rescore: defineCommand({
    summary:
      "re-score stored generators under the suites' current metrics, without training; print the leaderboards",
    positionals: {
      usage: "[NAME]",
      noun: "suite name",
      description: "a suite in suites/ or the path of a suite file; without it, every suite",
      min: 0,
      max: 1,
    },
    options: {
      ...RUN_OPTIONS,
      force: {
        type: "boolean",
        description: "train the cells that cannot be re-scored (no stored generator)",
      },
    },
    run: (values, [name]) =>
      runSuites(name === undefined ? suitesWithProfile(values.profile as Profile) : [name], {
        ...values,
        rescoreOnly: true,
      }, {}),
  }),
  list: defineCommand({
    summary: "list suites, variants, datasets, architectures, metrics and backends",
    options: {},
    run: listEverything,
  }),
  report: defineCommand({
    summary: "rebuild the leaderboards and the site from stored results",
    options: {
      results: RESULTS_OPTION,
      out: {
        type: "string",
        value: "DIR",
        defaultText: "--results",
        description: "where the leaderboards and the site go",
      },
    },
    async run(values) {
      const report = await buildReport(values.results, values.out ?? values.results);
      for (const problem of report.problems) console.error(`ganbench: ${printable(problem)}`);
      for (const { suite, profile, missing, planned } of report.missing) {
        console.error(
          `ganbench: ${suite}/${profile}: ${missing} of ${planned} cells missing, left out of its leaderboard (deno task status lists them)`,
        );
      }
      if (!report.leaderboards.length) {
        console.error(`ganbench: no results under '${values.results}'`);
        return 1;
      }
      console.log(
        fitMarkdown(
          report.markdown,
          stdoutColumns(),
          join(values.out ?? values.results, "leaderboard.md"),
        ),
      );
      return report.problems.length ? 1 : 0;
    },
  }),
  plan: defineCommand({
    summary: "list a run's cells, each with its shard and whether it is stored",
    positionals: SURVEY_POSITIONALS,
    options: {
      ...SURVEY_OPTIONS,
      nodes: {
        type: "count",
        defaultText: "--shards",
        description: "nodes of the projected cost's cluster, each running one shard at a time",
      },
      cores: {
        type: "count",
        default: () => navigator.hardwareConcurrency || 1,
        defaultText: "CPU cores here",
        description: "cores per node of the projected cost's cluster (a shard's --jobs)",
      },
      lockstep: LOCKSTEP_OPTION,
    },
    async run(values, names) {
      const survey = await surveyCommandLine(values, names);
      const estimate = await estimateRun(survey.suites.map(loadNamedSuite), survey, {
        nodes: values.nodes ?? survey.shards,
        cores: values.cores,
        shards: survey.shards,
      });
      console.log(
        values.json
          ? JSON.stringify({ ...runPlanOf(survey), estimate })
          : `${renderPlan(survey)}\n${renderCost(estimate)}`,
      );
      return 0;
    },
  }),
  status: defineCommand({
    summary:
      "list a run's missing, failed and running cells and the shards to resubmit; exit 3 until all are stored",
    positionals: SURVEY_POSITIONALS,
    options: {
      ...SURVEY_OPTIONS,
      plan: PLAN_OPTION,
      indices: {
        type: "boolean",
        description: "print only the shards to resubmit, comma-separated (for sbatch --array)",
      },
    },
    async run(values, names) {
      const survey = await surveyCommandLine(values, names);
      console.log(renderStatus(survey, { json: values.json, indices: values.indices }));
      return survey.cells.every((cell) => cell.state === "stored") ? 0 : 3;
    },
  }),
  score: defineCommand({
    summary:
      "score your own samples or features (FID, KID, IS, precision/recall, density/coverage, modes)",
    positionals: {
      usage: "INPUT1 [INPUT2]",
      noun: "input",
      description:
        "a folder of PNGs, an .npy array or an .npz of FID statistics; INPUT2: reference",
      min: 1,
      max: 2,
    },
    options: {
      metrics: {
        type: "list",
        choices: scoreMetricNames(),
        defaultText: "fid,kid,prc,dc (two inputs), is (one), modes (--mixture)",
        description: "the metrics to compute",
      },
      features: {
        type: "string",
        value: "raw|mnist|fashion|cifar10|inception-fid=DIR|inception=PATH",
        default: "raw",
        description: "feature extractor the inputs go through",
      },
      "feature-node": {
        type: "string",
        value: "NAME",
        defaultText: "the model's output",
        description: "node of an inception=PATH model to take the features from",
      },
      "feature-input-size": {
        type: "count",
        default: 299,
        description: "square input size of an inception=PATH model",
      },
      mixture: {
        type: "string",
        choices: MIXTURES,
        description: "the mixture the modes metric scores 2-D samples against",
      },
      "fid-resize": {
        type: "string",
        choices: FID_RESIZES,
        default: "tf1",
        description:
          "how the FID Inception resizes images to 299x299: tf1 (TTUR, torch-fidelity) or pytorch-fid",
      },
      "kid-subsets": {
        type: "count",
        default: FEATURE_METRIC_DEFAULTS.kidSubsets,
        description: "KID: random subsets averaged over",
      },
      "kid-subset-size": {
        type: "count",
        default: FEATURE_METRIC_DEFAULTS.kidSubsetSize,
        description: "KID: samples per subset (clipped to N)",
      },
      "is-splits": {
        type: "count",
        default: FEATURE_METRIC_DEFAULTS.isSplits,
        description: "IS: splits averaged over",
      },
      seed: {
        type: "integer",
        default: FEATURE_METRIC_DEFAULTS.seed,
        description: "seed of KID's random subsets",
      },
      "save-stats": {
        type: "string",
        value: "OUT.npz",
        description: "write INPUT1's FID statistics (mu, sigma); one input is then enough",
      },
      range: {
        type: "string",
        choices: VALUE_RANGES,
        defaultText: "from the dtype and the values, refused when ambiguous",
        description: "value range of .npy image inputs, mapped to [0, 1]",
      },
      json: JSON_OPTION,
    },
    async run(values, inputs) {
      const metrics = values.metrics ??
        (values.mixture
          ? ["modes"]
          : inputs.length > 1
          ? ["fid", "kid", "prc", "dc"]
          : values["save-stats"]
          ? []
          : ["is"]);
      const output = await score({
        metrics,
        features: values.features,
        mixture: values.mixture,
        fidResize: values["fid-resize"] as FidResize,
        inputs,
        saveStats: values["save-stats"],
        range: values.range as ValueRange | undefined,
        model: { inputSize: values["feature-input-size"], node: values["feature-node"] },
        options: {
          kidSubsets: values["kid-subsets"],
          kidSubsetSize: values["kid-subset-size"],
          isSplits: values["is-splits"],
          seed: values.seed,
        },
      });
      console.log(values.json ? JSON.stringify(output) : JSON.stringify(output, null, 2));
      return 0;
    },
  }),
};

type RunValues = OptionValues<typeof RUN_OPTIONS>;

/**
 * The folder a run writes to without --out: results/ for the profiles whose results are
 * committed, results-scratch/ for smoke runs (plumbing checks) and for runs of a subset of a
 * suite's variants or seeds, so that neither changes the tracked leaderboards.
 */
export function defaultRunFolder(
  profile: Profile,
  selection: { variants?: string[]; seeds?: number[] },
): string {
  return profile === "smoke" || selection.variants || selection.seeds ? SCRATCH_DIR : RESULTS_DIR;
}

/**
 * The suites in suites/ that have `profile`: what a bench without --suites runs (benchmark suites
 * have quick and full, replication suites replicate and paper).
 */
function suitesWithProfile(profile: Profile): string[] {
  return listSuiteNames().filter((name) => {
    const suite = loadSuite(name);
    if (suite.profiles[profile] === undefined) return false;
    // A suite of data the user supplies (CIFAR-10) is left out, with a note, where it is absent.
    const missing = suiteUnavailableReason(suite);
    if (missing) console.error(`ganbench: suite '${name}' skipped: ${missing}`);
    return missing === undefined;
  });
}

/** `--data DIR`: the folder of the datasets the user supplies, for this run and its workers. */
function useDataFolder(dir: string | undefined): void {
  if (dir !== undefined) Deno.env.set(DATA_ENV, dir);
}

/** Loads a suite by name or path; an unknown name is a usage mistake, with the closest name. */
function loadNamedSuite(nameOrPath: string): Suite {
  const isPath = nameOrPath.endsWith(".json") || nameOrPath.includes("/");
  const names = listSuiteNames();
  if (!isPath && !names.includes(nameOrPath)) {
    throw new UsageError(unknownNameMessage("suite", nameOrPath, names, " in suites/"));
  }
  return loadSuite(nameOrPath);
}

/**
 * Checks `--variants` and `--seeds` against the suite: an unknown variant (with the closest
 * label) or a seed the profile does not have is a usage mistake.
 */
function checkSelection(
  suite: Suite,
  profile: Profile,
  selection: { variants?: string[]; seeds?: number[] },
): void {
  const labels = suite.variants.map(variantLabel);
  for (const wanted of selection.variants ?? []) {
    if (!labels.includes(wanted)) {
      throw new UsageError(
        unknownNameMessage("variant", wanted, labels, ` in suite '${suite.name}'`),
      );
    }
  }
  const budget = suite.profiles[profile];
  if (!budget) throw new UsageError(`--profile: ${noProfileMessage(suite, profile)}`);
  const seeds = profileSeeds(suite, budget);
  const missing = (selection.seeds ?? []).filter((seed) => !seeds.includes(seed));
  if (missing.length) {
    throw new UsageError(
      `--seeds: suite '${suite.name}' has no seed ${
        missing.join(", ")
      } at profile ${profile}; its seeds: ${seeds.join(", ")}`,
    );
  }
}

/**
 * Plans every suite (checking that each selected cell can run) before any cell starts, says at
 * the top which cells are reused, runs the rest, then prints the leaderboards of what it ran.
 */
async function runSuites(
  names: string[],
  values: RunValues & { rescoreOnly?: boolean },
  selection: { variants?: string[]; seeds?: number[] },
  planned?: { plan: RunPlan; path: string },
): Promise<number> {
  const profile = values.profile as Profile;
  const out = values.out ?? defaultRunFolder(profile, selection);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (shard && planned && shard.count !== planned.plan.shards) {
    throw new UsageError(
      `--shard ${values.shard}: the plan '${planned.path}' splits the run into ${planned.plan.shards} shards, not ${shard.count}`,
    );
  }
  useDataFolder(values.data);
  const suites = names.map(loadNamedSuite);
  for (const suite of suites) checkSelection(suite, profile, selection);
  for (const suite of suites) {
    const missing = suiteUnavailableReason(suite);
    if (missing) throw new SuiteError(`Suite '${suite.name}' cannot run here: ${missing}`);
  }
  const display = new ProgressDisplay();
  const plans: SuitePlan[] = [];
  // Cells `rescore` could not re-score (each said so in one line): exit 1.
  let failed = 0;
  const stopListening = stopOnSignals(() => display.close());
  try {
    const options = {
      profile,
      backend: values.backend as (typeof BACKEND_CHOICES)[number],
      outDir: out,
      force: values.force,
      rescoreOnly: values.rescoreOnly,
      jobs: values.jobs,
      lockstep: values.lockstep,
      ...selection,
      log: (line: string) => display.log(line),
    };
    // A bench's suites are one cell list: each suite's shard part starts where the last ended.
    let firstCell = 0;
    for (const suite of suites) {
      plans.push(await planSuite(suite, { ...options, shard, firstCell }));
      firstCell += plans.at(-1)!.matrix.length;
    }
    if (planned) {
      const cells = plans.flatMap((plan) => plan.matrix);
      checkPlanCells(
        planned.plan,
        planned.path,
        cells.map((cell) => ({
          id: cellId(cell.config),
          hash: cell.hash,
          scoreKey: cell.scoreKey,
        })),
      );
    }
    const reuse = describeReuse(plans, out);
    if (reuse) display.log(`${reuse}\n`);
    display.start(plans.reduce((sum, plan) => sum + plan.pending.length, 0));
    for (const plan of plans) {
      const summary = await runPlan(plan, {
        ...options,
        onProgress: (cell, progress, group) => display.update(cell, progress, group),
        onCellDone: (cell, _result, group) => display.cellDone(cell, group),
      });
      failed += summary.failed;
    }
  } finally {
    stopListening();
    display.close();
  }
  if (shard) {
    // Shards share the results folder: none writes the leaderboards, which `report` builds once.
    const cells = plans.reduce((sum, plan) => sum + plan.cells.length, 0);
    console.log(
      `Shard ${shard.index}/${shard.count}: its ${cells} cells are stored under ${out}/. A shard writes no leaderboard: once every shard is done, run deno task report --results ${out}`,
    );
    return failed ? 1 : 0;
  }
  // The whole site is rebuilt; only the leaderboards of what ran are printed.
  const report = await buildReport(out);
  const dirs = plans.map((plan) => suiteDir(out, plan.suite.name, plan.profile));
  const problems = report.problems.filter((problem) => dirs.some((dir) => problem.includes(dir)));
  for (const problem of problems) console.error(`ganbench: ${problem}`);
  const boards = report.leaderboards.filter((board) =>
    plans.some((plan) => plan.suite.name === board.suite && plan.profile === board.profile)
  );
  const columns = stdoutColumns();
  const shown = boards.map((board) =>
    fitMarkdown(
      renderMarkdown(board),
      columns,
      join(suiteDir(out, board.suite, board.profile), "leaderboard.md"),
    )
  );
  console.log(`\n${shown.join("\n")}`);
  console.log(`Results and leaderboards: ${out}/ (site: ${join(out, "index.html")})`);
  if (failed) {
    console.error(
      `ganbench: ${failed} cell${
        failed > 1 ? "s" : ""
      } could not be re-scored (see above); --force trains them`,
    );
  }
  return problems.length || failed ? 1 : 0;
}

/**
 * While a run trains: on SIGTERM (`scancel`, a Slurm time limit, a Kubernetes pod deletion) or
 * SIGINT (Ctrl-C), releases the claims of the cells in progress, so that they read as missing,
 * not running, and a resubmission computes them at once; says so in one line and exits 143 (130
 * for SIGINT) without waiting for the cells. Results already stored stay (each was written whole).
 *
 * @param beforeExit called first (restores the terminal)
 * @returns a function that stops listening
 */
function stopOnSignals(beforeExit: () => void): () => void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGTERM", "SIGINT"];
  const handlers = signals.map((signal) => {
    const handler = async () => {
      beforeExit();
      const released = await releaseHeldClaims().catch(() => 0);
      console.error(
        `ganbench: stopped by ${signal}; ${released} cell${
          released === 1 ? "" : "s"
        } in progress released unstored (status lists them as missing; rerun or resubmit to compute them)`,
      );
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}

/** The cells `plan` and `status` look at: those of `suite NAME`, or of `bench` (with --suites). */
async function surveyCommandLine(
  values: OptionValues<typeof SURVEY_OPTIONS> & { plan?: string; lockstep?: number },
  [name]: string[],
): Promise<Survey> {
  if (values.plan !== undefined) {
    if (name !== undefined || values.suites || values.variants || values.seeds) {
      throw new UsageError(`--plan names the run's suites and selection: give it alone`);
    }
    const plan = await readPlanFile(values.plan);
    return await surveyPlan(plan, values.results ?? defaultRunFolder(plan.profile, plan));
  }
  if (name !== undefined && values.suites) {
    throw new UsageError(`--suites selects a bench's suites: give it or a suite NAME, not both`);
  }
  if (name === undefined && (values.variants || values.seeds)) {
    throw new UsageError(
      `--variants and --seeds select within one suite: name it, as deno task suite NAME does`,
    );
  }
  const profile = values.profile as Profile;
  const suites = (name === undefined ? values.suites ?? suitesWithProfile(profile) : [name])
    .map(loadNamedSuite);
  const selection = { variants: values.variants, seeds: values.seeds };
  for (const suite of suites) checkSelection(suite, profile, selection);
  return await surveyRun(suites, {
    profile,
    backend: values.backend as BackendChoice,
    ...selection,
    resultsDir: values.results ?? defaultRunFolder(profile, selection),
    shards: values.shards,
    lockstep: values.lockstep,
    suiteNames: name === undefined ? values.suites ?? suites.map((suite) => suite.name) : [name],
  });
}

async function listEverything(): Promise<number> {
  // Wrapped at the terminal's width; piped, one line per entry.
  const columns = stdoutColumns();
  const section = (title: string, rows: [string, string][]) => {
    console.log(`${title}:`);
    for (const line of renderHelpRows(rows, columns)) console.log(line);
    console.log();
  };
  section("suites", listSuiteNames().map((name) => [name, loadSuite(name).description]));
  section("variants", VARIANTS.entries().map(([name, v]) => [name, v.description]));
  section("losses", LOSSES.entries().map(([name, l]) => [name, l.description]));
  section("regularisers", REGULARISERS.entries().map(([name, r]) => [name, r.description]));
  section("datasets", DATASETS.entries().map(([name, d]) => [name, d.description]));
  section("architectures", ARCHITECTURES.entries().map(([name, a]) => [name, a.description]));
  section("metrics", sampleMetrics().map(([name, m]) => [name, m.description]));
  section("feature metrics (score)", featureMetrics().map((m) => [m.name, m.description]));
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
}

/** `ganbench --help`: every command's usage and summary, laid out for `width` columns. */
export function renderHelp(width: number = helpWidth()): string {
  const lines = [
    "ganbench: train GAN variants under fixed seeds and budgets and compare them",
    "",
    "usage:",
    ...Object.entries(COMMANDS).map(([name, command]) =>
      renderUsage(name, command, undefined, width)
    ),
    "",
    "commands:",
    ...renderHelpRows(
      Object.entries(COMMANDS).map(([name, command]) => [name, command.summary]),
      width,
    ),
    "",
    "deno task COMMAND --help (or -h) lists its options and their defaults.",
  ];
  return lines.join("\n");
}

/**
 * The one place that maps an error to what the user sees: a user error (see errors.ts), or an
 * OS error on a path, is one line and its exit code (1, 2 for usage mistakes); anything else is
 * an internal error (exit 70), with the stack under GANBENCH_DEBUG.
 */
function reportError(error: unknown): number {
  const user = isUserError(error) ? error : userErrorFromOs(error);
  if (user) {
    console.error(`ganbench: ${printable(user.message.split("\n")[0])}`);
    return user.exitCode;
  }
  if (Deno.env.get("GANBENCH_DEBUG")) console.error(error);
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  console.error(
    `ganbench: internal error: ${message} (set GANBENCH_DEBUG=1 for the stack trace)`,
  );
  return 70;
}

/** Runs the command line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  // Start-up is over: every metric (and any a test entry point registered) is in the registry.
  METRICS.freeze();
  const [name, ...rest] = args;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? console.log : console.error)(renderHelp());
    return name ? 0 : 2;
  }
  try {
    const command = COMMANDS[name];
    if (!command) {
      throw new UsageError(unknownNameMessage("command", name, Object.keys(COMMANDS)));
    }
    const parsed = parseCommandLine(name, command, rest);
    if (parsed.help) {
      console.log(renderCommandHelp(name, command));
      return 0;
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    return reportError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
