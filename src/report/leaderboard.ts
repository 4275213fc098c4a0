/**
 * The leaderboard: stored cell results aggregated over seeds, one row per (dataset, variant),
 * sorted by the suite's primary figure and ranked with what the seeds can support (ranking.ts),
 * rendered as Markdown, CSV and JSON.
 *
 * @module
 */
import { allFigures, type Figure, type FigureBounds, sampleMetrics } from "../metrics/mod.ts";
import type { CellResult } from "../runner/store.ts";
import { clipInterval, resolveBounds, summarise, type Summary } from "./aggregate.ts";
import {
  ALPHA,
  type BaselineComparison,
  BOOTSTRAP_RESAMPLES,
  compareToBaseline,
  CONFIDENCE,
  EXACT_SPLITS_LIMIT,
  meanInterval,
  type PairComparison,
  RANDOM_PERMUTATIONS,
  type RankInterval,
  rankRows,
} from "./ranking.ts";

/** What the leaderboard needs to know about the suite. */
export interface SuiteInfo {
  suite: string;
  profile: string;
  description: string;
  /** The figure rows are sorted and ranked by. */
  primary: string;
  /** The few figures a reader needs first (the overview shows them next to the primary). */
  headline?: string[];
  /** The suite's baseline row (a variant label): every other row is compared with it. */
  baseline?: string;
}

/** One (dataset, variant) row. */
export interface LeaderboardRow {
  /** The rank interval of the primary figure (see ranking.ts); undefined when not ranked. */
  rank?: { low: number; high: number };
  /** The rank as shown: "2", "1–3", or "—" for a row without the primary figure. */
  rankLabel: string;
  dataset: string;
  /** Row name: the variant's label in the suite (its registered name unless relabelled). */
  variant: string;
  /** The registered variant name. */
  variantName: string;
  /** Update scheme: `alternating` or `simultaneous`. */
  scheme: string;
  /** Share of seeds that converged, for suites with a convergence figure (Dirac-GAN). */
  converged?: number;
  /** Why the row is marked "not converged" (e.g. "hq 0.018 < 0.5"); absent when it is not. */
  notConverged?: string[];
  /** Seeds stored. */
  seeds: number;
  /** Seeds that diverged (NaN/Inf), with the steps where. */
  diverged: number;
  divergedAt: number[];
  figures: Record<string, Summary>;
  /**
   * 95% Student-t interval of the primary figure's mean over seeds (n ≥ 2), cut at the figure's
   * bounds (see `Figure.bounds`).
   */
  primaryInterval?: [number, number];
  /** True when the Student-t interval reached past the figure's bounds and was cut there. */
  primaryIntervalCut?: boolean;
  /**
   * Best value of the primary figure over evaluation steps (mean over seeds), only when it is
   * comparable with the final figure (see {@linkcode Leaderboard.bestReported}).
   */
  primaryBest?: Summary;
  /** Share of seeds that diverged. */
  divergenceRate: number;
  /** Seed spread of the final primary figure: std and coefficient of variation (std / |mean|). */
  primarySpread?: { std: number; cv: number };
  /** Mean over seeds of |last − best| of the primary figure: what stopping at the best step would gain. */
  bestLastGap?: number;
  /** The primary figure of the untrained generator (the step-0 evaluation), over seeds. */
  untrained?: Summary;
  /**
   * True when the row's final mean of the primary figure is worse than its untrained mean; only
   * judged where the two are comparable (see {@linkcode Leaderboard.bestReported}).
   */
  worseThanUntrained?: boolean;
  wallSeconds: Summary;
  stepsPerSecond: Summary;
  backends: string[];
  steps: number;
}

/** One table's pairwise comparisons of the primary figure (see ranking.ts). */
export interface TableComparisons {
  dataset: string;
  /** Rows with the primary figure (the others are not ranked). */
  ranked: number;
  /** Every pair of ranked rows, by variant, with the test's p, Holm's p and the better row. */
  pairs: (Omit<PairComparison, "a" | "b" | "better"> & {
    a: string;
    b: string;
    better?: string;
  })[];
  /** No pair could be separated at the family-wise level whatever the values: too few seeds. */
  tooFewSeeds: boolean;
  /** Every row's seeds agree exactly (at least 2 each): ranked exactly, the seed does not matter. */
  deterministic: boolean;
  /** Seeds per row, when every ranked row has the same number. */
  seedsPerRow?: number;
  /** The suite's baseline, when it names one that no ranked row of this table is. */
  baselineAbsent?: string;
  /** Each other row against the suite's baseline row (absent without a baseline in the table). */
  baseline?: {
    variant: string;
    comparisons: (Omit<BaselineComparison, "row"> & { variant: string })[];
  };
  smallestPossibleP?: { p: number; seeds: [number, number] };
  seedsNeeded?: number;
}

/** The code behind the cells: a commit and how many cells it produced. */
export interface CommitCount {
  /** Short hash, `-dirty` when the tree had uncommitted changes, "unknown" when not recorded. */
  commit: string;
  cells: number;
}

/**
 * A primary or headline figure that some cells lack (stored before the figure existed), counted over
 * the datasets where some cell has it (all cells when none has).
 */
export interface MissingFigure {
  figure: string;
  /** Cells (that did not diverge) without it, of `of`. */
  cells: number;
  of: number;
}

/** A suite's leaderboard at one profile. */
export interface Leaderboard extends SuiteInfo {
  /** Figure columns, in table order (the primary first), with directions. */
  figures: Figure[];
  rows: LeaderboardRow[];
  /** Pairwise comparisons per dataset. */
  comparisons: TableComparisons[];
  /** Generated samples per intermediate evaluation. */
  evalSamples: number[];
  /** Generated samples behind the final figures (the last evaluation). */
  finalSamples: number[];
  /**
   * Whether "best over evaluations" is reported: only for a primary figure that does not depend
   * on the sample count, or when every evaluation used the final figures' sample count.
   */
  bestReported: boolean;
  /** The commits that produced the cells, most cells first. */
  commits: CommitCount[];
  missing: MissingFigure[];
  /** Stored cells left out (corrupt, misplaced or out of range; see cell_checks.ts). */
  leftOut?: number;
}

/**
 * The 0/1 figures whose share over seeds (diverged seeds count as not converged) is a row's
 * `converged`: each metric's declared convergence figure.
 */
function convergenceFigures(): string[] {
  return sampleMetrics().flatMap(([, m]) => (m.convergence ? [m.convergence.figure] : []));
}

/**
 * The best value of `key` over a cell's trained evaluations (every evaluation after step 0) and
 * its final figure; undefined when it has none.
 */
export function bestOverEvals(result: CellResult, key: string, higherIsBetter: boolean) {
  const values = [
    ...result.evals.filter((e) => e.step > 0).map((e) => e.metrics[key]),
    result.final[key],
  ].filter((v) => v !== undefined && Number.isFinite(v));
  if (!values.length) return undefined;
  return higherIsBetter ? Math.max(...values) : Math.min(...values);
}

/** The value of `key` at a cell's step-0 evaluation (the untrained generator), if it has one. */
function untrainedValue(result: CellResult, key: string): number | undefined {
  const value = result.evals.find((e) => e.step === 0)?.metrics[key];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The commits behind `results`, most cells first. */
export function commitCounts(results: CellResult[]): CommitCount[] {
  const counts = new Map<string, number>();
  for (const r of results) {
    const commit = r.environment?.commit || "unknown";
    counts.set(commit, (counts.get(commit) ?? 0) + 1);
  }
  return [...counts].map(([commit, cells]) => ({ commit, cells }))
    .sort((a, b) => b.cells - a.cells || a.commit.localeCompare(b.commit));
}

/** Aggregates `results` (one suite, one profile) into a leaderboard. */
export function buildLeaderboard(info: SuiteInfo, results: CellResult[]): Leaderboard {
  const known = allFigures();
  const groups = new Map<string, CellResult[]>();
  for (const r of results) {
    const key = `${r.config.dataset}\u0000${r.config.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // Columns: every known figure a cell holds, plus the primary and headline figures even when no
  // cell holds them yet (their cells show "—" and the note says why); the primary first.
  const figureKeys = new Set<string>([info.primary, ...(info.headline ?? [])]);
  for (const r of results) {
    for (const key of Object.keys(r.final)) figureKeys.add(key);
  }
  const figures = [...known.values()].filter((f) => figureKeys.has(f.key))
    .sort((a, b) => Number(b.key === info.primary) - Number(a.key === info.primary));
  const primaryFigure = known.get(info.primary);
  const higherIsBetter = primaryFigure?.higherIsBetter ?? false;
  const convergence = convergenceFigures().find((key) => results.some((r) => key in r.final));
  const distinct = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  const evalSamples = distinct(results.map((r) => r.config.evalSamples));
  const finalSamples = distinct(results.map((r) => r.config.finalSamples ?? r.config.evalSamples));
  const bestReported = primaryFigure?.dependsOnSampleSize === false ||
    (evalSamples.length === 1 && finalSamples.length === 1 && evalSamples[0] === finalSamples[0]);

  const seedValues = new Map<LeaderboardRow, number[]>();
  const rows: LeaderboardRow[] = [...groups.values()].map((cells) => {
    const ok = cells.filter((c) => c.status !== "diverged");
    const primaryValues = ok.map((c) => c.final[info.primary]).filter((v) => Number.isFinite(v));
    const rowFigures: Record<string, Summary> = {};
    for (const f of figures) {
      const summary = summarise(ok.map((c) => c.final[f.key]).filter((v) => v !== undefined));
      if (summary) rowFigures[f.key] = summary;
    }
    const bests = ok.map((c) => bestOverEvals(c, info.primary, higherIsBetter));
    const best = bestReported
      ? summarise(bests.filter((v): v is number => v !== undefined))
      : undefined;
    const primary = rowFigures[info.primary];
    const gaps = ok.flatMap((c, i) => {
      const last = c.final[info.primary];
      return bests[i] === undefined || last === undefined ? [] : [Math.abs(last - bests[i]!)];
    });
    const notConverged = figures.flatMap((f) => {
      const mean = rowFigures[f.key]?.mean;
      return f.notConvergedBelow !== undefined && mean !== undefined && mean < f.notConvergedBelow
        ? [`${f.label} ${formatNumber(mean)} < ${f.notConvergedBelow}`]
        : [];
    });
    const t = meanInterval(primaryValues);
    const interval = t &&
      clipInterval(t, resolveBounds(primaryFigure?.bounds, ok.map((c) => c.final)));
    const untrained = summarise(
      ok.map((c) => untrainedValue(c, info.primary)).filter((v): v is number => v !== undefined),
    );
    // Only where step 0 and the final figure are comparable (as for "best").
    const worse = bestReported && untrained && primary &&
      (higherIsBetter ? primary.mean < untrained.mean : primary.mean > untrained.mean);
    const row: LeaderboardRow = {
      rankLabel: "—",
      dataset: cells[0].config.dataset,
      variant: cells[0].config.variant,
      variantName: cells[0].config.variantName ?? cells[0].config.variant,
      scheme: cells[0].config.hyper?.scheme ?? "alternating",
      ...(convergence
        ? { converged: ok.filter((c) => c.final[convergence] === 1).length / cells.length }
        : {}),
      ...(notConverged.length ? { notConverged } : {}),
      seeds: cells.length,
      diverged: cells.length - ok.length,
      divergedAt: cells.flatMap((c) => (c.divergence ? [c.divergence.step] : [])),
      figures: rowFigures,
      ...(interval ? { primaryInterval: interval.interval } : {}),
      ...(interval?.cut ? { primaryIntervalCut: true } : {}),
      ...(best ? { primaryBest: best } : {}),
      divergenceRate: (cells.length - ok.length) / cells.length,
      ...(primary
        ? {
          primarySpread: {
            std: primary.std,
            cv: primary.mean ? primary.std / Math.abs(primary.mean) : 0,
          },
        }
        : {}),
      ...(gaps.length ? { bestLastGap: gaps.reduce((a, b) => a + b, 0) / gaps.length } : {}),
      ...(untrained ? { untrained, worseThanUntrained: Boolean(worse) } : {}),
      wallSeconds: summarise(cells.map((c) => c.timing.wallSeconds))!,
      stepsPerSecond: summarise(cells.map((c) => c.timing.stepsPerSecond))!,
      // `blas` cells hash as `wasm`'s (the same tfjs backend); their environment names the BLAS.
      backends: [
        ...new Set(cells.map((c) => c.environment?.backend?.blas ? "blas" : c.config.backend)),
      ].sort(),
      steps: Math.max(...cells.map((c) => c.config.budget.steps)),
    };
    seedValues.set(row, primaryValues);
    return row;
  });

  const datasetOrder = [...new Set(results.map((r) => r.config.dataset))];
  const sign = higherIsBetter ? -1 : 1;
  rows.sort((a, b) => {
    const byDataset = datasetOrder.indexOf(a.dataset) - datasetOrder.indexOf(b.dataset);
    if (byDataset) return byDataset;
    const va = a.figures[info.primary]?.mean, vb = b.figures[info.primary]?.mean;
    if (va === undefined || vb === undefined) {
      return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0) ||
        a.variant.localeCompare(b.variant);
    }
    return sign * (va - vb) || a.variant.localeCompare(b.variant);
  });
  const comparisons: TableComparisons[] = [];
  for (const dataset of datasetOrder) {
    const inDataset = rows.filter((r) => r.dataset === dataset);
    const ranking = rankRows(inDataset.map((r) => seedValues.get(r)), higherIsBetter);
    inDataset.forEach((row, i) => {
      const rank: RankInterval | undefined = ranking.ranks[i];
      if (rank) [row.rank, row.rankLabel] = [{ low: rank.low, high: rank.high }, rank.label];
    });
    const name = (i: number) => inDataset[i].variant;
    const baselineIndex = inDataset.findIndex((r) => r.variant === info.baseline);
    const counts = new Set(inDataset.flatMap((r) => seedValues.get(r)?.length || []));
    comparisons.push({
      dataset,
      ranked: ranking.ranks.filter(Boolean).length,
      pairs: ranking.pairs.map(({ a, b, better, ...rest }) => ({
        a: name(a),
        b: name(b),
        ...rest,
        ...(better === undefined ? {} : { better: name(better) }),
      })),
      tooFewSeeds: ranking.tooFewSeeds,
      deterministic: ranking.deterministic,
      ...(counts.size === 1 ? { seedsPerRow: [...counts][0] } : {}),
      ...(info.baseline && !(baselineIndex >= 0 && seedValues.get(inDataset[baselineIndex])?.length)
        ? { baselineAbsent: info.baseline }
        : {}),
      ...(baselineIndex >= 0 && seedValues.get(inDataset[baselineIndex])?.length
        ? {
          baseline: {
            variant: inDataset[baselineIndex].variant,
            comparisons: compareToBaseline(
              inDataset.map((r) => seedValues.get(r)),
              baselineIndex,
              higherIsBetter,
            ).map(({ row, ...rest }) => ({ variant: name(row), ...rest })),
          },
        }
        : {}),
      ...(ranking.smallestPossibleP ? { smallestPossibleP: ranking.smallestPossibleP } : {}),
      ...(ranking.seedsNeeded ? { seedsNeeded: ranking.seedsNeeded } : {}),
    });
  }

  // A figure some datasets do not have (e.g. a foreground error on images, not points) is missing
  // only from the cells of datasets where some cell holds it; one no cell holds, from every cell.
  const missing = [info.primary, ...(info.headline ?? [])].flatMap((figure) => {
    const holds = (r: CellResult) => Number.isFinite(r.final[figure]);
    const withFigure = new Set(results.filter(holds).map((r) => r.config.dataset));
    const ok = results.filter((r) =>
      r.status !== "diverged" && (withFigure.size === 0 || withFigure.has(r.config.dataset))
    );
    const lacking = ok.filter((r) => !holds(r)).length;
    return lacking ? [{ figure, cells: lacking, of: ok.length }] : [];
  });
  return {
    ...info,
    figures,
    rows,
    comparisons,
    evalSamples,
    finalSamples,
    bestReported,
    commits: commitCounts(results),
    missing,
  };
}

/**
 * The sample sizes behind a board's figures, as a clause ("; 5000 generated samples for the final
 * figures, 1000 per evaluation before"), or nothing for single-sample suites (Dirac-GAN).
 */
export function samplesNote(board: Pick<Leaderboard, "evalSamples" | "finalSamples">): string {
  if (!board.evalSamples.some((n) => n > 1)) return "";
  const final = board.finalSamples.join("/"), during = board.evalSamples.join("/");
  return final === during
    ? `; ${during} generated samples per evaluation`
    : `; ${final} generated samples for the final figures, ${during} per evaluation before`;
}

/** True when {@linkcode formatNumber} writes `value` with an exponent. */
function usesExponent(value: number): boolean {
  const abs = Math.abs(value);
  return Number.isFinite(value) && abs !== 0 && (abs >= 1e5 || abs < 1e-3);
}

/** Formats a number with `digits` decimals, or 3 significant digits with an exponent, avoiding -0. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const text = usesExponent(value) ? value.toExponential(2) : value.toFixed(digits);
  return text.replace(/^-(0\.?0*)$/, "$1");
}

/**
 * A summary as a table shows it: "mean ± std" (the std takes the mean's notation, so float noise
 * reads 0.000); the mean alone for a single seed (the note under the table says so once, see
 * {@linkcode methodNote}); for a binary figure, the seeds flagged out of n ("1/3").
 */
export function formatSummary(
  summary: Summary | undefined,
  digits = 3,
  figure?: Pick<Figure, "binary">,
): string {
  if (!summary) return "—";
  if (figure?.binary) return `${Math.round(summary.mean * summary.n)}/${summary.n}`;
  if (summary.n === 1) return formatNumber(summary.mean, digits);
  const std = usesExponent(summary.mean)
    ? formatNumber(summary.std, digits)
    : summary.std.toFixed(digits);
  return `${formatNumber(summary.mean, digits)} ± ${std}`;
}

/** A row's 95% interval of the primary figure's mean, or why there is none. */
export function formatInterval(row: LeaderboardRow, primary: string): string {
  if (row.primaryInterval) {
    const [low, high] = row.primaryInterval;
    return low === high && !row.primaryIntervalCut
      ? "no spread"
      : `${formatNumber(low)} – ${formatNumber(high)}`;
  }
  return row.figures[primary]?.n === 1 ? "n = 1" : "—";
}

/** A figure's bounds as a range: "[0, 1]", "[0, modes.total]", "[0, ∞)". */
export function boundsText(bounds: FigureBounds): string {
  const { min, max } = bounds;
  return `${min === undefined ? "(−∞" : `[${min}`}, ${max === undefined ? "∞)" : `${max}]`}`;
}

/** " ↑", " ↓" or nothing. */
export function arrow(figure: Pick<Figure, "higherIsBetter">): string {
  return figure.higherIsBetter === undefined ? "" : figure.higherIsBetter ? " ↑" : " ↓";
}

/** Whether a table needs a backend column: only when its rows ran on different backends. */
export function mixedBackends(board: Leaderboard): boolean {
  return new Set(board.rows.flatMap((r) => r.backends)).size > 1;
}

/**
 * The feature network every bracketed figure label names ("fid[mnist-net]", "is[mnist-net]"), when
 * they all name the same one: the tables then drop it from their column titles (the note and the
 * glossary keep it), which keeps an image suite's table within a page's width.
 */
export function sharedNetwork(figures: Pick<Figure, "label">[]): string | undefined {
  const networks = new Set(figures.flatMap((f) => f.label.match(/\[([^\]]+)\]$/)?.[1] ?? []));
  return networks.size === 1 ? [...networks][0] : undefined;
}

/** A column of the leaderboard table, shared by the Markdown and the HTML page. */
export interface Column {
  /** Header text. */
  title: string;
  /** What the column holds (tooltip and glossary). */
  description: string;
  /** The cell text of a row. */
  cell(row: LeaderboardRow): string;
  /** The figure the column shows, for figure columns. */
  figure?: Figure;
}

const PERCENT = `${CONFIDENCE * 100}%`;

/** The columns of a board's tables, in order. */
export function leaderboardColumns(board: Leaderboard): Column[] {
  const primary = board.figures.find((f) => f.key === board.primary);
  const primaryLabel = primary?.label ?? board.primary;
  const columns: Column[] = [
    {
      title: "rank",
      description:
        `${PERCENT} rank interval of ${primaryLabel}: "1–3" when the seeds cannot tell the row's place closer (see the note); "—" without ${primaryLabel}`,
      cell: (row) => row.rankLabel,
    },
    {
      title: "variant",
      description:
        "the suite's variant (loss, regulariser, update scheme); \"not converged\" marks rows below a figure's convergence threshold",
      cell: (row) => row.notConverged ? `${row.variant} (not converged)` : row.variant,
    },
  ];
  const network = sharedNetwork(board.figures);
  for (const f of board.figures) {
    columns.push({
      title: `${network ? f.label.replace(`[${network}]`, "") : f.label}${arrow(f)}`,
      description: `${f.description}${
        f.binary ? " (seeds flagged of n)" : " (mean ± sample std over seeds)"
      }`,
      cell: (row) => formatSummary(row.figures[f.key], 3, f),
      figure: f,
    });
    if (f.key === board.primary) {
      columns.push({
        title: `${PERCENT} CI`,
        description:
          `${PERCENT} Student-t interval of the mean of ${primaryLabel} over seeds (none for a single seed)${
            primary?.bounds ? `, cut at the figure's bounds ${boundsText(primary.bounds)}` : ""
          }`,
        cell: (row) => formatInterval(row, f.key),
      });
    }
  }
  if (board.bestReported) {
    columns.push({
      title: `best ${primaryLabel}`,
      description:
        `the best value of ${primaryLabel} over the trained evaluations (after step 0) and the final figure (mean ± std over seeds; a maximum over noisy evaluations, so optimistic)`,
      cell: (row) => formatSummary(row.primaryBest),
    });
  }
  columns.push(
    {
      title: "diverged",
      description: "seeds whose losses became NaN/Inf (the steps where), of those stored",
      cell: (row) => {
        if (!row.diverged) return `0/${row.seeds}`;
        const steps = [...new Set(row.divergedAt)].sort((a, b) => a - b);
        return `${row.diverged}/${row.seeds} (step${steps.length > 1 ? "s" : ""} ${
          steps.join(", ")
        })`;
      },
    },
    {
      title: "n",
      description: "seeds that did not diverge: the figures' sample over seeds",
      cell: (row) => String(row.seeds - row.diverged),
    },
    {
      title: "steps/s",
      description:
        "generator steps per second of training (mean over seeds; the spread is in leaderboard.json)",
      cell: (row) => row.stepsPerSecond.mean.toFixed(1),
    },
    {
      title: "wall s",
      description:
        "wall-clock seconds per cell, training and evaluation (mean over seeds; the spread is in leaderboard.json)",
      cell: (row) => row.wallSeconds.mean.toFixed(1),
    },
  );
  if (mixedBackends(board)) {
    columns.push({
      title: "backend",
      description: "the TensorFlow.js backend that ran the row's cells",
      cell: (row) => row.backends.join(", "),
    });
  }
  return columns;
}

/** Formats a p value to 2 significant digits. */
function formatP(p: number): string {
  return p >= 0.01 ? p.toFixed(2) : p.toPrecision(2);
}

/**
 * What one table's comparisons found, in words: all pairs (the strict view), then each row against
 * the suite's baseline row when it has one.
 */
export function comparisonSentence(table: TableComparisons): string {
  return [pairsSentence(table), baselineSentence(table)].filter(Boolean).join(" ");
}

/** What the pairwise tests over all pairs found in one table, as a sentence. */
export function pairsSentence(table: TableComparisons): string {
  if (!table.ranked) return "No row has the primary figure: nothing is ranked (see the note).";
  if (!table.pairs.length) return "One ranked row: nothing to compare.";
  if (table.deterministic) {
    return `Every row's seeds give exactly the same value${
      table.seedsPerRow ? ` (${table.seedsPerRow} seeds per row)` : ""
    }: the outcome does not depend on the seed here, so more seeds would add nothing, and rows are ranked exactly by their values (tied values share a rank); no test is needed.`;
  }
  const byValue = table.pairs.filter((p) => p.byValue).length;
  const pairs = table.pairs.length - byValue;
  const exact = byValue
    ? `${byValue} pair${
      byValue > 1 ? "s" : ""
    } of rows whose seeds each agree exactly (the seed does not change those rows) are ordered by their values, without a test; the other ${pairs} are tested. `
    : "";
  const family = `Holm over ${pairs}${byValue ? " tested" : ""} pair${pairs > 1 ? "s" : ""}`;
  const separated = table.pairs.filter((p) => p.better !== undefined);
  const list = (shown: typeof separated) =>
    shown.map((p) =>
      `${p.better} > ${p.better === p.a ? p.b : p.a} (${p.byValue ? "by value" : formatP(p.pHolm)})`
    );
  const shown = list(separated.slice(0, 12));
  const more = separated.length > shown.length
    ? `, and ${separated.length - shown.length} more (leaderboard.json)`
    : "";
  if (table.tooFewSeeds && table.smallestPossibleP) {
    const { p, seeds } = table.smallestPossibleP;
    return `${exact}Too few seeds to separate any ${byValue ? "tested pair" : "two rows"}: with ${
      seeds[0]
    } vs ${seeds[1]} seeds no split gives p below ${formatP(p)}, and ${family} needs p ≤ ${
      formatP(ALPHA / pairs)
    } (about ${table.seedsNeeded} seeds per row would be needed).${
      byValue && shown.length ? ` Ordered by value: ${shown.join(", ")}${more}.` : ""
    }`;
  }
  if (!separated.length) return `${exact}No pair is separated at family-wise ${ALPHA} (${family}).`;
  return `${exact}Separated at family-wise ${ALPHA} (${family}; ">" reads "better than", Holm-adjusted p): ${
    shown.join(", ")
  }${more}.`;
}

/** Formats an interval "[low, high]". */
function formatRange([low, high]: [number, number], digits = 3): string {
  return `[${formatNumber(low, digits)}, ${formatNumber(high, digits)}]`;
}

/**
 * Each row against the table's baseline row, as a sentence: the difference of means with its
 * bootstrap interval, the probability of improvement with its interval, and which side is
 * separated (permutation tests, exact or over random splits, Holm over the k − 1 comparisons); empty
 * without a baseline.
 */
export function baselineSentence(table: TableComparisons): string {
  if (table.baselineAbsent) {
    return `No row of this table is the suite's baseline ${table.baselineAbsent}: no comparison with it.`;
  }
  if (!table.baseline?.comparisons.length) return "";
  const { variant, comparisons } = table.baseline;
  const tested = comparisons.filter((c) => !c.byValue).length;
  const sampled = comparisons.some((c) => !c.byValue && !c.exact);
  const family = tested
    ? `${
      sampled
        ? `permutation tests over ${RANDOM_PERMUTATIONS.toLocaleString("en")} seeded random splits`
        : "exact permutation tests"
    }, Holm over the ${tested} tested comparison${tested > 1 ? "s" : ""} with the baseline${
      tested < comparisons.length
        ? "; rows whose seeds agree exactly, as the baseline's, by value"
        : ""
    }`
    : "every seed agrees exactly, so the values decide";
  const items = comparisons.map((c) => {
    const verdict = c.better === "row"
      ? "better"
      : c.better === "baseline"
      ? "worse"
      : "not separated";
    return `${c.variant} ${c.difference >= 0 ? "+" : ""}${formatNumber(c.difference)} ${
      formatRange(c.differenceInterval)
    }, P(improvement) ${formatNumber(c.probabilityOfImprovement, 2)} ${
      formatRange(c.probabilityInterval, 2)
    }, ${verdict}${c.byValue ? " (by value)" : ` (p ${formatP(c.pHolm)})`}`;
  });
  return `Against the baseline ${variant} (difference of means with its ${PERCENT} stratified bootstrap interval; P(improvement): the chance a seed of the row beats a seed of ${variant}, with its interval; ${family}): ${
    items.join("; ")
  }.`;
}

/** Which commits produced the cells, and a warning when they differ or a tree was dirty. */
export function commitsSentence(commits: CommitCount[]): string {
  const list = commits.map((c) => `${c.commit} (${c.cells} cell${c.cells > 1 ? "s" : ""})`)
    .join(", ");
  const dirty = commits.filter((c) => c.commit.endsWith("-dirty")).length;
  const warnings = [
    commits.length > 1
      ? `the cells come from ${commits.length} different commits, so their figures may come from different code`
      : "",
    dirty
      ? `${
        dirty === commits.length && dirty === 1 ? "it" : `${dirty} of them`
      } had uncommitted changes ("-dirty"), which no commit records`
      : "",
    commits.some((c) => c.commit === "unknown") ? "some cells record no commit" : "",
  ].filter(Boolean);
  const head = commits.length === 1 ? `Cells from commit ${list}.` : `Cells from commits ${list}.`;
  return warnings.length ? `${head} Warning: ${warnings.join("; ")}.` : head;
}

/** One sentence per primary or headline figure that some cells lack. */
export function missingSentences(board: Pick<Leaderboard, "missing" | "figures">): string[] {
  return board.missing.map((m) => {
    const figure = board.figures.find((f) => f.key === m.figure);
    return `\`${m.figure}\`${
      figure ? ` (${figure.label})` : ""
    } is missing from ${m.cells} of ${m.of} cells, stored before the figure existed ("—"; \`--force\` recomputes them).`;
  });
}

/**
 * How the board's permutation tests split the seeds: every split (exact) while two rows have at
 * most `EXACT_SPLITS_LIMIT` splits, else seeded random splits (20 vs 20 seeds have 1.4e11).
 */
function permutationWords(board: Pick<Leaderboard, "comparisons">): string {
  const tests = board.comparisons.flatMap((table) => [
    ...table.pairs,
    ...(table.baseline?.comparisons ?? []),
  ]).filter((test) => !test.byValue);
  const sampled = tests.filter((test) => !test.exact).length;
  const exact =
    "exact two-sided permutation tests of the difference of means over every split of the two rows' seeds";
  if (!sampled) return exact;
  const random = `two-sided permutation tests of the difference of means over ${
    RANDOM_PERMUTATIONS.toLocaleString("en")
  } seeded random splits, p = (1 + splits as extreme) / (1 + ${
    RANDOM_PERMUTATIONS.toLocaleString("en")
  }), so no p is below ${formatP(1 / (1 + RANDOM_PERMUTATIONS))} before correction`;
  return sampled === tests.length
    ? `${random} (the rows have more than ${
      EXACT_SPLITS_LIMIT.toLocaleString("en")
    } splits to enumerate)`
    : `${exact} where they number at most ${
      EXACT_SPLITS_LIMIT.toLocaleString("en")
    }, else ${random} (${sampled} of ${tests.length} tests)`;
}

/**
 * The method and caveats, in words: the note under a board's tables (Markdown and HTML), one
 * paragraph per entry; the commits are stated apart ({@linkcode commitsSentence}).
 */
export function methodNote(board: Leaderboard): string[] {
  const primary = board.figures.find((f) => f.key === board.primary);
  const label = primary?.label ?? board.primary;
  const network = sharedNetwork(board.figures);
  const notes = [
    `${
      network
        ? `Image figures are computed on ${network}'s features (\`[${network}]\` in their keys). `
        : ""
    }Figures are mean ± sample std over the seeds that did not diverge (n); binary flags are counted ("1/3" = 1 of 3 seeds); sorted by \`${board.primary}\`${
      samplesNote(board)
    }.`,
    `Rank: a ${PERCENT} rank interval of ${label}, the middle ${PERCENT} of the row's ranks over ${
      BOOTSTRAP_RESAMPLES.toLocaleString("en")
    } stratified bootstrap resamples (each row's seeds resampled on their own, seed 0), widened to every rank that the pairwise tests cannot exclude (at 2-3 seeds a bootstrap interval is about the range of the seeds and understates the uncertainty).` +
    ` Pairwise claims: ${
      permutationWords(board)
    }, Holm-corrected over all pairs of the table, family-wise level ${ALPHA} (the strict view); a pair of rows whose seeds each agree exactly (at least 2 seeds) is ordered by its values and left out of that family, since the seed does not change those rows.` +
    ` Against the baseline (where the suite names one): each row's difference of means from the baseline row with a ${PERCENT} stratified bootstrap interval (${
      BOOTSTRAP_RESAMPLES.toLocaleString("en")
    } resamples, seeded), the probability of improvement (rliable, Agarwal et al. 2021) with its interval, and the same permutation tests Holm-corrected over those comparisons only.` +
    ` ${PERCENT} CI: Student's t interval of the mean over seeds.`,
  ];
  if (board.leftOut) {
    notes.push(
      `Warning: ${board.leftOut} stored cell${
        board.leftOut > 1 ? "s were" : " was"
      } left out (corrupt, misplaced or with figures out of range); \`deno task report\` names each.`,
    );
  }
  const cut = board.rows.filter((r) => r.primaryIntervalCut).length;
  if (cut && primary?.bounds) {
    notes.push(
      `${label} lies in ${
        boundsText(primary.bounds)
      }: where Student's t interval (symmetric about the mean) reached past that, it is cut there (${cut} of ${board.rows.length} rows).`,
    );
  }
  if (board.rows.some((r) => Object.values(r.figures).some((s) => s.n === 1))) {
    notes.push(
      `Rows with a single seed (n = 1) show their figures without "± std": one seed has no spread, and no interval.`,
    );
  }
  const thresholds = board.figures.filter((f) => f.notConvergedBelow !== undefined);
  if (thresholds.length) {
    notes.push(
      `"not converged": the row's mean ${
        thresholds.map((f) => `${f.label} is below ${f.notConvergedBelow}`).join(", or ")
      } (${
        thresholds.map((f) => f.description).join("; ")
      }); its other figures describe the few samples that reached the data.`,
    );
  }
  notes.push(bestNote(board, label));
  const worse = board.rows.filter((r) => r.worseThanUntrained);
  if (worse.length) {
    notes.push(
      `Rows whose final mean ${label} is worse than their untrained generator's (the step-0 evaluation${
        board.evalSamples.some((n) => n > 1) ? `, at ${board.evalSamples.join("/")} samples` : ""
      }): ${
        worse.map((r) =>
          `${r.dataset} ${r.variant} (${formatNumber(r.figures[board.primary]!.mean)} vs ${
            formatNumber(r.untrained!.mean)
          })`
        ).join(", ")
      }.`,
    );
  }
  notes.push(...missingSentences(board));
  if (!mixedBackends(board)) {
    const backends = [...new Set(board.rows.flatMap((r) => r.backends))];
    if (backends.length) notes.push(`Backend: ${backends.join(", ")}.`);
  }
  return notes;
}

/** What the "best" column holds, or why there is none, with the sample counts behind it. */
function bestNote(board: Leaderboard, label: string): string {
  if (!board.bestReported) {
    return `No "best over evaluations" column: ${label} depends on the sample count, and the evaluations used fewer samples than the final figures.`;
  }
  const counts = board.evalSamples.some((n) => n > 1)
    ? board.evalSamples.join("/") === board.finalSamples.join("/")
      ? ` (every one at ${board.evalSamples.join("/")} generated samples)`
      : ` (the evaluations at ${
        board.evalSamples.join("/")
      } generated samples, the final figure at ${
        board.finalSamples.join("/")
      }; ${label} does not depend on the sample count)`
    : "";
  return `"best" is the best value of ${label} over the trained evaluations (every evaluation after step 0, the untrained generator's, is left out) and the final figure${counts}; a maximum over noisy evaluations, so optimistic.`;
}

/** The first line of a smoke leaderboard: what its numbers are, and are not. */
export const SMOKE_NOTE =
  "> **Profile smoke: plumbing checks.** A few training steps per cell, to check that every cell runs, trains and is scored; these numbers say nothing about the variants.";

/**
 * The leaderboard as Markdown: one table per dataset, figures as mean ± std over seeds. A smoke
 * leaderboard opens with {@linkcode SMOKE_NOTE}.
 */
export function renderMarkdown(board: Leaderboard): string {
  const lines: string[] = board.profile === "smoke" ? [SMOKE_NOTE, ""] : [];
  const columns = leaderboardColumns(board);
  for (const table of board.comparisons) {
    lines.push(`### ${board.suite} · ${table.dataset} · profile \`${board.profile}\``, "");
    lines.push(
      `| ${columns.map((c) => c.title).join(" | ")} |`,
      `|${columns.map(() => "---").join("|")}|`,
    );
    for (const row of board.rows.filter((r) => r.dataset === table.dataset)) {
      lines.push(`| ${columns.map((c) => c.cell(row)).join(" | ")} |`);
    }
    lines.push("", comparisonSentence(table), "");
  }
  lines.push([...methodNote(board), commitsSentence(board.commits)].join(" "));
  return lines.join("\n") + "\n";
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The leaderboard as CSV: one line per row, the rank interval, `<figure>_mean`, `<figure>_std`,
 * `<figure>_n` columns, and the commits behind the cells.
 */
export function renderCsv(board: Leaderboard): string {
  const header = [
    "suite",
    "profile",
    "dataset",
    "rank_low",
    "rank_high",
    "variant",
    "not_converged",
    "seeds",
    "diverged",
    ...board.figures.flatMap((f) => [`${f.key}_mean`, `${f.key}_std`, `${f.key}_n`]),
    "primary_ci_low",
    "primary_ci_high",
    "steps_per_second_mean",
    "wall_seconds_mean",
    "backend",
  ];
  const lines = [header.join(",")];
  for (const row of board.rows) {
    lines.push(
      [
        board.suite,
        board.profile,
        row.dataset,
        row.rank?.low ?? "",
        row.rank?.high ?? "",
        row.variant,
        row.notConverged ? 1 : 0,
        row.seeds,
        row.diverged,
        ...board.figures.flatMap((f) => {
          const s = row.figures[f.key];
          return s ? [s.mean, s.std, s.n] : ["", "", 0];
        }),
        row.primaryInterval?.[0] ?? "",
        row.primaryInterval?.[1] ?? "",
        row.stepsPerSecond.mean,
        row.wallSeconds.mean,
        row.backends.join(" "),
      ].map(csvField).join(","),
    );
  }
  return lines.join("\n") + "\n";
}
