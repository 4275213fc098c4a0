/**
 * The static leaderboard site: one page per suite/profile (tables, charts inlined as SVG, specs
 * linked, environment) and an overview page. Readable offline: no script, font or stylesheet is
 * fetched from anywhere.
 *
 * @module
 */
import type { CellResult } from "../runner/store.ts";
import type { RenderedChart } from "./charts/mod.ts";
import { formatSummary, type Leaderboard, samplesNote } from "./leaderboard.ts";
import { BOOTSTRAP_RESAMPLES, CONFIDENCE } from "./ranking.ts";

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

const STYLE =
  `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:13px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.2rem .45rem;text-align:right;white-space:nowrap}
th:nth-child(2),td:nth-child(2){text-align:left}th{background:#f5f5f5}
.scroll,figure{overflow-x:auto}figure{margin:1.5rem 0}figcaption{color:#555;margin:.3rem 0}
.env{color:#555;font-size:13px}code{background:#f3f3f3;padding:0 .2rem}
section.suite{margin-bottom:2rem}caption{text-align:left;font-weight:600;padding:.3rem 0}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

function arrow(higherIsBetter: boolean | undefined): string {
  return higherIsBetter === undefined ? "" : higherIsBetter ? " ↑" : " ↓";
}

/** The leaderboard's tables, one per dataset, as HTML. */
export function leaderboardTables(board: Leaderboard): string {
  const header = [
    "rank",
    "variant",
    ...board.figures.map((f) => `${f.label}${arrow(f.higherIsBetter)}`),
    "diverged",
    "n",
    "steps/s",
    "wall s",
    "backend",
  ];
  const parts: string[] = [];
  for (const dataset of [...new Set(board.rows.map((r) => r.dataset))]) {
    parts.push(
      `<h3>${escapeHtml(dataset)}</h3>`,
      `<div class="scroll"><table class="leaderboard" data-dataset="${escapeHtml(dataset)}">`,
    );
    parts.push(`<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`);
    for (const row of board.rows.filter((r) => r.dataset === dataset)) {
      const cells = [
        row.rankLabel,
        row.variant,
        ...board.figures.map((f) => formatSummary(row.figures[f.key])),
        `${row.diverged}/${row.seeds}`,
        String(row.seeds - row.diverged),
        formatSummary(row.stepsPerSecond, 1),
        formatSummary(row.wallSeconds, 1),
        row.backends.join(", "),
      ];
      parts.push(`<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`);
    }
    parts.push("</table></div>");
  }
  return parts.join("\n");
}

/** What ran: backends, devices, versions, commits and the date range, from the results. */
export function environmentSummary(results: CellResult[]): string {
  const distinct = (pick: (r: CellResult) => string | undefined) =>
    [...new Set(results.map(pick).filter((v): v is string => Boolean(v)))].sort().join(", ");
  const dates = results.map((r) => r.finishedAt).filter(Boolean).sort();
  const rows: [string, string][] = [
    ["backend", distinct((r) => r.environment?.backend?.name)],
    ["device", distinct((r) => r.environment?.backend?.device)],
    ["TensorFlow.js", distinct((r) => r.environment?.backend?.tfjsVersion)],
    ["Deno", distinct((r) => r.environment?.deno)],
    ["ganbench", distinct((r) => r.environment?.ganbench)],
    ["commit", distinct((r) => r.environment?.commit)],
    ["finished", dates.length ? `${dates[0]} – ${dates[dates.length - 1]}` : ""],
  ];
  return `<p class="env">${
    rows.filter(([, v]) => v).map(([k, v]) => `${k}: <code>${escapeHtml(v)}</code>`).join(" · ")
  }</p>`;
}

/** How ties are decided, in words (the numbers come from ranking.ts). */
const TIE_RULE = `=k marks a tie: a row shares the rank of the first row of its group when the ${
  CONFIDENCE * 100
}% percentile-bootstrap interval of the difference of their means over seeds (${
  BOOTSTRAP_RESAMPLES.toLocaleString("en")
} seeded resamples of each row's seeds) contains 0.`;

/** Ends `text` with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return !text || /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The page of one suite at one profile. */
export function suitePage(
  board: Leaderboard,
  charts: RenderedChart[],
  results: CellResult[],
): string {
  const figures = charts.map((c) =>
    `<figure class="chart" id="${escapeHtml(c.name)}"><figcaption>${
      escapeHtml(c.description)
    } · <a href="charts/${escapeHtml(c.files.spec)}">spec</a> · <a href="charts/${
      escapeHtml(c.files.png)
    }">PNG</a></figcaption>\n${c.svg}</figure>`
  );
  const body = [
    `<p><a href="../../index.html">← all suites</a></p>`,
    `<h1>${escapeHtml(board.suite)} · profile <code>${escapeHtml(board.profile)}</code></h1>`,
    `<p>${escapeHtml(sentence(board.description))}</p>`,
    environmentSummary(results),
    `<h2>Leaderboard</h2>`,
    `<p>Mean ± sample std over the seeds that did not diverge (n), sorted by <code>${
      escapeHtml(board.primary)
    }</code>${samplesNote(board)}. ${
      escapeHtml(TIE_RULE)
    } Machine-readable: <a href="leaderboard.json">JSON</a>, <a href="leaderboard.csv">CSV</a>, <a href="leaderboard.md">Markdown</a>.</p>`,
    leaderboardTables(board),
    `<h2>Charts</h2>`,
    ...figures,
  ];
  return page(`ganbench · ${board.suite} · ${board.profile}`, body.join("\n"));
}

/** A short table per dataset: rank, variant and the primary figure, for the overview page. */
function primaryTables(board: Leaderboard): string {
  const figure = board.figures.find((f) => f.key === board.primary);
  const label = `${figure?.label ?? board.primary}${arrow(figure?.higherIsBetter)}`;
  const parts: string[] = [];
  for (const dataset of [...new Set(board.rows.map((r) => r.dataset))]) {
    const rows = board.rows.filter((r) => r.dataset === dataset).map((row) =>
      `<tr>${
        [
          row.rankLabel,
          row.variant,
          formatSummary(row.figures[board.primary]),
          String(row.seeds - row.diverged),
        ].map((c) => `<td>${escapeHtml(c)}</td>`).join("")
      }</tr>`
    );
    parts.push(
      `<div class="scroll"><table class="summary" data-dataset="${escapeHtml(dataset)}">`,
      `<caption>${escapeHtml(dataset)}</caption>`,
      `<tr>${
        ["rank", "variant", label, "n"].map((h) => `<th>${escapeHtml(h)}</th>`).join("")
      }</tr>`,
      ...rows,
      "</table></div>",
    );
  }
  return parts.join("\n");
}

/**
 * The overview page: every suite/profile with a link to its page and its ranking by the primary
 * figure.
 *
 * @param boards the leaderboards, in the order to show.
 * @returns the HTML document.
 */
export function overviewPage(boards: Leaderboard[]): string {
  const sections = boards.map((b) => {
    const href = `${encodeURIComponent(b.suite)}/${encodeURIComponent(b.profile)}/index.html`;
    return `<section class="suite" id="${escapeHtml(`${b.suite}-${b.profile}`)}">
<h2><a href="${escapeHtml(href)}">${escapeHtml(b.suite)} · profile <code>${
      escapeHtml(b.profile)
    }</code></a></h2>
<p>${escapeHtml(sentence(b.description))} Sorted by <code>${
      escapeHtml(b.primary)
    }</code>, mean ± sample std over seeds; =k marks a tie (see the suite's page). Every figure, the charts and the run's environment: <a href="${
      escapeHtml(href)
    }">${escapeHtml(b.suite)} · ${escapeHtml(b.profile)}</a>.</p>
${primaryTables(b)}
</section>`;
  });
  return page(
    "ganbench leaderboards",
    `<h1>ganbench leaderboards</h1>\n${sections.join("\n")}`,
  );
}
