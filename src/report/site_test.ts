import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { parseHTML } from "linkedom";
import { CHROMIUM_PATH, launchChromium } from "../../testing/chromium.ts";
import { allFigures } from "../metrics/mod.ts";
import { listResultFiles, readResult } from "../runner/store.ts";
import { resolveBounds } from "./aggregate.ts";
import { buildReport } from "./build.ts";
import { findingSentence } from "./findings.ts";
import type { Leaderboard } from "./leaderboard.ts";
import { escapeHtml, provenanceSentence } from "./site.ts";

const FIXTURE = new URL("../../testing/testdata/results/", import.meta.url).pathname;

let fixtureSite: Promise<{ out: string; report: Awaited<ReturnType<typeof buildReport>> }>;

/**
 * The site built once from the test results of testing/testdata/, for the tests that only read it
 * (each build renders every chart, a few seconds); the last test of this file removes it.
 */
function siteOfFixture() {
  fixtureSite ??= (async () => {
    const out = await Deno.makeTempDir({ prefix: "ganbench-site-" });
    return { out, report: await buildReport(FIXTURE, out) };
  })();
  return fixtureSite;
}
/** The committed results, which `deno task report` builds the published site from. */
const RESULTS = new URL("../../results/", import.meta.url).pathname;
/**
 * The committed suites the site test builds (all of them take two minutes on two cores):
 * CycleGAN's bounded accuracies, datasets of different budgets and gradient norms over decades.
 * The Dirac-GAN suite's twenty decades are the chart tests' constructed case.
 */
const COMMITTED_SUITES = ["cyclegan"];

/** The little of the DOM these tests read (linkedom's types assume the DOM library). */
interface Element {
  tagName: string;
  className: string;
  children: Iterable<Element>;
  textContent: string | null;
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): Iterable<Element>;
  getAttribute(name: string): string | null;
}

/** A page parsed by linkedom (a DOM without a browser). */
function parsePage(
  html: string,
): { body: Element; querySelectorAll(s: string): Iterable<Element> } {
  return (parseHTML(html) as unknown as { document: ReturnType<typeof parsePage> }).document;
}

/** The children of an element, by tag and class ("P.finding", "FIGURE.picture", "DIV.scroll"). */
function childTags(element: Element): string[] {
  return [...element.children].map((c) => `${c.tagName}${c.className ? `.${c.className}` : ""}`);
}

/**
 * Checks the overview's sections as a first-time reader meets them: per suite, the findings
 * sentence first, then the lead picture (a chart SVG of the suite that exists), then the tables,
 * then the provenance, in plain words.
 */
async function checkOverview(out: string, boards: Leaderboard[]) {
  const document = parsePage(await Deno.readTextFile(join(out, "index.html")));
  const sections = [...document.querySelectorAll("section.suite")];
  assert.equal(sections.length, boards.length, "one section per suite and profile");
  for (const [i, section] of sections.entries()) {
    const board = boards[i];
    const tags = childTags(section);
    const name = `${board.suite}/${board.profile}`;
    assert.deepEqual(tags.slice(0, 3), ["H2", "P.finding", "FIGURE.picture"], `${name}: ${tags}`);
    assert.equal(section.querySelector("p.finding")!.textContent, findingSentence(board), name);
    const firstTable = tags.indexOf("DIV.scroll");
    assert.ok(firstTable > 2, `${name}: the tables follow the picture`);
    assert.equal(tags.at(-1), "P.provenance", `${name}: provenance closes the section`);
    assert.equal(
      section.querySelector("p.provenance")!.textContent,
      provenanceSentence(board.commits),
    );
    const src = section.querySelector("figure.picture img")!.getAttribute("src")!;
    assert.ok(src.startsWith(`${board.suite}/${board.profile}/charts/`), src);
    assert.ok(Deno.statSync(join(out, src)).isFile, `${name}: ${src} is written`);
  }
  // The page's own first words explain it; no warning opens it.
  const first = [...document.body.children].slice(0, 3).map((e) => e.textContent ?? "");
  assert.ok(!first.some((text) => /Warning|commit/.test(text)), first.join(" / "));
}

Deno.test("the overview leads each suite with its findings sentence, then its picture, then its tables, then its provenance", async () => {
  const { out, report } = await siteOfFixture();
  await checkOverview(out, report.leaderboards);
  // The suite page too: the finding, then the picture, before the leaderboard.
  for (const board of report.leaderboards) {
    const html = await Deno.readTextFile(join(out, board.suite, board.profile, "index.html"));
    const at = (needle: string) => html.indexOf(needle);
    assert.ok(at('<p class="finding">') > 0, board.suite);
    assert.ok(at('<p class="finding">') < at('<figure class="chart"'), board.suite);
    assert.ok(at('<figure class="chart"') < at('<table class="leaderboard"'), board.suite);
  }
});

Deno.test("provenanceSentence says in plain words which commits ran the cells and what that means", () => {
  assert.equal(
    provenanceSentence([{ commit: "abc123", cells: 48 }]),
    "The 48 cells ran at commit abc123.",
  );
  const mixed = provenanceSentence([
    { commit: "abc123", cells: 30 },
    { commit: "def456-dirty", cells: 6 },
  ]);
  assert.equal(
    mixed,
    "The 36 cells ran at 2 versions of the code (abc123: 30, def456 with uncommitted changes: 6 cells). Two rows may therefore differ by code as well as by variant; rerunning them at one commit (--force) removes that doubt. What uncommitted changes ran, no commit records (1 of these versions).",
  );
  assert.match(
    provenanceSentence([{ commit: "abc123", cells: 2 }, { commit: "unknown", cells: 1 }]),
    /^The 3 cells ran at commit abc123; 1 record no commit\. Two rows may therefore differ/,
  );
});

/** Whether `value` is 10 to an integer power. */
const isPowerOfTen = (value: number) =>
  value > 0 && Math.abs(Math.log10(value) - Math.round(Math.log10(value))) < 1e-9;

/** Every log-scale encoding of a Vega-Lite spec, with its axis. */
function logEncodings(spec: unknown): { values?: number[] }[] {
  const found: { values?: number[] }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, { type?: string } | { values?: number[] } | undefined>;
    if ((record.scale as { type?: string } | undefined)?.type === "log") {
      found.push((record.axis ?? {}) as { values?: number[] });
    }
    Object.values(record).forEach(walk);
  };
  walk(spec);
  return found;
}

Deno.test({
  name:
    "the site builds from the committed results: findings first, log axes at powers of ten, intervals within their figures' bounds",
  async fn() {
    const results = await Deno.makeTempDir({ prefix: "ganbench-committed-" });
    for (const suite of COMMITTED_SUITES) {
      cpSync(join(RESULTS, suite), join(results, suite), { recursive: true });
    }
    const out = await Deno.makeTempDir({ prefix: "ganbench-committed-site-" });
    const report = await buildReport(results, out);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.leaderboards.map((b) => b.suite), COMMITTED_SUITES);
    await checkOverview(out, report.leaderboards);
    const figures = allFigures();
    for (const board of report.leaderboards) {
      const name = `${board.suite}/${board.profile}`;
      // Intervals of bounded figures stay within the bounds.
      const bounds = figures.get(board.primary)?.bounds;
      const dir = join(RESULTS, board.suite, board.profile);
      const cells = await Promise.all(
        (await listResultFiles(dir)).map(async (f) => (await readResult(f))!),
      );
      for (const row of board.rows) {
        if (!row.primaryInterval) continue;
        const finals = cells.filter((r) =>
          r.config.dataset === row.dataset && r.config.variant === row.variant
        ).map((r) => r.final);
        const [min, max] = resolveBounds(bounds, finals);
        const [low, high] = row.primaryInterval;
        assert.ok(min <= low && high <= max, `${name} ${row.variant}: ${low} – ${high}`);
      }
      // Every log axis of every chart ticks at powers of ten.
      const charts = join(out, board.suite, board.profile, "charts");
      for (const entry of Deno.readDirSync(charts)) {
        if (!entry.name.endsWith(".vl.json")) continue;
        const spec = JSON.parse(await Deno.readTextFile(join(charts, entry.name)));
        for (const axis of logEncodings(spec)) {
          assert.ok(axis.values?.length, `${name} ${entry.name}: ticks named`);
          assert.ok(axis.values!.every(isPowerOfTen), `${name} ${entry.name}: ${axis.values}`);
        }
      }
    }
    // CycleGAN's accuracy of 0.646 ± 0.401 over 3 seeds: Student's t reaches -0.351 – 1.642.
    const cyclegan = report.leaderboards.find((b) => b.suite === "cyclegan")!;
    assert.ok(cyclegan.rows.some((r) => r.primaryIntervalCut), "an interval was cut at [0, 1]");
    await Deno.remove(results, { recursive: true });
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test("escapeHtml escapes markup", () => {
  assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});

Deno.test("the suite page holds every leaderboard table and chart, and links no remote resource", async () => {
  const { out, report } = await siteOfFixture();
  for (const board of report.leaderboards) {
    const html = await Deno.readTextFile(join(out, board.suite, board.profile, "index.html"));
    for (const dataset of new Set(board.rows.map((r) => r.dataset))) {
      assert.ok(
        html.includes(`<table class="leaderboard" data-dataset="${dataset}">`),
        `${board.suite}: table ${dataset}`,
      );
    }
    const charts = [...Deno.readDirSync(join(out, board.suite, board.profile, "charts"))]
      .filter((e) => e.name.endsWith(".svg")).map((e) => e.name.replace(".svg", ""));
    assert.ok(charts.length >= 5, `${board.suite}: ${charts}`);
    for (const chart of charts) {
      assert.ok(html.includes(`<figure class="chart" id="${chart}">`), chart);
    }
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "no remote resource");
    assert.doesNotMatch(html, /<script/);
  }
  const overview = await Deno.readTextFile(join(out, "index.html"));
  assert.match(overview, /href="mixtures\/smoke\/index\.html"/);
});

/** What the page test counts in each rendered page, as expressions evaluated there. */
const PAGE_COUNTS = [
  // Pictures shown: images (the overview's lead pictures, files of the site) that loaded.
  `[...document.images].filter((i) => i.complete && i.naturalWidth > 0).length`,
  // Charts drawn: inline SVGs with a non-empty box inside their figure.
  `[...document.querySelectorAll("figure.chart > svg")]
    .filter((s) => s.getBoundingClientRect().width > 50 && s.getBoundingClientRect().height > 50).length`,
  `document.querySelectorAll("table").length`,
  // Data rows: every table row but the header.
  `[...document.querySelectorAll("table tr")].filter((tr) => tr.querySelector("td")).length`,
  // Nothing runs off the page: wide tables scroll inside their box, charts scale to it.
  `document.documentElement.scrollWidth <= window.innerWidth`,
];

Deno.test({
  name:
    "headless Chromium shows every chart, picture and table of each page, and the pages request nothing outside the site" +
    (CHROMIUM_PATH ? "" : " (skipped: no /usr/bin/chromium; apt-get install chromium to run it)"),
  ignore: !CHROMIUM_PATH,
  async fn() {
    const { out, report } = await siteOfFixture();
    const shots = Deno.env.get("GANBENCH_SCREENSHOT_DIR");
    const pages = [
      ...report.leaderboards.map((b) => ({
        name: `${b.suite}-${b.profile}`,
        path: join(out, b.suite, b.profile, "index.html"),
        pictures: 0,
        tables: new Set(b.rows.map((r) => r.dataset)).size,
        rows: b.rows.length,
        charts: [...Deno.readDirSync(join(out, b.suite, b.profile, "charts"))]
          .filter((e) => e.name.endsWith(".svg")).length,
      })),
      {
        name: "overview",
        path: join(out, "index.html"),
        pictures: report.leaderboards.length,
        tables: report.leaderboards.reduce(
          (n, b) => n + new Set(b.rows.map((r) => r.dataset)).size,
          0,
        ),
        rows: report.leaderboards.reduce((n, b) => n + b.rows.length, 0),
        charts: 0,
      },
    ];
    const site = pathToFileURL(out).href + "/";
    const browser = await launchChromium();
    try {
      for (const page of pages) {
        const url = pathToFileURL(page.path).href;
        const tab = await browser.newPage();
        await tab.setViewport({ width: 1280, height: 900 });
        const requests: string[] = [];
        tab.on("request", (request) => requests.push(request.url()));
        await tab.goto(url, { waitUntil: "load" });
        const values = [];
        for (const expression of PAGE_COUNTS) values.push(await tab.evaluate(expression));
        const screenshot = await tab.screenshot({ fullPage: true });
        await tab.close();
        // Inline data: URLs (the sample grids' PNGs inside their SVG) are content, not requests;
        // the overview's pictures are files of the site.
        const fetched = requests.filter((request) => !request.startsWith("data:"));
        assert.equal(fetched[0], url, page.name);
        assert.ok(
          fetched.every((request) => request.startsWith(site)),
          `${page.name}: requests nothing outside the site: ${fetched}`,
        );
        assert.deepEqual(
          values,
          [page.pictures, page.charts, page.tables, page.rows, true],
          `${page.name}: pictures, charts, tables, rows, fits the window`,
        );
        const shot = sharp(screenshot);
        const { width = 0, height = 0 } = await shot.metadata();
        assert.ok(width >= 1280 && height > 300, `${page.name}: screenshot ${width}x${height}`);
        const { channels } = await shot.stats();
        assert.ok(channels[0].min < 100, `${page.name}: the screenshot is not blank`);
        if (shots) {
          await Deno.mkdir(shots, { recursive: true });
          await Deno.writeFile(join(shots, `${page.name}.png`), screenshot);
        }
      }
    } finally {
      await browser.close();
    }
  },
});

Deno.test("remove the site built from the test results", async () => {
  if (fixtureSite) await Deno.remove((await fixtureSite).out, { recursive: true });
});
