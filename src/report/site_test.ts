import assert from "node:assert/strict";
import { join } from "node:path";
import { buildReport } from "./build.ts";
import { escapeHtml } from "./site.ts";

const FIXTURE = new URL("./testdata/results/", import.meta.url).pathname;
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

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

Deno.test({
  name: "headless Chromium renders the suite page with its charts and makes no network request",
  ignore: !CHROMIUM,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "ganbench-chromium-" });
    await buildReport(FIXTURE, out);
    const profile = await Deno.makeTempDir();
    const page = join(out, "mixtures", "smoke", "index.html");
    const run = await new Deno.Command(CHROMIUM!, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        // Any request leaving the machine fails: a page that needs one would render incomplete.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--dump-dom",
        `file://${page}`,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const dom = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0);
    assert.equal(
      (dom.match(/<figure class="chart"/g) ?? []).length,
      (await Deno.readTextFile(page)).match(/<figure class="chart"/g)!.length,
    );
    assert.ok((dom.match(/<svg/g) ?? []).length >= 5);
    assert.match(dom, /<table class="leaderboard"/);
    await Deno.remove(out, { recursive: true });
    await Deno.remove(profile, { recursive: true });
  },
});
