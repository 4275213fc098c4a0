/**
 * The leaderboard: stored cell results aggregated over seeds, one row per (dataset, variant),
 * sorted by the suite's primary figure, rendered as Markdown, CSV and JSON.
 *
 * @module
 */
import { allFigures, type Figure } from "../metrics/mod.ts";
import type { CellResult } from "../runner/store.ts";
import { summarise, type Summary } from "./aggregate.ts";
import { rankWithTies } from "./ranking.ts";

/** What the leaderboard needs to know about the suite. */
export interface SuiteInfo {
  suite: string;
  profile: string;
  description: string;
  /** The figure rows are sorted by. */
  primary: string;
}

/** One (dataset, variant) row. */
export interface LeaderboardRow {
  rank: number;
  /** The rank as shown: "=2" when tied with an adjacent row (see ranking.ts). */
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
  /** Seeds stored. */
  seeds: number;
  /** Seeds that diverged (NaN/Inf), with the steps where. */
  diverged: number;
  divergedAt: number[];
  figures: Record<string, Summary>;
  /** Best value of the primary figure over evaluation steps (mean over seeds). */
  primaryBest?: Summary;
  /** Share of seeds that diverged. */
  divergenceRate: number;
  /** Seed spread of the final primary figure: std and coefficient of variation (std / |mean|). */
  primarySpread?: { std: number; cv: number };
  /** Mean over seeds of |last − best| of the primary figure: what stopping at the best step would gain. */
  bestLastGap?: number;
  wallSeconds: Summary;
  stepsPerSecond: Summary;
  backends: string[];
  steps: number;
}

/** A suite's leaderboard at one profile. */
export interface Leaderboard extends SuiteInfo {
  /** Figure columns, in table order, with directions. */
  figures: Figure[];
  rows: LeaderboardRow[];
  /** Generated samples per intermediate evaluation. */
  evalSamples: number[];
  /** Generated samples behind the final figures (the last evaluation). */
  finalSamples: number[];
}

/** The 0/1 figure whose share over seeds (diverged seeds count as not converged) is a row's `converged`. */
const CONVERGENCE_FIGURE = "dirac.converged";

function directionOf(figure: Figure | undefined): number {
  return figure?.higherIsBetter === false ? 1 : -1; // multiply means so that ascending is best-first
}

function bestOverEvals(result: CellResult, key: string, sign: number): number | undefined {
  const values = result.evals.map((e) => e.metrics[key]).filter((v) =>
    v !== undefined && Number.isFinite(v)
  );
  if (!values.length) return undefined;
  return sign > 0 ? Math.min(...values) : Math.max(...values);
}

/** Aggregates `results` (one suite, one profile) into a leaderboard. */
export function buildLeaderboard(info: SuiteInfo, results: CellResult[]): Leaderboard {
  const known = allFigures();
  const groups = new Map<string, CellResult[]>();
  for (const r of results) {
    const key = `${r.config.dataset}\u0000${r.config.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const figureKeys = new Set<string>();
  for (const r of results) {
    for (const key of Object.keys(r.final)) if (known.has(key)) figureKeys.add(key);
  }
  const figures = [...known.values()].filter((f) => figureKeys.has(f.key));
  const sign = directionOf(known.get(info.primary));
  const reportsConvergence = results.some((r) => CONVERGENCE_FIGURE in r.final);

  const seedValues = new Map<LeaderboardRow, number[]>();
  const rows: LeaderboardRow[] = [...groups.values()].map((cells) => {
    const ok = cells.filter((c) => c.status !== "diverged");
    const primaryValues = ok.map((c) => c.final[info.primary]).filter((v) => Number.isFinite(v));
    const rowFigures: Record<string, Summary> = {};
    for (const f of figures) {
      const summary = summarise(ok.map((c) => c.final[f.key]).filter((v) => v !== undefined));
      if (summary) rowFigures[f.key] = summary;
    }
    const best = summarise(
      ok.map((c) => bestOverEvals(c, info.primary, sign)).filter((v): v is number =>
        v !== undefined
      ),
    );
    const primary = rowFigures[info.primary];
    const gaps = ok.flatMap((c) => {
      const bestValue = bestOverEvals(c, info.primary, sign);
      const last = c.final[info.primary];
      return bestValue === undefined || last === undefined ? [] : [Math.abs(last - bestValue)];
    });
    const row: LeaderboardRow = {
      rank: 0,
      rankLabel: "",
      dataset: cells[0].config.dataset,
      variant: cells[0].config.variant,
      variantName: cells[0].config.variantName ?? cells[0].config.variant,
      scheme: cells[0].config.hyper?.scheme ?? "alternating",
      ...(reportsConvergence
        ? { converged: ok.filter((c) => c.final[CONVERGENCE_FIGURE] === 1).length / cells.length }
        : {}),
      seeds: cells.length,
      diverged: cells.length - ok.length,
      divergedAt: cells.flatMap((c) => (c.divergence ? [c.divergence.step] : [])),
      figures: rowFigures,
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
      wallSeconds: summarise(cells.map((c) => c.timing.wallSeconds))!,
      stepsPerSecond: summarise(cells.map((c) => c.timing.stepsPerSecond))!,
      backends: [...new Set(cells.map((c) => c.config.backend))].sort(),
      steps: Math.max(...cells.map((c) => c.config.budget.steps)),
    };
    seedValues.set(row, primaryValues);
    return row;
  });

  const datasetOrder = [...new Set(results.map((r) => r.config.dataset))];
  rows.sort((a, b) => {
    const byDataset = datasetOrder.indexOf(a.dataset) - datasetOrder.indexOf(b.dataset);
    if (byDataset) return byDataset;
    const va = a.figures[info.primary]?.mean, vb = b.figures[info.primary]?.mean;
    if (va === undefined || vb === undefined) {
      return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0);
    }
    return sign * (va - vb) || a.variant.localeCompare(b.variant);
  });
  for (const dataset of datasetOrder) {
    const inDataset = rows.filter((r) => r.dataset === dataset);
    const ranks = rankWithTies(inDataset.map((r) => seedValues.get(r)));
    inDataset.forEach((row, i) => [row.rank, row.rankLabel] = [ranks[i].rank, ranks[i].label]);
  }
  const distinct = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  const evalSamples = distinct(results.map((r) => r.config.evalSamples));
  const finalSamples = distinct(results.map((r) => r.config.finalSamples ?? r.config.evalSamples));
  return { ...info, figures, rows, evalSamples, finalSamples };
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

/** Formats a number with `digits` significant decimals, avoiding -0. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const text = abs !== 0 && (abs >= 1e5 || abs < 1e-3)
    ? value.toExponential(2)
    : value.toFixed(digits);
  return text.replace(/^-(0\.?0*)$/, "$1");
}

/** True when {@linkcode formatNumber} writes `value` with an exponent. */
function usesExponent(value: number): boolean {
  const abs = Math.abs(value);
  return Number.isFinite(value) && abs !== 0 && (abs >= 1e5 || abs < 1e-3);
}

/** "mean ± std" of a summary; the std takes the mean's notation, so float noise reads 0.000. */
export function formatSummary(summary: Summary | undefined, digits = 3): string {
  if (!summary) return "—";
  const std = usesExponent(summary.mean)
    ? formatNumber(summary.std, digits)
    : summary.std.toFixed(digits);
  return `${formatNumber(summary.mean, digits)} ± ${std}`;
}

function arrow(figure: Figure): string {
  return figure.higherIsBetter === undefined ? "" : figure.higherIsBetter ? " ↑" : " ↓";
}

/** The leaderboard as Markdown: one table per dataset, figures as mean ± std over seeds. */
export function renderMarkdown(board: Leaderboard): string {
  const lines: string[] = [];
  const header = [
    "rank",
    "variant",
    ...board.figures.map((f) => `${f.label}${arrow(f)}`),
    `best ${board.figures.find((f) => f.key === board.primary)?.label ?? board.primary}`,
    "diverged",
    "n",
    "steps/s",
    "wall s",
    "backend",
  ];
  for (const dataset of [...new Set(board.rows.map((r) => r.dataset))]) {
    lines.push(`### ${board.suite} · ${dataset} · profile \`${board.profile}\``, "");
    lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
    for (const row of board.rows.filter((r) => r.dataset === dataset)) {
      const cells = [
        row.rankLabel,
        row.variant,
        ...board.figures.map((f) => formatSummary(row.figures[f.key])),
        formatSummary(row.primaryBest),
        row.diverged
          ? `${row.diverged}/${row.seeds} (step ${row.divergedAt.join(", ")})`
          : `0/${row.seeds}`,
        String(row.seeds - row.diverged),
        formatSummary(row.stepsPerSecond, 1),
        formatSummary(row.wallSeconds, 1),
        row.backends.join(", "),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  lines.push(
    `Figures are mean ± sample std over the seeds that did not diverge (n); sorted by \`${board.primary}\`` +
      "; =k marks rows whose difference is not significant (the 95% bootstrap interval of the difference of means over seeds, 2,000 seeded resamples, contains 0)" +
      `${samplesNote(board)}. ` +
      `"best" is the best value of the primary figure over evaluation steps.`,
  );
  return lines.join("\n") + "\n";
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The leaderboard as CSV: one line per row, `<figure>_mean`, `<figure>_std`, `<figure>_n` columns. */
export function renderCsv(board: Leaderboard): string {
  const header = [
    "suite",
    "profile",
    "dataset",
    "rank",
    "variant",
    "seeds",
    "diverged",
    ...board.figures.flatMap((f) => [`${f.key}_mean`, `${f.key}_std`, `${f.key}_n`]),
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
        row.rank,
        row.variant,
        row.seeds,
        row.diverged,
        ...board.figures.flatMap((f) => {
          const s = row.figures[f.key];
          return s ? [s.mean, s.std, s.n] : ["", "", 0];
        }),
        row.stepsPerSecond.mean,
        row.wallSeconds.mean,
        row.backends.join(" "),
      ].map(csvField).join(","),
    );
  }
  return lines.join("\n") + "\n";
}
