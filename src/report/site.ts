/**
 * The static leaderboard site: one page per suite/profile (tables, charts inlined as SVG, specs
 * linked, environment) and an overview page. Readable offline: no script, font or stylesheet is
 * fetched from anywhere.
 *
 * @module
 */
import type { CellResult } from "../runner/store.ts";
import type { RenderedChart } from "./charts/mod.ts";
import { formatSummary, type Leaderboard } from "./leaderboard.ts";

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

const STYLE =
  `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right;white-space:nowrap}
th:nth-child(2),td:nth-child(2){text-align:left}th{background:#f5f5f5}
figure{margin:1.5rem 0;overflow-x:auto}figcaption{color:#555;margin:.3rem 0}
.env{color:#555;font-size:13px}code{background:#f3f3f3;padding:0 .2rem}`;

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
      `<table class="leaderboard" data-dataset="${escapeHtml(dataset)}">`,
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
    parts.push("</table>");
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

/** The page of one suite at one profile. */
export function suitePage(
  board: Leaderboard,
  charts: RenderedChart[],
  results: CellResult[],
): string {
  const figures = charts.map((c) =>
    `<figure class="chart" id="${c.name}"><figcaption>${
      escapeHtml(c.description)
    } · <a href="charts/${c.files.spec}">spec</a> · <a href="charts/${c.files.png}">PNG</a></figcaption>\n${c.svg}</figure>`
  );
  const body = [
    `<p><a href="../../index.html">← all suites</a></p>`,
    `<h1>${escapeHtml(board.suite)} · profile <code>${escapeHtml(board.profile)}</code></h1>`,
    `<p>${escapeHtml(board.description)}</p>`,
    environmentSummary(results),
    `<h2>Leaderboard</h2>`,
    `<p>Mean ± sample std over the seeds that did not diverge (n), sorted by <code>${
      escapeHtml(board.primary)
    }</code>; ${
      board.evalSamples.join("/")
    } generated samples per evaluation. =k marks a tie: the 95% percentile-bootstrap interval of the difference of means over seeds (2,000 seeded resamples) contains 0. Machine-readable: <a href="leaderboard.json">JSON</a>, <a href="leaderboard.csv">CSV</a>, <a href="leaderboard.md">Markdown</a>.</p>`,
    leaderboardTables(board),
    `<h2>Charts</h2>`,
    ...figures,
  ];
  return page(`ganbench · ${board.suite} · ${board.profile}`, body.join("\n"));
}

/** The overview page linking every suite/profile. */
export function overviewPage(boards: Leaderboard[]): string {
  const items = boards.map((b) =>
    `<li><a href="${escapeHtml(b.suite)}/${escapeHtml(b.profile)}/index.html">${
      escapeHtml(b.suite)
    } · ${escapeHtml(b.profile)}</a> — ${escapeHtml(b.description)} (${b.rows.length} rows)</li>`
  );
  return page(
    "ganbench leaderboards",
    `<h1>ganbench leaderboards</h1>\n<ul>\n${items.join("\n")}\n</ul>`,
  );
}
