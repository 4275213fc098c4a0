/**
 * The static leaderboard site: one page per suite/profile (tables, charts inlined as SVG, specs
 * linked, environment) and an overview page. Readable offline: no script, font or stylesheet is
 * fetched from anywhere.
 *
 * @module
 */
import type { Figure } from "../metrics/mod.ts";
import type { CellResult } from "../runner/store.ts";
import type { RenderedChart } from "./charts/mod.ts";
import { findingSentence } from "./findings.ts";
import { ALPHA, SPLITS_RULE } from "./ranking.ts";
import {
  arrow,
  type CommitCount,
  comparisonSentence,
  formatSummary,
  type Leaderboard,
  leaderboardColumns,
  type LeaderboardRow,
  methodNote,
  missingSentences,
} from "./leaderboard.ts";

/** A note as HTML: escaped, with its `code` spans (Markdown backticks) as <code>. */
function noteHtml(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

const STYLE =
  `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 .5rem;font-size:12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.2rem .35rem;text-align:right;background:#fff}
td:nth-child(-n+2){white-space:nowrap}
th{background:#f5f5f5;white-space:normal;vertical-align:bottom;max-width:7rem}
th[title]{cursor:help;text-decoration:underline dotted #999}
th:nth-child(2),td:nth-child(2){text-align:left}
th:first-child,td:first-child{position:sticky;left:0;box-sizing:border-box;width:3.2rem;min-width:3.2rem;z-index:1}
th:nth-child(2),td:nth-child(2){position:sticky;left:3.2rem;z-index:1;box-shadow:inset -1px 0 #ddd}
.flag{color:#a33;font-size:11px}.pairs{color:#444;font-size:13px;margin:0 0 1.5rem}
.scroll{overflow-x:auto;max-width:100%}.scroll table{margin-right:1rem}
.scrollnote{color:#777;font-size:12px;margin:.2rem 0}
figure{overflow-x:auto;margin:1.5rem 0}figcaption{color:#555;margin:.3rem 0}
figure.picture{margin:.8rem 0 1.2rem}figure.chart>svg{max-width:100%;height:auto}.nw{white-space:nowrap}figure.picture img{max-width:100%;height:auto;display:block}
p.finding{font-size:16px;line-height:1.5;border-left:4px solid #4c78a8;padding:.2rem 0 .2rem .8rem;margin:.6rem 0;max-width:70rem}
.env,.note,.provenance{color:#555;font-size:13px}.warn{color:#a33}code{background:#f3f3f3;padding:0 .2rem}
nav.suites{font-size:14px;margin:.5rem 0 1.5rem}nav.suites a{margin-right:.8rem}
dl.glossary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:13px}
dl.glossary dt{font-weight:600}dl.glossary dd{margin:0}
section.suite{margin-bottom:3rem;border-top:1px solid #ddd;padding-top:.5rem}caption{text-align:left;font-weight:600;padding:.3rem 0}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

/**
 * A table cell's text as HTML that may wrap only before "± std" or after an interval's dash, so
 * that a wide table folds its figures onto two lines instead of running off the page.
 */
function cellHtml(text: string): string {
  return escapeHtml(text).replaceAll(" ± ", " ±&nbsp;").replaceAll(" – ", "&nbsp;– ")
    // A number with an exponent never breaks at its minus sign ("3.05e-" over "4").
    .replace(/-?\d[\d.]*e[+-]\d+/g, (n) => `<span class="nw">${n}</span>`);
}

/** The variant cell: its name, and a "not converged" mark with the reason as a tooltip. */
function variantCell(row: LeaderboardRow): string {
  const flag = row.notConverged
    ? ` <span class="flag" title="${escapeHtml(row.notConverged.join("; "))}">not converged</span>`
    : "";
  return `<td>${escapeHtml(row.variant)}${flag}</td>`;
}

/** Tables with more columns than this say that they scroll sideways. */
const SCROLL_NOTE_COLUMNS = 20;

/** The leaderboard's tables, one per dataset, with the pairwise claims under each, as HTML. */
export function leaderboardTables(board: Leaderboard): string {
  const columns = leaderboardColumns(board);
  const header = `<tr>${
    columns.map((c) => `<th title="${escapeHtml(c.description)}">${escapeHtml(c.title)}</th>`)
      .join("")
  }</tr>`;
  const parts: string[] = [];
  for (const table of board.comparisons) {
    parts.push(
      `<h3>${escapeHtml(table.dataset)}</h3>`,
      ...(columns.length > SCROLL_NOTE_COLUMNS
        ? [
          `<p class="scrollnote">${columns.length} columns: scroll sideways for all of them; rank and variant stay in view.</p>`,
        ]
        : []),
      `<div class="scroll"><table class="leaderboard" data-dataset="${escapeHtml(table.dataset)}">`,
      header,
    );
    for (const row of board.rows.filter((r) => r.dataset === table.dataset)) {
      parts.push(
        `<tr>${
          columns.map((c, i) => i === 1 ? variantCell(row) : `<td>${cellHtml(c.cell(row))}</td>`)
            .join("")
        }</tr>`,
      );
    }
    parts.push("</table></div>", `<p class="pairs">${escapeHtml(comparisonSentence(table))}</p>`);
  }
  return parts.join("\n");
}

/** "higher is better", "lower is better" or "neither direction is better". */
function direction(figure: Pick<Figure, "higherIsBetter">): string {
  return figure.higherIsBetter === undefined
    ? "neither direction is better"
    : figure.higherIsBetter
    ? "higher is better"
    : "lower is better";
}

/**
 * The glossary of a page: every column of its tables with its definition, figures with their key
 * and direction, all taken from the metric registry and the column definitions.
 */
export function glossary(board: Leaderboard): string {
  const entries = leaderboardColumns(board).map((c) => {
    const figure = c.figure;
    const term = figure ? `${figure.label}${arrow(figure)} (${figure.key})` : c.title;
    const definition = figure ? `${c.description}; ${direction(figure)}.` : `${c.description}.`;
    return `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(definition)}</dd>`;
  });
  return `<dl class="glossary">\n${entries.join("\n")}\n</dl>`;
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

/** Ends `text` with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return !text || /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * Where the cells come from, in plain words: the commits that ran them, and what it means when
 * there are several or a tree had uncommitted changes.
 *
 * @param commits the commits and their cell counts, most cells first.
 * @returns one or two sentences.
 */
export function provenanceSentence(commits: CommitCount[]): string {
  const cells = commits.reduce((n, c) => n + c.cells, 0);
  const known = commits.filter((c) => c.commit !== "unknown");
  const dirty = known.filter((c) => c.commit.endsWith("-dirty")).length;
  const unknown = cells - known.reduce((n, c) => n + c.cells, 0);
  const name = (c: CommitCount) => c.commit.replace(/-dirty$/, " with uncommitted changes");
  const head = known.length === 1
    ? `The ${cells} cells ran at commit ${name(known[0])}`
    : `The ${cells} cells ran at ${known.length} versions of the code (${
      known.map((c) => `${name(c)}: ${c.cells}`).join(", ")
    } cells)`;
  const unrecorded = unknown ? `; ${unknown} record no commit` : "";
  const caveats = [
    known.length > 1 || unknown
      ? "Two rows may therefore differ by code as well as by variant; rerunning them at one commit (--force) removes that doubt."
      : "",
    dirty
      ? `What uncommitted changes ran, no commit records${
        known.length > 1 ? ` (${dirty} of these versions)` : ""
      }.`
      : "",
  ].filter(Boolean);
  return [`${head}${unrecorded}.`, ...caveats].join(" ");
}

/** The provenance paragraph of a board: its commits, and the run's environment. */
function provenanceParagraph(commits: CommitCount[]): string {
  return `<p class="provenance">${escapeHtml(provenanceSentence(commits))}</p>`;
}

/** The suite's findings sentence (findings.ts) as the paragraph that opens its section. */
function findingParagraph(board: Leaderboard): string {
  return `<p class="finding">${escapeHtml(findingSentence(board))}</p>`;
}

/** The `width` and `height` attributes of an SVG document's root element. */
function svgSize(svg: string): { width?: string; height?: string } {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
  return {
    width: root.match(/\bwidth="([\d.]+)"/)?.[1],
    height: root.match(/\bheight="([\d.]+)"/)?.[1],
  };
}

/**
 * The suite's lead picture: its first chart of what the generators produce (`picture` in the
 * chart registry), or undefined when it has none.
 */
export function leadPicture(charts: RenderedChart[]): RenderedChart | undefined {
  return charts.find((c) => c.picture);
}

/** A chart as a figure: inline SVG, its description, and links to its spec and PNG. */
function chartFigure(chart: RenderedChart): string {
  return `<figure class="chart" id="${escapeHtml(chart.name)}"><figcaption>${
    escapeHtml(chart.description)
  } · <a href="charts/${escapeHtml(chart.files.spec)}">spec</a> · <a href="charts/${
    escapeHtml(chart.files.png)
  }">PNG</a></figcaption>\n${chart.svg}</figure>`;
}

/** The page of one suite at one profile. */
export function suitePage(
  board: Leaderboard,
  charts: RenderedChart[],
  results: CellResult[],
): string {
  const picture = leadPicture(charts);
  const figures = charts.filter((c) => c !== picture).map(chartFigure);
  const body = [
    `<p><a href="../../index.html">← all suites</a></p>`,
    `<h1>${escapeHtml(board.suite)} · profile <code>${escapeHtml(board.profile)}</code></h1>`,
    findingParagraph(board),
    ...(picture ? [chartFigure(picture)] : []),
    `<p>${escapeHtml(sentence(board.description))}</p>`,
    `<h2>Leaderboard</h2>`,
    `<p class="note">Hover a column's name for its definition (all of them: <a href="#glossary">glossary</a>). Machine-readable: <a href="leaderboard.json">JSON</a>, <a href="leaderboard.csv">CSV</a>, <a href="leaderboard.md">Markdown</a>.</p>`,
    leaderboardTables(board),
    ...methodNote(board).map((n) => `<p class="note">${noteHtml(n)}</p>`),
    `<h2>Charts</h2>`,
    ...figures,
    `<h2 id="glossary">Glossary</h2>`,
    glossary(board),
    `<h2 id="provenance">Provenance</h2>`,
    provenanceParagraph(board.commits),
    environmentSummary(results),
  ];
  return page(`ganbench · ${board.suite} · ${board.profile}`, body.join("\n"));
}

/**
 * A short table per dataset for the overview page: rank, variant, the primary figure and the
 * suite's headline figures, and n.
 */
function headlineTables(board: Leaderboard): string {
  const keys = [board.primary, ...(board.headline ?? []).filter((k) => k !== board.primary)];
  const figures = keys.map((key) =>
    board.figures.find((f) => f.key === key) ??
      { key, label: key, description: key, higherIsBetter: undefined }
  );
  const header = [
    `<th title="rank interval of ${escapeHtml(figures[0].label)} (see the suite's page)">rank</th>`,
    "<th>variant</th>",
    ...figures.map((f) =>
      `<th title="${escapeHtml(f.description)}">${escapeHtml(`${f.label}${arrow(f)}`)}</th>`
    ),
    `<th title="seeds that did not diverge">n</th>`,
  ].join("");
  const parts: string[] = [];
  for (const table of board.comparisons) {
    const rows = board.rows.filter((r) => r.dataset === table.dataset).map((row) =>
      `<tr><td>${escapeHtml(row.rankLabel)}</td>${variantCell(row)}${
        figures.map((f) => `<td>${cellHtml(formatSummary(row.figures[f.key], 3, f))}</td>`)
          .join("")
      }<td>${row.seeds - row.diverged}</td></tr>`
    );
    parts.push(
      `<div class="scroll"><table class="summary" data-dataset="${escapeHtml(table.dataset)}">`,
      `<caption>${escapeHtml(table.dataset)}</caption>`,
      `<tr>${header}</tr>`,
      ...rows,
      "</table></div>",
      `<p class="pairs">${escapeHtml(comparisonSentence(table))}</p>`,
    );
  }
  return parts.join("\n");
}

/** The board's notes on figures that its cells lack, as paragraphs (empty when none). */
function missingParagraphs(board: Leaderboard): string {
  return missingSentences(board).map((n) => `<p class="note warn">${noteHtml(n)}</p>\n`).join("");
}

/** A suite on the overview: its leaderboard and its lead picture (see {@linkcode leadPicture}). */
export interface OverviewEntry {
  board: Leaderboard;
  picture?: RenderedChart;
}

/** The lead picture of a suite on the overview: the chart's SVG file, linked to the suite's page. */
function overviewPicture(entry: OverviewEntry, folder: string): string {
  const { picture } = entry;
  if (!picture) return "";
  const { width, height } = svgSize(picture.svg);
  const size = width && height ? ` width="${width}" height="${height}"` : "";
  return `<figure class="picture"><a href="${
    escapeHtml(`${folder}/index.html#${picture.name}`)
  }"><img src="${escapeHtml(`${folder}/charts/${picture.files.svg}`)}"${size} alt="${
    escapeHtml(picture.description)
  }"></a><figcaption>${
    escapeHtml(sentence(picture.description.replace(/^./, (c) => c.toUpperCase())))
  }</figcaption></figure>`;
}

/**
 * The overview page. Each suite/profile leads with its findings sentence (findings.ts), then its
 * lead picture, then its ranking by the primary figure with the headline figures beside it, and
 * ends with where its cells come from; the commits behind all of them close the page.
 *
 * @param entries the suites, in the order to show, each with its lead picture (if any).
 * @returns the HTML document.
 */
export function overviewPage(entries: OverviewEntry[]): string {
  const sections = entries.map((entry) => {
    const b = entry.board;
    const folder = `${encodeURIComponent(b.suite)}/${encodeURIComponent(b.profile)}`;
    const href = `${folder}/index.html`;
    return `<section class="suite" id="${escapeHtml(`${b.suite}-${b.profile}`)}">
<h2><a href="${escapeHtml(href)}">${escapeHtml(b.suite)} · profile <code>${
      escapeHtml(b.profile)
    }</code></a></h2>
${findingParagraph(b)}
${overviewPicture(entry, folder)}
<p>${escapeHtml(sentence(b.description))} Sorted by <code>${
      escapeHtml(b.primary)
    }</code>, mean ± sample std over seeds; rank intervals and pairwise claims as on the suite's page. Every figure, its definition, the charts and the run's environment: <a href="${
      escapeHtml(href)
    }">${escapeHtml(b.suite)} · ${escapeHtml(b.profile)}</a>.</p>
${missingParagraphs(b)}${headlineTables(b)}
${provenanceParagraph(b.commits)}
</section>`;
  });
  const all = new Map<string, number>();
  for (const { board } of entries) {
    for (const c of board.commits) all.set(c.commit, (all.get(c.commit) ?? 0) + c.cells);
  }
  const commits = [...all].map(([commit, cells]) => ({ commit, cells }))
    .sort((a, b) => b.cells - a.cells || a.commit.localeCompare(b.commit));
  const nav = entries.map(({ board: b }) =>
    `<a href="#${escapeHtml(`${b.suite}-${b.profile}`)}">${escapeHtml(b.suite)}</a>`
  ).join(" ");
  return page(
    "ganbench leaderboards",
    [
      "<h1>ganbench leaderboards</h1>",
      `<p>Each suite opens with what its results separate and what they do not, in one sentence from the same pairwise tests as its tables (permutation tests over seeds, ${SPLITS_RULE}, Holm-corrected, family-wise ${ALPHA}), then its most telling picture, then its ranking. A suite's name leads to every figure and chart.</p>`,
      `<nav class="suites">Suites: ${nav}</nav>`,
      ...sections,
      `<h2 id="provenance">Provenance</h2>`,
      provenanceParagraph(commits),
    ].join("\n"),
  );
}
