import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { CHROMIUM_PATH, launchChromium } from "../../testing/chromium.ts";
import { buildReport } from "./build.ts";
import { escapeHtml } from "./site.ts";

const FIXTURE = new URL("../../testing/testdata/results/", import.meta.url).pathname;

Deno.test("escapeHtml escapes markup", () => {
  assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});

Deno.test("the suite page holds every leaderboard table and chart, and links no remote resource", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-site-" });
  const report = await buildReport(FIXTURE, out);
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
  await Deno.remove(out, { recursive: true });
});

/** What the page test counts in each rendered page, as expressions evaluated there. */
const PAGE_COUNTS = [
  // Charts drawn: inline SVGs with a non-empty box inside their figure.
  `[...document.querySelectorAll("figure.chart > svg")]
    .filter((s) => s.getBoundingClientRect().width > 50 && s.getBoundingClientRect().height > 50).length`,
  `document.querySelectorAll("table").length`,
  // Data rows: every table row but the header.
  `[...document.querySelectorAll("table tr")].filter((tr) => tr.querySelector("td")).length`,
];

Deno.test({
  name:
    "headless Chromium shows every chart and table of each page and the pages request nothing but themselves" +
    (CHROMIUM_PATH ? "" : " (skipped: no /usr/bin/chromium; apt-get install chromium to run it)"),
  ignore: !CHROMIUM_PATH,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "ganbench-chromium-" });
    const report = await buildReport(FIXTURE, out);
    const shots = Deno.env.get("GANBENCH_SCREENSHOT_DIR");
    const pages = [
      ...report.leaderboards.map((b) => ({
        name: `${b.suite}-${b.profile}`,
        path: join(out, b.suite, b.profile, "index.html"),
        tables: new Set(b.rows.map((r) => r.dataset)).size,
        rows: b.rows.length,
        charts: [...Deno.readDirSync(join(out, b.suite, b.profile, "charts"))]
          .filter((e) => e.name.endsWith(".svg")).length,
      })),
      {
        name: "overview",
        path: join(out, "index.html"),
        tables: report.leaderboards.reduce(
          (n, b) => n + new Set(b.rows.map((r) => r.dataset)).size,
          0,
        ),
        rows: report.leaderboards.reduce((n, b) => n + b.rows.length, 0),
        charts: 0,
      },
    ];
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
        // Inline data: URLs (the sample grids' PNGs inside their SVG) are content, not requests.
        const fetched = requests.filter((request) => !request.startsWith("data:"));
        assert.deepEqual(fetched, [url], `${page.name}: requests no other resource`);
        assert.deepEqual(values, [page.charts, page.tables, page.rows], page.name);
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
    await Deno.remove(out, { recursive: true });
  },
});
