/**
 * Re-audits the readings (docs/findings/*.md, and the README through
 * {@linkcode README_CLAIMS}) against the committed cells: every quoted number that carries a
 * source is recomputed from `results/<suite>/<profile>/` (the cells, and the leaderboard.json built
 * from them) or from a suite file, and compared at the precision it is written with.
 *
 * A number is tied to its source by an HTML comment right after it, invisible in the rendered page:
 *
 * ```md
 * LSGAN's mass is 0.39 ± 0.15<!-- audit: mixtures/quick row ring8 lsgan modes.mass mean±std -->
 * ```
 *
 * The query yields k values and the marker checks the last k numbers written before it (in the same
 * paragraph or table cell, after the previous marker). Queries (`D` a dataset, `V` a row's variant,
 * `VS` a comma list of variants or `*`, `F` a figure key):
 *
 * - `row D V F STAT`: STAT is mean, std, se, n, mean±std, mean±se (from the cells), or ci, best,
 *   untrained, rank, seeds, steps, diverged, divergedat, converged (from leaderboard.json);
 * - `range D VS F STAT`: the smallest and largest of the rows' STAT;
 * - `seedrange D VS F`: the smallest and largest final value over the rows' cells;
 * - `count D VS F OP X`: cells whose final F is OP (eq, ne, lt, le, gt, ge) X;
 * - `cells [D [VS]]`, `rows D`, `commit PREFIX`: numbers of cells, rows, cells of a commit;
 * - `cell D V SEED F`: one cell's final figure;
 * - `test D A B F p`: the exact permutation test's p, recomputed from the cells;
 *   `test D A B F holm VS FS`: the same p, Holm-adjusted over every pair of VS on each of FS
 *   (`BASE:VS` for each of VS against BASE only);
 * - `minp D VS FS [holm [K]]`: the smallest (or K-th smallest) such p, raw or Holm over that
 *   family;
 * - `poi D A B F`: the probability that a seed of A beats a seed of B (ties half);
 * - `pair D A B STAT`: the table's all-pairs test (p, pHolm, poi, difference);
 * - `baseline D V STAT`: the row against the suite's baseline (difference, interval, poi,
 *   poiInterval, p, pHolm);
 * - `table D STAT`: pairs, tested (in the Holm family), byvalue, holmfirst (α over the tested
 *   pairs), smallestp, seedsneeded, baselines, baselinetested (in their Holm family),
 *   baselinefirst, ranked, constantrows (rows whose seeds agree exactly on the primary figure),
 *   separated and baselineseparated (pairs the tests separate, not those ordered by value),
 *   fullspan (rows whose rank interval spans the whole table), worse (rows whose final mean is worse
 *   than their untrained generator's);
 * - `baselines D STAT`: the smallest and largest poi, p or pHolm over the comparisons with the
 *   baseline;
 * - `wallrange D VS`: the shortest and longest wall time of the rows' cells, in seconds;
 * - `samples D V SEED F`: a mode figure of the 500 points the cell stores for plotting (what
 *   `score --mixture D` gives for them);
 * - `trivial D MAP F`: what a trivial map (identity, blank, best-constant, permuted-modes) scores
 *   on the CycleGAN suite's final held-out set (scripts/translation_baselines.ts);
 *   `beats D VS F MAP|all`: the rows' cells that do better on F than that map (or than every map);
 * - `board PATH`: a number at a dotted path of leaderboard.json (`finalSamples.0`).
 *
 * With `suite:NAME` in place of `suite/profile`: `paper FINDING V F mean|se` (a paper figure of
 * the suite file's replication section), `json PATH` (a number at a dotted path into the suite file)
 * or `len PATH` (the length of a list there).
 * Trailing modifiers: `pct` (×100), `min`/`max` (the smallest or largest of the values), and
 * `lt`/`le`/`gt`/`ge` (the computed value against the quoted bound instead of equality).
 *
 * Every leaderboard.json a query reads must summarise the cells beside it (the same mean and n per
 * row and figure), or the audit says to run `deno task report`. It also checks that every
 * paragraph of docs/findings/*.md that speaks of separation names its test
 * and the family it corrects over (or says the rows are ordered by value); a paragraph that only
 * defines the words (a rule) says so with `<!-- audit-skip: REASON -->`. And it counts the decimals
 * left without a marker.
 *
 * Usage: deno run -A scripts/audit_readings.ts [--root DIR] [--unmarked] [--fix] [FILE.md ...]
 *
 * `--fix` rewrites every wrong number of a marker that states a value (not a bound) with the cells'
 * value at the precision it is written with, and lists what it rewrote: after a rerun it updates
 * the numbers, and the sentences around them are then to be read again (a count that becomes 2
 * where the text says "no pair is separated" is fixed as a number, not as a sentence).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { DATASETS } from "../src/data/mod.ts";
import { initBackend } from "../src/engine/backend.ts";
import { translationBaselines } from "./translation_baselines.ts";
import { allFigures } from "../src/metrics/mod.ts";
import { modeCoverage } from "../src/metrics/modes.ts";
import { summarise } from "../src/report/aggregate.ts";
import type { Leaderboard, LeaderboardRow, TableComparisons } from "../src/report/leaderboard.ts";
import { ALPHA, holm, permutationTest, probabilityOfImprovement } from "../src/report/ranking.ts";
import {
  type CellResult,
  listResultFiles,
  listSuiteDirs,
  readResult,
} from "../src/runner/store.ts";
import { writeFileAtomic } from "../src/atomic_write.ts";
import { README_CLAIMS } from "./audit_readings_readme.ts";

/** A number as written in a reading: its value and the half-width its last digit stands for. */
export interface Quoted {
  text: string;
  value: number;
  /** Half a unit of the last written digit: the rounding the text allows. */
  tolerance: number;
  /** Where the number starts in the text it was read from. */
  index: number;
}

/** Decimal numbers as prose writes them: 0.39, −3, 2,500, 8.5e-21, 1.4·10⁻³ not included. */
const NUMBER =
  /(?<![\w.,])(?:(?<=[\s(\[=≈~≤≥±:/])[-−])?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-−+]?\d+)?(?![\w.]*[A-Za-z_])/g;

/**
 * Every number in `text`, in order, with the rounding its written digits allow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumbers } from "./audit_readings.ts";
 * assert.deepEqual(parseNumbers("ring8: 0.64-0.69, 2,500 samples").map((q) => q.value), [
 *   0.64, 0.69, 2500,
 * ]);
 * ```
 */
export function parseNumbers(text: string): Quoted[] {
  const out: Quoted[] = [];
  for (const match of text.matchAll(NUMBER)) {
    const raw = match[0].replaceAll("−", "-");
    const [mantissa, exponent = "0"] = raw.replaceAll(",", "").split("e");
    const decimals = mantissa.includes(".") ? mantissa.split(".")[1].length : 0;
    const value = Number(mantissa) * 10 ** Number(exponent);
    out.push({
      text: match[0],
      value,
      tolerance: 0.5 * 10 ** (Number(exponent) - decimals),
      index: match.index!,
    });
  }
  return out;
}

/** Whether `computed` reads as `quoted` (rounded to its digits), or lies on the stated side. */
export function agrees(quoted: Quoted, computed: number, relation = "eq"): boolean {
  if (!Number.isFinite(computed)) return false;
  const slack = quoted.tolerance * (1 + 1e-9) + 1e-15 * Math.abs(computed);
  switch (relation) {
    case "lt":
      return computed < quoted.value;
    case "le":
      return computed <= quoted.value + slack;
    case "gt":
      return computed > quoted.value;
    case "ge":
      return computed >= quoted.value - slack;
    default:
      return Math.abs(computed - quoted.value) <= slack;
  }
}

/**
 * `value` written as `quoted` is: the same decimals (or exponent form), thousands commas and
 * minus sign.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumbers, rewrite } from "./audit_readings.ts";
 * assert.equal(rewrite(parseNumbers("2,500")[0], 10000), "10,000");
 * assert.equal(rewrite(parseNumbers("0.39")[0], 0.4134), "0.41");
 * ```
 */
export function rewrite(quoted: Quoted, value: number): string {
  const text = quoted.text.replace("−", "-");
  const [mantissa, exponent] = text.replaceAll(",", "").split("e");
  const decimals = mantissa.includes(".") ? mantissa.split(".")[1].length : 0;
  let out: string;
  if (exponent !== undefined) out = value.toExponential(decimals).replace("e+", "e");
  else if (value !== 0 && Number(value.toFixed(decimals)) === 0) {
    // A value below the written precision keeps the written significant digits instead of
    // becoming a 0 that would still pass the check.
    const significant = mantissa.replace(/^[-0.]+/, "").replace(".", "").length;
    out = value.toPrecision(Math.max(1, significant));
  } else {
    out = value.toFixed(decimals);
    if (text.includes(",") || (Math.abs(value) >= 10_000 && !text.includes("."))) {
      const [whole, fraction] = out.split(".");
      out = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (fraction ? `.${fraction}` : "");
    }
  }
  return quoted.text.startsWith("−") ? out.replace(/^-/, "−") : out;
}

/** One marker: where it is, its query, and the numbers it checks. */
export interface Claim {
  file: string;
  line: number;
  query: string;
  /** The text before the marker in which its numbers are looked for. */
  context: string;
  /** Where `context` starts in the file. */
  offset: number;
}

/** A marker; one right after a backtick is an example in code, not a claim. */
const MARKER = /(?<!`)<!--\s*audit:\s*([\s\S]*?)\s*-->/g;

/**
 * The markers of a Markdown text, each with the text it checks: from the previous marker, blank
 * line or table-cell border, whichever is last, to the marker.
 */
export function findClaims(markdown: string, file: string): Claim[] {
  const claims: Claim[] = [];
  let previousEnd = 0;
  for (const match of markdown.matchAll(MARKER)) {
    const start = match.index!;
    const segment = markdown.slice(previousEnd, start);
    const blank = [...segment.matchAll(/\n[ \t]*\n/g)].at(-1);
    const from = Math.max(
      blank ? blank.index! + blank[0].length : 0,
      segment.lastIndexOf("|") + 1,
    );
    claims.push({
      file,
      line: markdown.slice(0, start).split("\n").length,
      query: match[1].replace(/\s+/g, " "),
      context: segment.slice(from),
      offset: previousEnd + from,
    });
    previousEnd = start + match[0].length;
  }
  return claims;
}

/** A reading sentence the README holds, with the query behind its numbers (see README_CLAIMS). */
export interface QuoteClaim {
  /** Text that must occur in the file verbatim (whitespace runs match any whitespace). */
  quote: string;
  query: string;
  /**
   * The README's present wording, where the audit found it wrong and `quote` is the correction
   * handed to the README's editor: while the README holds this text it is reported as pending,
   * not as a failure; once it holds `quote`, that is checked.
   */
  wrong?: string;
}

/** A failed check, as one line. */
export interface Problem {
  where: string;
  message: string;
}

/** The committed results and suite files a query can read, each loaded once. */
export class Sources {
  #root: string;
  #boards = new Map<string, Leaderboard>();
  #cells = new Map<string, CellResult[]>();
  #suites = new Map<string, Record<string, unknown>>();
  #trivial = new Map<number, Promise<Record<string, Record<string, Record<string, number>>>>>();

  /**
   * @param root the repository root (holding results/ and suites/).
   * @param preload results given in memory, by "suite/profile" (tests), read before the disk.
   */
  constructor(
    root: string,
    preload: Record<string, { board: Leaderboard; cells: CellResult[] }> = {},
  ) {
    this.#root = root;
    for (const [at, { board, cells }] of Object.entries(preload)) {
      this.#boards.set(at, board);
      this.#cells.set(at, cells);
    }
  }

  /** `results/<suite>/<profile>/leaderboard.json`. */
  async board(at: string): Promise<Leaderboard> {
    if (!this.#boards.has(at)) {
      const path = join(this.#root, "results", at, "leaderboard.json");
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch {
        throw new RangeError(`no leaderboard at '${relative(this.#root, path)}'`);
      }
      this.#boards.set(at, JSON.parse(text));
    }
    return this.#boards.get(at)!;
  }

  /** Every stored cell of `results/<suite>/<profile>/cells/`. */
  async cells(at: string): Promise<CellResult[]> {
    if (!this.#cells.has(at)) {
      const files = await listResultFiles(join(this.#root, "results", at));
      if (!files.length) throw new RangeError(`no cells under 'results/${at}/cells'`);
      const cells: CellResult[] = [];
      for (const path of files) {
        const cell = await readResult(path);
        if (cell) cells.push(cell);
      }
      this.#cells.set(at, cells);
    }
    return this.#cells.get(at)!;
  }

  /**
   * What the trivial maps score on the cyclegan suite's datasets at `samples` held-out samples
   * (scripts/translation_baselines.ts), computed once.
   */
  trivial(samples: number): Promise<Record<string, Record<string, Record<string, number>>>> {
    if (!this.#trivial.has(samples)) {
      this.#trivial.set(
        samples,
        initBackend("wasm").then(() => translationBaselines(samples)),
      );
    }
    return this.#trivial.get(samples)!;
  }

  /**
   * Each loaded leaderboard whose rows do not summarise the cells beside it (a run or rescore
   * without `deno task report` after it): one line per leaderboard, naming the first mismatch.
   */
  staleBoards(): Problem[] {
    const problems: Problem[] = [];
    for (const [at, board] of this.#boards) {
      const cells = this.#cells.get(at);
      if (!cells) continue;
      const mismatches: string[] = [];
      for (const row of board.rows) {
        const mine = cells.filter((c) =>
          c.status !== "diverged" && c.config.dataset === row.dataset &&
          c.config.variant === row.variant
        );
        for (const [figure, stored] of Object.entries(row.figures)) {
          const fresh = summarise(mine.map((c) => c.final[figure]).filter((v) => v !== undefined));
          const close = fresh && fresh.n === stored.n &&
            Math.abs(fresh.mean - stored.mean) <= 1e-9 * Math.max(1, Math.abs(stored.mean));
          if (!close) {
            mismatches.push(
              `${row.dataset} ${row.variant} ${figure}: ${stored.mean} (n ${stored.n}), cells ${
                fresh ? `${fresh.mean} (n ${fresh.n})` : "none"
              }`,
            );
          }
        }
      }
      const rows = new Set(cells.map((c) => `${c.config.dataset} ${c.config.variant}`));
      const missing = [...rows].filter((r) =>
        !board.rows.some((row) => `${row.dataset} ${row.variant}` === r)
      );
      if (mismatches.length || missing.length) {
        problems.push({
          where: `results/${at}/leaderboard.json`,
          message: `does not summarise its cells (${
            [...mismatches.slice(0, 1), ...missing.slice(0, 1).map((r) => `no row ${r}`)].join("; ")
          }; ${mismatches.length + missing.length} in all): run deno task report`,
        });
      }
    }
    return problems;
  }

  /** The suites with results at `profile`. */
  async suitesAt(profile: string): Promise<string[]> {
    const dirs = await listSuiteDirs(join(this.#root, "results"));
    return dirs.filter(([, p]) => p === profile).map(([suite]) => suite);
  }

  /** `suites/<name>.json`. */
  async suite(name: string): Promise<Record<string, unknown>> {
    if (!this.#suites.has(name)) {
      const path = join(this.#root, "suites", `${name}.json`);
      try {
        this.#suites.set(name, JSON.parse(await Deno.readTextFile(path)));
      } catch {
        throw new RangeError(`no suite file 'suites/${name}.json'`);
      }
    }
    return this.#suites.get(name)!;
  }
}

/** What a query yields: the values, and the relation and scale to compare them with. */
export interface Evaluated {
  values: number[];
  relation: string;
}

const RELATIONS = ["lt", "le", "gt", "ge"];
const OPS: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

function need(args: string[], count: number, usage: string) {
  if (args.length < count) throw new RangeError(`expected '${usage}', got '${args.join(" ")}'`);
}

function variantsOf(spec: string, present: string[]): string[] {
  if (spec === "*") return [...new Set(present)].sort();
  const names = spec.split(",");
  for (const name of names) {
    if (!present.includes(name)) {
      throw new RangeError(`no row '${name}' (rows: ${[...new Set(present)].sort().join(", ")})`);
    }
  }
  return names;
}

/** The value at a dotted path ("profiles.quick.steps", "finalSamples.0") of parsed JSON. */
function atPath(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

function pairsOf<T>(items: T[]): [T, T][] {
  return items.flatMap((a, i) => items.slice(i + 1).map((b) => [a, b] as [T, T]));
}

/** Evaluates one query against the committed results (see the module doc for the grammar). */
export async function evaluate(query: string, sources: Sources): Promise<Evaluated> {
  const tokens = query.split(" ").filter(Boolean);
  let relation = "eq";
  let scale = 1;
  let reduce: "min" | "max" | undefined;
  while (tokens.length && [...RELATIONS, "pct", "min", "max"].includes(tokens.at(-1)!)) {
    const last = tokens.pop()!;
    if (last === "pct") scale = 100;
    else if (last === "min" || last === "max") reduce = last;
    else relation = last;
  }
  const [at, kind, ...args] = tokens;
  if (!at || !kind) throw new RangeError(`empty query`);
  let values: number[];
  if (at.startsWith("suite:")) {
    values = await suiteQuery(at.slice("suite:".length), kind, args, sources);
  } else if (at.startsWith("*/")) {
    // Every suite at one profile: only the total of cells.
    if (kind !== "cells" || args.length) throw new RangeError(`'${at}' takes 'cells' alone`);
    values = [0];
    for (const suite of await sources.suitesAt(at.slice(2))) {
      values[0] += (await sources.cells(`${suite}/${at.slice(2)}`)).length;
    }
  } else values = await resultsQuery(at, kind, args, sources);
  if (reduce) values = [reduce === "min" ? Math.min(...values) : Math.max(...values)];
  return { values: values.map((v) => v * scale), relation };
}

async function suiteQuery(name: string, kind: string, args: string[], sources: Sources) {
  const suite = await sources.suite(name);
  if (kind === "len") {
    need(args, 1, "len PATH");
    const node = atPath(suite, args[0]);
    if (!Array.isArray(node)) throw new RangeError(`suites/${name}.json ${args[0]} is no list`);
    return [node.length];
  }
  if (kind === "json") {
    need(args, 1, "json PATH");
    const node = atPath(suite, args[0]);
    if (typeof node !== "number") {
      throw new RangeError(`suites/${name}.json ${args[0]} is no number`);
    }
    return [node];
  }
  if (kind === "paper") {
    need(args, 4, "paper FINDING V F mean|se");
    const [id, variant, figure, stat] = args;
    const findings = (suite.replication as { findings?: unknown[] } | undefined)?.findings ?? [];
    const finding = findings.find((f) => (f as { id: string }).id === id) as
      | { rows: { variant: string; paper: Record<string, Record<string, number>> }[] }
      | undefined;
    if (!finding) throw new RangeError(`suites/${name}.json has no finding '${id}'`);
    const value = finding.rows.find((r) => r.variant === variant)?.paper?.[figure]?.[stat];
    if (value === undefined) {
      throw new RangeError(
        `suites/${name}.json ${id} has no paper ${stat} of ${figure} for ${variant}`,
      );
    }
    return [value];
  }
  throw new RangeError(`unknown suite query '${kind}' (json, paper)`);
}

function rowStat(row: LeaderboardRow, figure: string, stat: string, board: Leaderboard): number[] {
  const pick = (value: number | undefined, what: string) => {
    if (value === undefined) {
      throw new RangeError(`row ${row.dataset} ${row.variant} has no ${what}`);
    }
    return [value];
  };
  switch (stat) {
    case "ci":
      if (figure !== board.primary) throw new RangeError(`ci is kept for the primary figure only`);
      if (!row.primaryInterval) throw new RangeError(`row ${row.variant} has no interval`);
      return row.primaryInterval;
    case "best":
      return pick(row.primaryBest?.mean, "best");
    case "untrained":
      return pick(row.untrained?.mean, "untrained figure");
    case "rank":
      if (!row.rank) throw new RangeError(`row ${row.variant} is not ranked`);
      return [row.rank.low, row.rank.high];
    case "seeds":
      return [row.seeds];
    case "steps":
      return [row.steps];
    case "diverged":
      return [row.diverged];
    case "divergedat": {
      const steps = [...new Set(row.divergedAt)];
      if (steps.length !== 1) {
        throw new RangeError(`row ${row.variant} diverged at ${steps.join(", ")}`);
      }
      return steps;
    }
    case "converged":
      return pick(row.converged, "converged share");
    default:
      throw new RangeError(`unknown row statistic '${stat}'`);
  }
}

const CELL_STATS = ["mean", "std", "se", "n", "mean±std", "mean±se"];

async function resultsQuery(at: string, kind: string, args: string[], sources: Sources) {
  if (!/^[\w-]+\/[\w-]+$/.test(at)) throw new RangeError(`'${at}' is no suite/profile`);
  const board = await sources.board(at);
  const cells = await sources.cells(at);
  const ok = cells.filter((c) => c.status !== "diverged");
  const inTable = (dataset: string) => {
    const list = cells.filter((c) => dataset === "*" || c.config.dataset === dataset);
    if (!list.length) throw new RangeError(`no cells of dataset '${dataset}' in ${at}`);
    return list;
  };
  const finals = (dataset: string, variant: string, figure: string) =>
    ok.filter((c) => c.config.dataset === dataset && c.config.variant === variant)
      .map((c) => c.final[figure]).filter((v): v is number => Number.isFinite(v));
  const cellOf = (dataset: string, variant: string, seed: string) =>
    cells.find((c) =>
      c.config.dataset === dataset && c.config.variant === variant &&
      c.config.seed === Number(seed)
    );
  const higher = (figure: string) => {
    // The registered figure's direction (the leaderboard may predate the figure).
    const f = allFigures().get(figure) ?? board.figures.find((x) => x.key === figure);
    if (f?.higherIsBetter === undefined) {
      throw new RangeError(`no direction of '${figure}' in ${at}`);
    }
    return f.higherIsBetter;
  };
  const boardRow = (dataset: string, variant: string) => {
    const row = board.rows.find((r) => r.dataset === dataset && r.variant === variant);
    if (!row) throw new RangeError(`no row ${dataset} ${variant} in ${at}/leaderboard.json`);
    return row;
  };
  const stat = (dataset: string, variant: string, figure: string, name: string): number[] => {
    if (!CELL_STATS.includes(name)) return rowStat(boardRow(dataset, variant), figure, name, board);
    const values = finals(dataset, variant, figure);
    const s = summarise(values);
    if (!s) throw new RangeError(`no cell of ${dataset} ${variant} has ${figure}`);
    const se = s.std / Math.sqrt(s.n);
    return {
      mean: [s.mean],
      std: [s.std],
      se: [se],
      n: [s.n],
      "mean±std": [s.mean, s.std],
      "mean±se": [s.mean, se],
    }[name]!;
  };
  const table = (dataset: string): TableComparisons => {
    const t = board.comparisons.find((c) => c.dataset === dataset);
    if (!t) throw new RangeError(`no table of dataset '${dataset}' in ${at}`);
    return t;
  };
  const variants = (dataset: string, spec: string) =>
    variantsOf(spec, inTable(dataset).map((c) => c.config.variant));
  // A family of exact tests: every pair of VS, or with "BASE:VS" each of VS against BASE only.
  const familyPairs = (dataset: string, spec: string): [string, string][] => {
    if (!spec.includes(":")) return pairsOf(variants(dataset, spec));
    const [base, rest] = spec.split(":");
    variants(dataset, base);
    return variants(dataset, rest).filter((v) => v !== base).map((v) => [v, base]);
  };
  const familyPs = (dataset: string, spec: string, figures: string[]) =>
    figures.flatMap((figure) =>
      familyPairs(dataset, spec).map(([a, b]) => ({
        a,
        b,
        figure,
        p: permutationTest(finals(dataset, a, figure), finals(dataset, b, figure)).p,
      }))
    );

  switch (kind) {
    case "row": {
      need(args, 4, "row D V F STAT");
      const [dataset, variant, figure, name] = args;
      variants(dataset, variant);
      return stat(dataset, variant, figure, name);
    }
    case "range": {
      need(args, 4, "range D VS F STAT");
      const [dataset, spec, figure, name] = args;
      const all = variants(dataset, spec).map((v) => stat(dataset, v, figure, name)[0]);
      return [Math.min(...all), Math.max(...all)];
    }
    case "seedrange": {
      need(args, 3, "seedrange D VS F");
      const [dataset, spec, figure] = args;
      const all = variants(dataset, spec).flatMap((v) => finals(dataset, v, figure));
      if (!all.length) throw new RangeError(`no values of ${figure}`);
      return [Math.min(...all), Math.max(...all)];
    }
    case "count": {
      need(args, 5, "count D VS F OP X");
      const [dataset, spec, figure, op, x] = args;
      if (!OPS[op]) {
        throw new RangeError(`unknown comparison '${op}' (${Object.keys(OPS).join(", ")})`);
      }
      const chosen = variants(dataset, spec);
      return [
        inTable(dataset).filter((c) =>
          chosen.includes(c.config.variant) && Number.isFinite(c.final[figure]) &&
          OPS[op](c.final[figure], Number(x))
        ).length,
      ];
    }
    case "cells": {
      const [dataset = "*", spec = "*"] = args;
      const chosen = variants(dataset, spec);
      return [inTable(dataset).filter((c) => chosen.includes(c.config.variant)).length];
    }
    case "rows":
      need(args, 1, "rows D");
      return [variants(args[0], "*").length];
    case "commit": {
      need(args, 1, "commit PREFIX");
      const found = board.commits.filter((c) => c.commit.startsWith(args[0]));
      if (!found.length) throw new RangeError(`no cells of commit '${args[0]}' in ${at}`);
      return [found.reduce((n, c) => n + c.cells, 0)];
    }
    case "wallrange": {
      need(args, 2, "wallrange D VS");
      const [dataset, spec] = args;
      const chosen = variants(dataset, spec);
      const walls = inTable(dataset).filter((c) => chosen.includes(c.config.variant))
        .map((c) => c.timing?.wallSeconds).filter((v): v is number => Number.isFinite(v));
      if (!walls.length) throw new RangeError(`no wall times in ${at}`);
      return [Math.min(...walls), Math.max(...walls)];
    }
    case "baselines": {
      need(args, 2, "baselines D STAT");
      const [dataset, name] = args;
      const list = table(dataset).baseline?.comparisons ?? [];
      const pick = {
        poi: (c: typeof list[0]) => c.probabilityOfImprovement,
        p: (c: typeof list[0]) => c.p,
        pHolm: (c: typeof list[0]) => c.pHolm,
      }[name];
      if (!pick || !list.length) throw new RangeError(`no baseline ${name} in ${dataset}`);
      const all = list.map(pick);
      return [Math.min(...all), Math.max(...all)];
    }
    case "samples": {
      // The mode figures of the 500 points a cell stores for plotting, as `score --mixture` gives
      // them for those points saved to a file.
      need(args, 4, "samples D V SEED F");
      const [dataset, variant, seed, figure] = args;
      const cell = cellOf(dataset, variant, seed);
      const mixture = DATASETS.has(dataset) ? DATASETS.get(dataset).mixture : undefined;
      if (!cell?.samples?.length || !mixture) {
        throw new RangeError(
          `no stored samples of a mixture cell ${dataset} ${variant} seed ${seed}`,
        );
      }
      const coverage = modeCoverage(cell.samples.flat(), cell.samples[0].length, mixture);
      const value = (coverage as unknown as Record<string, number>)[figure.replace(/^modes\./, "")];
      if (value === undefined) throw new RangeError(`no mode figure '${figure}'`);
      return [value];
    }
    case "trivial":
    case "beats": {
      // The trivial maps (identity, blank, best-constant, permuted-modes) on the suite's final
      // held-out set, and the cells that do better than one of them (or than `all`).
      need(args, 3, kind === "trivial" ? "trivial D MAP F" : "beats D VS F MAP|all");
      const [dataset, , figure] = args;
      const samples = board.finalSamples.length === 1 ? board.finalSamples[0] : NaN;
      if (!Number.isInteger(samples)) {
        throw new RangeError(`${at} has no single final sample count`);
      }
      const maps = (await sources.trivial(samples))[dataset];
      if (!maps) throw new RangeError(`no trivial maps for dataset '${dataset}'`);
      const score = (map: string) => {
        const value = maps[map]?.[figure];
        if (value === undefined) {
          throw new RangeError(`no trivial '${map}' value of ${figure} on ${dataset}`);
        }
        return value;
      };
      if (kind === "trivial") return [score(args[1])];
      need(args, 4, "beats D VS F MAP|all");
      const chosen = variants(dataset, args[1]);
      const up = higher(figure);
      const bars = args[3] === "all"
        ? Object.keys(maps).filter((m) => figure in maps[m]).map(score)
        : [score(args[3])];
      const bar = up ? Math.max(...bars) : Math.min(...bars);
      return [
        ok.filter((c) =>
          c.config.dataset === dataset && chosen.includes(c.config.variant) &&
          Number.isFinite(c.final[figure]) && (up ? c.final[figure] > bar : c.final[figure] < bar)
        ).length,
      ];
    }
    case "board": {
      need(args, 1, "board PATH");
      const node = atPath(board, args[0]);
      if (typeof node !== "number") {
        throw new RangeError(`${at}/leaderboard.json ${args[0]} is no number`);
      }
      return [node];
    }
    case "cell": {
      need(args, 4, "cell D V SEED F");
      const [dataset, variant, seed, figure] = args;
      const cell = cellOf(dataset, variant, seed);
      if (!cell) throw new RangeError(`no cell ${dataset} ${variant} seed ${seed}`);
      if (!Number.isFinite(cell.final[figure])) throw new RangeError(`cell has no ${figure}`);
      return [cell.final[figure]];
    }
    case "test": {
      need(args, 5, "test D A B F p|holm [VS FS]");
      const [dataset, a, b, figure, how, spec, figures] = args;
      variants(dataset, `${a},${b}`);
      const p = permutationTest(finals(dataset, a, figure), finals(dataset, b, figure)).p;
      if (how === "p") return [p];
      if (how !== "holm" || !spec || !figures) throw new RangeError(`expected 'p' or 'holm VS FS'`);
      const family = familyPs(dataset, spec, figures.split(","));
      const adjusted = holm(family.map((t) => t.p));
      const i = family.findIndex((t) =>
        t.figure === figure && ((t.a === a && t.b === b) || (t.a === b && t.b === a))
      );
      if (i < 0) throw new RangeError(`${a} vs ${b} on ${figure} is not in the family`);
      return [adjusted[i]];
    }
    case "minp": {
      need(args, 3, "minp D VS FS [holm [K]]");
      const [dataset, spec, figures, how, k = "1"] = args;
      const family = familyPs(dataset, spec, figures.split(","));
      const ps = how === "holm" ? holm(family.map((t) => t.p)) : family.map((t) => t.p);
      const sorted = ps.sort((x, y) => x - y);
      if (!(Number(k) >= 1 && Number(k) <= sorted.length)) {
        throw new RangeError(`the family has ${sorted.length} tests, no ${k}th smallest p`);
      }
      return [sorted[Number(k) - 1]];
    }
    case "poi": {
      need(args, 4, "poi D A B F");
      const [dataset, a, b, figure] = args;
      variants(dataset, `${a},${b}`);
      return [
        probabilityOfImprovement(
          finals(dataset, a, figure),
          finals(dataset, b, figure),
          higher(figure),
        ),
      ];
    }
    case "pair": {
      need(args, 4, "pair D A B STAT");
      const [dataset, a, b, name] = args;
      const pair = table(dataset).pairs.find((p) =>
        (p.a === a && p.b === b) || (p.a === b && p.b === a)
      );
      if (!pair) throw new RangeError(`no pair ${a} ${b} in the ${dataset} table`);
      const flip = pair.a !== a;
      const value = {
        p: pair.p,
        pHolm: pair.pHolm,
        poi: flip ? 1 - pair.probabilityOfImprovement : pair.probabilityOfImprovement,
        difference: flip ? -pair.difference : pair.difference,
      }[name];
      if (value === undefined) throw new RangeError(`unknown pair statistic '${name}'`);
      return [value];
    }
    case "baseline": {
      need(args, 3, "baseline D V STAT");
      const [dataset, variant, name] = args;
      const c = table(dataset).baseline?.comparisons.find((x) => x.variant === variant);
      if (!c) throw new RangeError(`no comparison of ${variant} with the baseline in ${dataset}`);
      const value = {
        difference: [c.difference],
        interval: c.differenceInterval,
        poi: [c.probabilityOfImprovement],
        poiInterval: c.probabilityInterval,
        p: [c.p],
        pHolm: [c.pHolm],
      }[name];
      if (!value) throw new RangeError(`unknown baseline statistic '${name}'`);
      return value;
    }
    case "table": {
      need(args, 2, "table D STAT");
      const [dataset, name] = args;
      const t = table(dataset);
      const tested = t.pairs.filter((p) => !p.byValue).length;
      const baselines = t.baseline?.comparisons.filter((c) => !c.byValue).length ?? 0;
      const value = {
        pairs: t.pairs.length,
        tested,
        byvalue: t.pairs.length - tested,
        holmfirst: ALPHA / tested,
        smallestp: t.smallestPossibleP?.p,
        ranked: t.ranked,
        constantrows: variants(dataset, "*").filter((v) => {
          const values = finals(dataset, v, board.primary);
          return values.length >= 2 && values.every((x) => x === values[0]);
        }).length,
        seedsneeded: t.seedsNeeded,
        baselines: t.baseline?.comparisons.length,
        baselinetested: baselines,
        worse: board.rows.filter((r) => r.dataset === dataset && r.worseThanUntrained).length,
        separated: t.pairs.filter((p) => p.better !== undefined && !p.byValue).length,
        baselineseparated: t.baseline?.comparisons.filter((c) => c.better && !c.byValue).length,
        fullspan:
          board.rows.filter((r) =>
            r.dataset === dataset && r.rank?.low === 1 && r.rank.high === t.ranked
          ).length,
        baselinefirst: ALPHA / baselines,
      }[name];
      if (value === undefined) throw new RangeError(`no table statistic '${name}' for ${dataset}`);
      return [value];
    }
    default:
      throw new RangeError(`unknown query '${kind}'`);
  }
}

/** A replacement of a quoted number by the cells' value (see `--fix`). */
interface Edit {
  /** Index of the number in its context. */
  index: number;
  length: number;
  text: string;
}

/**
 * Checks one claim's quoted numbers against its query: the problem (undefined when they agree)
 * and, for numbers that should equal a value, the edits that would write the cells' values.
 */
async function checkNumbers(
  context: string,
  query: string,
  sources: Sources,
): Promise<{ problem?: string; edits: Edit[] }> {
  let result: Evaluated;
  try {
    result = await evaluate(query, sources);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { problem: `cannot evaluate '${query}': ${error.message}`, edits: [] };
  }
  const quoted = parseNumbers(context).slice(-result.values.length);
  if (quoted.length < result.values.length) {
    return {
      problem: `'${query}' gives ${result.values.length} numbers, but ${quoted.length} precede it`,
      edits: [],
    };
  }
  const bad = quoted.flatMap((q, i) =>
    agrees(q, result.values[i], result.relation) ? [] : [[q, result.values[i]] as const]
  );
  if (!bad.length) return { edits: [] };
  const relation = result.relation === "eq" ? "" : ` [${result.relation}]`;
  return {
    problem: `written ${
      bad.map(([q, v]) => `${q.text} (cells: ${v})`).join(", ")
    }${relation} for '${query}'`,
    edits: result.relation === "eq"
      ? bad.map(([q, v]) => ({ index: q.index, length: q.text.length, text: rewrite(q, v) }))
      : [],
  };
}

/** Words that claim or deny a separation, and what such a paragraph must name. */
const SEPARATION = /\bseparat(?:ed|es|ion|ing)\b|\bbeats?\b|\bloses?\b|\bdistinguish/i;
const NAMES_TEST = /permutation|bootstrap|by value|no test|without a test|Holm/i;
const NAMES_FAMILY =
  /Holm over|Holm-corrected over|corrected over|family|by value|no test|without a test/i;

/** Paragraphs (or list items) of `markdown` that speak of separation without test and family. */
export function separationProblems(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let line = 1;
  const blocks = markdown.split(/\n(?=\s*\n|- |\d+\. |#)/);
  for (const block of blocks) {
    const prose = block.replace(/<!--[\s\S]*?-->/g, "");
    const skipped = /<!--\s*audit-skip:\s*\S[\s\S]*?-->/.test(block);
    if (!skipped && !/^\s*(#|\||```)/.test(prose) && SEPARATION.test(prose)) {
      if (!NAMES_TEST.test(prose) || !NAMES_FAMILY.test(prose)) {
        out.push({
          line: line + (block.match(/^\n*/)![0].length),
          text: prose.trim().slice(0, 80),
        });
      }
    }
    line += block.split("\n").length;
  }
  return out;
}

/** Decimal numbers (with a point) of `markdown` that no marker ties to a source, by line. */
export function unmarked(markdown: string): { line: number; text: string }[] {
  const covered = new Set<number>();
  for (const claim of findClaims(markdown, "")) {
    // Every number in a marker's context counts as covered, not only the last ones its query
    // checks: the listing is a guide to what is left, not a check.
    for (const m of claim.context.matchAll(NUMBER)) covered.add(claim.offset + m.index!);
  }
  const out: { line: number; text: string }[] = [];
  const stripped = markdown.replace(/```[\s\S]*?```/g, (s) => s.replace(/[^\n]/g, " "));
  for (const m of stripped.matchAll(NUMBER)) {
    if (!m[0].includes(".") || covered.has(m.index!)) continue;
    out.push({ line: stripped.slice(0, m.index).split("\n").length, text: m[0] });
  }
  return out;
}

/** What an audit found. */
export interface AuditReport {
  /** Markers and README quotes checked. */
  checked: number;
  problems: Problem[];
  /** README corrections not applied yet (see {@linkcode QuoteClaim.wrong}). */
  pending: Problem[];
  /** Numbers rewritten with the cells' values (with `fix`); the prose around them is unchanged. */
  fixed: Problem[];
  /** Per file, decimals without a marker (listed with --unmarked). */
  unmarked: Record<string, { line: number; text: string }[]>;
}

/** The reading files audited by default: every page of docs/findings. */
export async function findingFiles(root: string): Promise<string[]> {
  const dir = join(root, "docs", "findings");
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(join(dir, entry.name));
  }
  return files.sort();
}

/**
 * Audits `files` (Markdown with markers) and the README's quoted claims against the results and
 * suite files under `root`.
 */
export async function auditReadings(
  root: string,
  options: { files?: string[]; readme?: QuoteClaim[]; sources?: Sources; fix?: boolean } = {},
): Promise<AuditReport> {
  const sources = options.sources ?? new Sources(root);
  const files = options.files ?? await findingFiles(root);
  const report: AuditReport = { checked: 0, problems: [], pending: [], fixed: [], unmarked: {} };
  for (const path of files) {
    const name = relative(root, path);
    const text = await Deno.readTextFile(path);
    const edits: Edit[] = [];
    for (const claim of findClaims(text, name)) {
      report.checked++;
      const { problem, edits: mine } = await checkNumbers(claim.context, claim.query, sources);
      if (!problem) continue;
      if (options.fix && mine.length) {
        edits.push(...mine.map((e) => ({ ...e, index: claim.offset + e.index })));
        report.fixed.push({ where: `${name}:${claim.line}`, message: problem });
      } else report.problems.push({ where: `${name}:${claim.line}`, message: problem });
    }
    if (edits.length) {
      let fixed = text;
      for (const e of edits.sort((a, b) => b.index - a.index)) {
        fixed = fixed.slice(0, e.index) + e.text + fixed.slice(e.index + e.length);
      }
      await writeFileAtomic(path, fixed);
    }
    for (const p of separationProblems(text)) {
      report.problems.push({
        where: `${name}:${p.line}`,
        message: `speaks of separation without naming its test and family: "${p.text}…"`,
      });
    }
    report.unmarked[name] = unmarked(text);
  }
  const readme = options.readme ?? README_CLAIMS;
  if (readme.length) {
    const text = await Deno.readTextFile(join(root, "README.md"));
    const flat = text.replace(/\s+/g, " ");
    for (const claim of readme) {
      report.checked++;
      const quote = claim.quote.replace(/\s+/g, " ");
      const wrong = claim.wrong?.replace(/\s+/g, " ");
      if (wrong && !flat.includes(quote) && flat.includes(wrong)) {
        report.pending.push({
          where: "README.md",
          message: `says "${wrong}"; the cells give "${quote}" (correction pending)`,
        });
        continue;
      }
      if (!flat.includes(quote)) {
        report.problems.push({ where: "README.md", message: `no longer says "${quote}"` });
        continue;
      }
      const { problem } = await checkNumbers(quote, claim.query, sources);
      if (problem) report.problems.push({ where: `README.md "${quote}"`, message: problem });
    }
  }
  report.problems.push(...sources.staleBoards());
  return report;
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        root: { type: "string", default: "." },
        unmarked: { type: "boolean" },
        fix: { type: "boolean" },
      },
    });
  } catch (error) {
    console.error(`audit_readings: ${(error as Error).message}`);
    Deno.exit(2);
  }
  const { values, positionals } = parsed;
  const root = values.root!;
  const files = positionals.length
    ? positionals.map((p) => join(root, relative(root, p)))
    : undefined;
  for (const file of files ?? []) {
    try {
      await Deno.stat(file);
    } catch {
      console.error(`audit_readings: no file '${file}'`);
      Deno.exit(2);
    }
  }
  const report = await auditReadings(root, { files, fix: values.fix });
  for (const p of report.fixed) console.log(`${p.where}: fixed, ${p.message}`);
  for (const p of report.pending) console.log(`${p.where}: ${p.message}`);
  for (const p of report.problems) console.log(`${p.where}: ${p.message}`);
  if (values.unmarked) {
    for (const [file, list] of Object.entries(report.unmarked)) {
      for (const u of list) console.log(`${file}:${u.line}: ${u.text} has no marker`);
    }
  }
  const left = Object.values(report.unmarked).reduce((n, l) => n + l.length, 0);
  console.log(
    `${report.checked} claims checked, ${report.problems.length} problems, ${report.fixed.length} fixed, ${report.pending.length} README corrections pending; ${left} decimals without a marker${
      values.unmarked ? "" : " (--unmarked lists them)"
    }`,
  );
  if (report.problems.length) Deno.exit(1);
}
