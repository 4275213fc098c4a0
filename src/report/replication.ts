/**
 * The replication page: for every suite with a `replication` section (its published figures, as
 * data in the suite file) and stored results, each finding's paper figures beside ours, with
 * intervals, the protocol differences of the run (its budget against the paper's), and a verdict
 * per row and figure.
 *
 * Verdicts, per row (a variant) and column (a figure), checked in this order:
 * - "no result": no seed of the row has the figure;
 * - "not converged": the row is below a convergence threshold of its own figures (the one the
 *   leaderboards use, e.g. PacGAN's mixtures: mean hq < 0.5, so most samples lie off the data and
 *   its other figures describe the few that do not); no agreement verdict is given;
 * - "within the paper's interval": our mean over seeds lies in the paper's interval (a published
 *   mean ± standard error over `runs` runs becomes mean ± t·se, Student's t at 95% with runs − 1
 *   degrees of freedom; a stated figure such as "all 8 modes" is its own interval);
 * - "same ordering": outside it, and separated from every other row the paper separates it from
 *   (disjoint paper intervals, or an order the paper states) in the paper's direction, by the test
 *   the leaderboards use: exact permutation tests of the difference of means, Holm-corrected over
 *   every pair of the finding's rows on that figure, family-wise level 0.05 (ranking.ts);
 * - "not separated": outside the interval, ordered as in the paper or not, but some pair the paper
 *   separates is not separated by that test (the sign of a difference of means is no evidence);
 * - "differs": a pair the paper separates is separated the other way, or the paper separates the
 *   row from no other row.
 *
 * @module
 */
import { join } from "node:path";
import { mean } from "simple-statistics";
import { buildMatrix, type CellConfig } from "../runner/cells.ts";
import {
  type Column,
  type Finding,
  type PaperValue,
  type Replication,
  statesPaperFigures,
} from "../runner/replication_section.ts";
import {
  type CellResult,
  CorruptResultError,
  listResultFiles,
  listSuiteDirs,
  readResult,
} from "../runner/store.ts";
import { listSuiteNames, loadSuite, type Profile, type Suite } from "../runner/suite.ts";
import { UserError } from "../errors.ts";
import { ALPHA, rankRows, SPLITS_RULE, tQuantile975 } from "./ranking.ts";
import { allFigures } from "../metrics/mod.ts";
import { escapeHtml } from "./site.ts";

/** The verdict of one row on one figure. */
export type Verdict =
  | "within the paper's interval"
  | "same ordering"
  | "not separated"
  | "differs"
  | "not converged"
  | "no result";

/** The verdicts, in the order the page counts them. */
export const VERDICTS: readonly Verdict[] = [
  "within the paper's interval",
  "same ordering",
  "not separated",
  "differs",
  "not converged",
  "no result",
];

/** Our figure for one row: its mean over seeds, standard error and 95% interval. */
export interface Measured {
  /** Seeds that have the figure (diverged seeds count when the column says what they count as). */
  n: number;
  mean: number;
  /** The per-seed values behind the mean (what the permutation tests compare). */
  values: number[];
  /** Standard error of the mean (sample std / √n); undefined for one seed. */
  se?: number;
  /** Student's t 95% interval of the mean; undefined for one seed. */
  interval?: [number, number];
  /** Seeds of the row that diverged. */
  diverged: number;
}

/** One row's comparison on one column. */
export interface Judgement {
  variant: string;
  /** The paper's name for the row. */
  label: string;
  figure: string;
  /** The paper's interval, in ganbench's units; undefined when the paper gives no number. */
  paper?: [number, number];
  ours?: Measured;
  verdict: Verdict;
  /** One line: why. */
  reason: string;
}

/** The interval a published figure stands for, in ganbench's units (see the module's notes). */
export function paperInterval(
  value: PaperValue,
  runs: number | undefined,
  unit?: Column["unit"],
): [number, number] {
  const scale = unit === "percent" ? 0.01 : 1;
  if ("low" in value) return [value.low * scale, value.high * scale];
  const half = value.se === 0 ? 0 : tQuantile975((runs ?? 2) - 1) * value.se;
  return [(value.mean - half) * scale, (value.mean + half) * scale];
}

/** Our figure for `variant` on `dataset` over `results`, or undefined when no seed has it. */
export function measure(
  results: CellResult[],
  dataset: string,
  variant: string,
  column: Pick<Column, "figure" | "divergedAs">,
): Measured | undefined {
  const cells = results.filter((r) => r.config.dataset === dataset && r.config.variant === variant);
  const diverged = cells.filter((r) => r.status === "diverged").length;
  const values = cells.flatMap((r) =>
    r.status === "diverged"
      ? (column.divergedAs === undefined ? [] : [column.divergedAs])
      : Number.isFinite(r.final[column.figure])
      ? [r.final[column.figure]]
      : []
  );
  if (!values.length) return undefined;
  const m = mean(values);
  if (values.length < 2) return { n: 1, mean: m, values, diverged };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
  const se = std / Math.sqrt(values.length);
  const half = tQuantile975(values.length - 1) * se;
  return { n: values.length, mean: m, values, se, interval: [m - half, m + half], diverged };
}

/**
 * Why the row `variant` of `dataset` is not converged by the suite's own thresholds (a figure's
 * `notConvergedBelow`, as the leaderboards mark rows), e.g. "hq 0.16 < 0.5"; undefined when it is
 * converged or no cell has a figure with a threshold.
 */
export function notConvergedReason(
  results: CellResult[],
  dataset: string,
  variant: string,
): string | undefined {
  const reasons: string[] = [];
  for (const figure of allFigures().values()) {
    if (figure.notConvergedBelow === undefined) continue;
    const measured = measure(results, dataset, variant, { figure: figure.key });
    if (measured && measured.mean < figure.notConvergedBelow) {
      reasons.push(`${figure.label} ${format(measured.mean)} < ${figure.notConvergedBelow}`);
    }
  }
  return reasons.length ? reasons.join("; ") : undefined;
}

/** Whether `x` lies in `[low, high]`, up to float rounding of the bounds. */
function inside(x: number, [low, high]: [number, number]): boolean {
  const slack = 1e-9 * Math.max(1, Math.abs(low), Math.abs(high));
  return x >= low - slack && x <= high + slack;
}

/**
 * The order the paper puts rows `a` and `b` in on `figure`: +1 when `a` is higher, −1 when lower,
 * 0 when it does not separate them (overlapping intervals, no number and no stated order).
 */
function paperOrder(finding: Finding, figure: string, a: string, b: string): number {
  for (const o of finding.orderings) {
    if (o.figure !== figure) continue;
    if (o.higher === a && o.lower === b) return 1;
    if (o.higher === b && o.lower === a) return -1;
  }
  const column = finding.columns.find((c) => c.figure === figure)!;
  const value = (variant: string) => finding.rows.find((r) => r.variant === variant)?.paper[figure];
  const [va, vb] = [value(a), value(b)];
  if (!va || !vb) return 0;
  const [la, ha] = paperInterval(va, finding.runs, column.unit);
  const [lb, hb] = paperInterval(vb, finding.runs, column.unit);
  return la > hb ? 1 : ha < lb ? -1 : 0;
}

/** How {@linkcode judgeFinding} decides beyond the figures. */
export interface JudgeOptions {
  /** Why a row is not converged by the suite's thresholds; undefined when it is. */
  notConverged?: (variant: string) => string | undefined;
  /** Seeds the permutation tests' random splits (only used above their exact limit). */
  seed?: number;
}

/**
 * The verdicts of `finding`: one per row and column that the paper gives a number or an order
 * for, with our figures from `ours(variant, column)` (see the module's notes for the rule).
 */
export function judgeFinding(
  finding: Finding,
  ours: (variant: string, column: Column) => Measured | undefined,
  options: JudgeOptions = {},
): Judgement[] {
  const judgements: Judgement[] = [];
  for (const column of finding.columns) {
    const figure = column.figure;
    const measured = new Map(finding.rows.map((r) => [r.variant, ours(r.variant, column)]));
    // The leaderboards' test: exact permutation tests over every pair of the finding's rows on
    // this figure, Holm-corrected over those pairs. Higher or lower is only a direction here.
    const ranking = rankRows(
      finding.rows.map((r) => measured.get(r.variant)?.values),
      true,
      options.seed,
    );
    const separated = (a: number, b: number): number => {
      const pair = ranking.pairs.find((p) => (p.a === a && p.b === b) || (p.a === b && p.b === a));
      if (!pair || pair.pHolm > ALPHA || pair.difference === 0) return 0;
      return Math.sign(pair.difference) * (pair.a === a ? 1 : -1);
    };
    finding.rows.forEach((row, r) => {
      const value = row.paper[figure];
      const ordered = finding.orderings.some((o) =>
        o.figure === figure && (o.higher === row.variant || o.lower === row.variant)
      );
      if (!value && !ordered) return;
      const paper = value && paperInterval(value, finding.runs, column.unit);
      const mine = measured.get(row.variant);
      const base = { variant: row.variant, label: row.label, figure, paper, ours: mine };
      if (!mine) {
        judgements.push({ ...base, verdict: "no result", reason: "no seed has this figure" });
        return;
      }
      const unconverged = options.notConverged?.(row.variant);
      if (unconverged) {
        judgements.push({
          ...base,
          verdict: "not converged",
          reason: `not converged by the suite's threshold (${unconverged}): no agreement verdict`,
        });
        return;
      }
      if (paper && inside(mine.mean, paper)) {
        judgements.push({
          ...base,
          verdict: "within the paper's interval",
          reason: "our mean lies in the paper's interval",
        });
        return;
      }
      const agree: string[] = [], unseparated: string[] = [], disagree: string[] = [];
      finding.rows.forEach((other, o) => {
        if (o === r) return;
        const expected = paperOrder(finding, figure, row.variant, other.variant);
        if (!expected || !measured.get(other.variant)) return;
        const found = separated(r, o);
        const where = `${expected > 0 ? "above" : "below"} ${other.label}`;
        (found === expected ? agree : found === 0 ? unseparated : disagree).push(where);
      });
      const outside = paper ? "outside the paper's interval" : "the paper gives no number";
      const family = `${
        ranking.pairs.every((pair) => pair.exact) ? "exact " : ""
      }permutation tests, Holm over the ${ranking.pairs.length} pairs of this figure`;
      if (disagree.length) {
        judgements.push({
          ...base,
          verdict: "differs",
          reason: `${outside}; the paper has it ${
            disagree.join(", ")
          }, ours is separated the other way (${family})`,
        });
      } else if (unseparated.length) {
        judgements.push({
          ...base,
          verdict: "not separated",
          reason: `${outside}; the paper has it ${
            unseparated.join(", ")
          }, which ours does not separate at family-wise ${ALPHA} (${family})`,
        });
      } else if (agree.length) {
        judgements.push({
          ...base,
          verdict: "same ordering",
          reason: `${outside}; as in the paper and separated (${family}): ${agree.join(", ")}`,
        });
      } else {
        judgements.push({
          ...base,
          verdict: "differs",
          reason: `${outside}, and the paper separates it from no other row`,
        });
      }
    });
  }
  return judgements;
}

/** Our results of one suite at one profile. */
export interface ProfileResults {
  profile: string;
  results: CellResult[];
}

/** What the page shows of one suite. */
export interface SuiteReplication {
  suite: Suite;
  replication: Replication;
  profiles: ProfileResults[];
}

/** The mixtures' hq threshold as the page states it. */
const HQ_THRESHOLD_TEXT = String(allFigures().get("modes.hq")?.notConvergedBelow ?? "");

/** A number with 3 significant digits (plain below 1e5, down to 1e-3). */
function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}

/** A figure in the paper's unit (× 100 for percent). */
function shown(value: number, unit?: Column["unit"]): string {
  return format(unit === "percent" ? value * 100 : value);
}

/** The paper's figure as printed, and its interval. */
function paperCell(finding: Finding, column: Column, value: PaperValue | undefined): string {
  if (!value) return "—";
  const pct = column.unit === "percent" ? " %" : "";
  const [low, high] = paperInterval(value, finding.runs, column.unit);
  if ("low" in value) {
    return value.low === value.high ? `${value.low}${pct}` : `${value.low}–${value.high}${pct}`;
  }
  return `${value.mean} ± ${value.se}${pct} <span class="note">[${shown(low, column.unit)}, ${
    shown(high, column.unit)
  }]</span>`;
}

/** Our figure: mean ± se (n), and its interval. */
function oursCell(column: Column, measured: Measured | undefined): string {
  if (!measured) return "—";
  const pct = column.unit === "percent" ? " %" : "";
  const main = measured.se === undefined
    ? `${shown(measured.mean, column.unit)}${pct} (n = 1)`
    : `${shown(measured.mean, column.unit)} ± ${shown(measured.se, column.unit)}${pct}`;
  const interval = measured.interval
    ? ` <span class="note">[${shown(measured.interval[0], column.unit)}, ${
      shown(measured.interval[1], column.unit)
    }] n = ${measured.n}</span>`
    : "";
  const diverged = measured.diverged
    ? ` <span class="flag">${measured.diverged} diverged</span>`
    : "";
  return `${main}${interval}${diverged}`;
}

/** Flattened `config` (dotted keys → JSON values), without what is not protocol. */
function protocolOf(config: CellConfig): Map<string, string> {
  const ignored = new Set([
    "format",
    "suite",
    "suiteVersion",
    "profile",
    "seed",
    "backend",
    "budget.logEvery",
    "budget.evalEvery",
  ]);
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string) => {
    if (ignored.has(path)) return;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else out.set(path, JSON.stringify(value));
  };
  walk(config, "");
  return out;
}

/**
 * How a profile's cells differ from the paper profile's, one line per setting ("budget.steps:
 * 2400 here, 400000 in the paper's protocol"), and the seeds against the paper's runs.
 */
export function protocolDifferences(
  suite: Suite,
  replication: Replication,
  results: CellResult[],
): string[] {
  if (!results.length) return [];
  const paperProfile = replication.paperProfile as Profile;
  const paperCells = buildMatrix(suite, {
    profile: paperProfile,
    backend: results[0].config.backend,
  });
  const lines = new Map<string, string>();
  for (const result of results) {
    const twin = paperCells.find((c) =>
      c.config.dataset === result.config.dataset && c.config.variant === result.config.variant
    );
    if (!twin) continue;
    const ours = protocolOf(result.config), theirs = protocolOf(twin.config);
    for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
      if (ours.get(key) !== theirs.get(key) && !lines.has(key)) {
        lines.set(
          key,
          `${key}: ${ours.get(key) ?? "unset"} here, ${
            theirs.get(key) ?? "unset"
          } in the paper's protocol (profile ${paperProfile})`,
        );
      }
    }
  }
  const seeds = new Set(results.map((r) => r.config.seed)).size;
  const runs = Math.max(0, ...replication.findings.map((f) => f.runs ?? 0));
  const out = [...lines.keys()].sort().map((key) => lines.get(key)!);
  if (runs) out.push(`seeds: ${seeds} per row here, ${runs} runs in the paper`);
  return out;
}

/** Ends `text` with a full stop unless it ends a sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The source of a finding as one line. */
function sourceLine(finding: Finding): string {
  const { paper, table, figure, section, page, pageUnchecked, code } = finding.source;
  const where = [table, figure, section, page ? `p. ${page}` : ""].filter(Boolean).join(", ");
  const unchecked = pageUnchecked ? ` (page not given: ${pageUnchecked})` : "";
  return `${paper}, ${where}${unchecked}${code ? `; protocol from ${code}` : ""}`;
}

/** The HTML of one finding at one profile: its table of paper and our figures, with verdicts. */
export function findingSection(finding: Finding, results: CellResult[]): string {
  const judgements = judgeFinding(
    finding,
    (variant, column) => measure(results, finding.dataset, variant, column),
    { notConverged: (variant) => notConvergedReason(results, finding.dataset, variant) },
  );
  const header = [
    "<tr><th>row</th><th>variant</th>",
    ...finding.columns.map((c) =>
      `<th>${escapeHtml(c.label)} · paper</th><th>ours</th><th>verdict</th>`
    ),
    "</tr>",
  ].join("");
  const rows = finding.rows.map((row) => {
    const cells = finding.columns.map((column) => {
      const judgement = judgements.find((j) =>
        j.variant === row.variant && j.figure === column.figure
      );
      const ours = measure(results, finding.dataset, row.variant, column);
      const verdict = judgement
        ? `<span title="${escapeHtml(judgement.reason)}" class="verdict">${
          escapeHtml(judgement.verdict)
        }</span>`
        : "—";
      return `<td>${paperCell(finding, column, row.paper[column.figure])}</td><td>${
        oursCell(column, ours)
      }</td><td>${verdict}</td>`;
    });
    return `<tr><td>${escapeHtml(row.label)}</td><td><code>${escapeHtml(row.variant)}</code></td>${
      cells.join("")
    }</tr>`;
  });
  const counts = VERDICTS.map((v) => [v, judgements.filter((j) => j.verdict === v).length] as const)
    .filter(([, n]) => n).map(([v, n]) => `${n} ${v}`).join(", ");
  const orderings = finding.orderings.map((o) => {
    const label = (v: string) => finding.rows.find((r) => r.variant === v)?.label ?? v;
    const column = finding.columns.find((c) => c.figure === o.figure);
    return `${label(o.higher)} above ${label(o.lower)} on ${column?.label ?? o.figure}`;
  });
  return [
    `<h4 id="${escapeHtml(finding.id)}">${escapeHtml(finding.dataset)}: ${
      escapeHtml(sentence(finding.claim))
    }</h4>`,
    `<p class="note">Source: ${escapeHtml(sourceLine(finding))}.${
      orderings.length ? ` Orders the paper states: ${escapeHtml(orderings.join("; "))}.` : ""
    }${
      statesPaperFigures(finding)
        ? ""
        : " The paper prints no figure for this finding: ours are shown without verdicts."
    }${finding.runs ? ` Paper: mean ± standard error over ${finding.runs} runs.` : ""}</p>`,
    `<div class="scroll"><table class="replication" data-finding="${escapeHtml(finding.id)}">`,
    header,
    ...rows,
    "</table></div>",
    `<p class="pairs">Verdicts: ${escapeHtml(counts || "none")}.</p>`,
  ].join("\n");
}

const STYLE =
  `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0;font-size:12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.2rem .35rem;text-align:right;white-space:nowrap}
th{background:#f5f5f5}td:first-child,td:nth-child(2){text-align:left}.scroll{overflow-x:auto}
.note{color:#555;font-size:12px}.flag{color:#a33;font-size:11px}.pairs{color:#444;font-size:13px}
.verdict{text-decoration:underline dotted #999;cursor:help}code{background:#f3f3f3;padding:0 .2rem}`;

/** The replication page of `suites` (deterministic: the same results give the same bytes). */
export function replicationPage(suites: SuiteReplication[]): string {
  const sections = suites.map(({ suite, replication, profiles }) => {
    const parts = [
      `<section id="${escapeHtml(suite.name)}"><h2>${escapeHtml(replication.paper)}</h2>`,
      `<p>Suite <code>${escapeHtml(suite.name)}</code> (${
        escapeHtml(sentence(suite.description))
      }) Protocol: ${
        escapeHtml(sentence(replication.protocol))
      } The paper's budget is profile <code>${escapeHtml(replication.paperProfile)}</code>.</p>`,
    ];
    if (replication.differences.length) {
      parts.push(
        `<p>Where ganbench differs from the paper's code at every profile:</p><ul>${
          replication.differences.map((d) => `<li>${escapeHtml(d)}</li>`).join("")
        }</ul>`,
      );
    }
    for (const { profile, results } of profiles) {
      const differences = protocolDifferences(suite, replication, results);
      parts.push(
        `<h3>Profile <code>${escapeHtml(profile)}</code> (${results.length} cells) · <a href="${
          escapeHtml(`${encodeURIComponent(suite.name)}/${encodeURIComponent(profile)}/index.html`)
        }">leaderboard</a></h3>`,
        differences.length
          ? `<p>This run's protocol against the paper's:</p><ul>${
            differences.map((d) => `<li><code>${escapeHtml(d)}</code></li>`).join("")
          }</ul>`
          : `<p>This run follows the paper's protocol (profile <code>${
            escapeHtml(replication.paperProfile)
          }</code>) in every setting.</p>`,
        ...replication.findings.map((finding) => findingSection(finding, results)),
      );
    }
    parts.push("</section>");
    return parts.join("\n");
  });
  const intro =
    `<p>Each published finding beside ours. Paper: its mean ± standard error and, in brackets, the 95% interval it stands for (mean ± t·se, Student's t with runs − 1 degrees of freedom), or the figure it states. Ours: mean ± standard error over seeds, the 95% Student-t interval and n. Verdict (hover for why), in this order: <em>no result</em>; <em>not converged</em> (the row is below the suite's convergence threshold, the one its leaderboard marks, e.g. mean hq &lt; ${HQ_THRESHOLD_TEXT}: no agreement verdict is given); <em>within the paper's interval</em> (our mean lies in it); <em>same ordering</em> (outside it, but separated from every row the paper separates it from, in the paper's direction, by the leaderboards' test: two-sided permutation tests of the difference of means (${SPLITS_RULE}), Holm-corrected over all pairs of the finding's rows on that figure, family-wise level ${ALPHA}); <em>not separated</em> (some pair the paper separates is not separated by that test: the sign of a difference of means alone is no verdict); <em>differs</em> (a pair separated the other way, or the paper separates the row from none).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganbench · replications</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<p><a href="index.html">← all suites</a></p>
<h1>Replications of published findings</h1>
${intro}
${sections.join("\n")}
</body></html>
`;
}

/**
 * The replications under `resultsDir`: every bundled suite with a `replication` section and
 * stored results, each profile's readable results (unreadable files are left out; `report` names
 * them). The paper's figures come from the suite file.
 */
export async function collectReplications(resultsDir: string): Promise<SuiteReplication[]> {
  const dirs = await listSuiteDirs(resultsDir);
  const bundled = new Set(listSuiteNames());
  const out: SuiteReplication[] = [];
  for (const name of [...new Set(dirs.map(([suite]) => suite))].sort()) {
    if (!bundled.has(name)) continue;
    let suite: Suite;
    try {
      suite = loadSuite(name);
    } catch (error) {
      // A suite file that does not parse gets no replication section here; `suite` names it.
      if (error instanceof UserError) continue;
      throw error;
    }
    if (!suite.replication) continue;
    const profiles: ProfileResults[] = [];
    for (const [, profile] of dirs.filter(([s]) => s === name)) {
      const results: CellResult[] = [];
      for (const path of await listResultFiles(join(resultsDir, name, profile))) {
        try {
          const result = await readResult(path);
          if (result && result.config.suiteVersion === suite.version) results.push(result);
        } catch (error) {
          if (!(error instanceof CorruptResultError)) throw error;
        }
      }
      if (results.length) profiles.push({ profile, results });
    }
    if (profiles.length) out.push({ suite, replication: suite.replication, profiles });
  }
  return out;
}

/**
 * `overviewHtml` with a link to the replication page under its title (the overview is site.ts's;
 * the link is added here so that the page stays one self-contained module).
 */
export function linkReplicationPage(overviewHtml: string): string {
  const link =
    `<p><a href="replication.html">Replications of published findings</a>: the papers' figures beside ours, with verdicts.</p>\n`;
  const at = overviewHtml.indexOf("</h1>\n");
  return at < 0
    ? overviewHtml.replace("</body>", `${link}</body>`)
    : overviewHtml.slice(0, at + 6) + link + overviewHtml.slice(at + 6);
}
