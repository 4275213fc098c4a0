/**
 * `report`: rebuilds every leaderboard from stored results alone.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { SuiteMeta } from "../runner/run_suite.ts";
import {
  type CellResult,
  CorruptResultError,
  listResultFiles,
  listSuiteDirs,
  readResult,
  writeFileAtomic,
} from "../runner/store.ts";
import { allFigures } from "../metrics/mod.ts";
import { parseJson } from "../json_input.ts";
import { cellProblem, chartCurves } from "./cell_checks.ts";
import { listSuiteNames, loadSuite } from "../runner/suite.ts";
import { UserError } from "../errors.ts";
import { buildCharts } from "./charts/mod.ts";
import { buildLeaderboard, type Leaderboard, renderCsv, renderMarkdown } from "./leaderboard.ts";
import { leadPicture, type OverviewEntry, overviewPage, suitePage } from "./site.ts";
import { collectReplications, linkReplicationPage, replicationPage } from "./replication.ts";

/** What a report build produced. */
export interface ReportSummary {
  leaderboards: Leaderboard[];
  /** The combined Markdown of every leaderboard. */
  markdown: string;
  /** One line per result file that could not be read (those cells are left out, files untouched). */
  problems: string[];
  /**
   * Per suite/profile folder whose last run planned cells that have no result file (a partial
   * result set: shards still running or failed): how many of how many. The leaderboards cover the
   * cells that are there.
   */
  missing: { suite: string; profile: string; missing: number; planned: number }[];
  written: string[];
}

/**
 * The folder's suite.json, or a one-line problem: without it (missing, corrupt, or naming no
 * primary figure) the leaderboard would be sorted by whatever figure came first.
 */
async function readMeta(dir: string): Promise<SuiteMeta | string> {
  const path = join(dir, "suite.json");
  try {
    const meta = parseJson(await Deno.readTextFile(path)) as Partial<SuiteMeta> | null;
    if (meta && typeof meta === "object" && typeof meta.primary === "string" && meta.primary) {
      return meta as SuiteMeta;
    }
    return `'${path}' names no primary figure: its leaderboard is not rebuilt (rerun the suite to rewrite it)`;
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "is missing" : "cannot be read";
    return `'${path}' ${why}: its leaderboard is not rebuilt, the suite's primary figure being unknown (rerun the suite to rewrite it)`;
  }
}

/**
 * The suite's baseline row: the stored one, else the bundled suite file's (folders written before
 * suites declared one) when its version is the stored one's.
 */
function baselineOf(meta: SuiteMeta): string | undefined {
  if (meta.baseline) return meta.baseline;
  if (!listSuiteNames().includes(meta.suite)) return undefined;
  try {
    const suite = loadSuite(meta.suite);
    return suite.version === meta.version ? suite.baseline : undefined;
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

/** Builds the leaderboards of every suite/profile under `resultsDir` into `outDir` (default: in place). */
export async function buildReport(resultsDir: string, outDir = resultsDir): Promise<ReportSummary> {
  const leaderboards: Leaderboard[] = [];
  const overview: OverviewEntry[] = [];
  const problems: string[] = [];
  const missing: ReportSummary["missing"] = [];
  const written: string[] = [];
  for (const [suite, profile] of await listSuiteDirs(resultsDir)) {
    const dir = join(resultsDir, suite, profile);
    const meta = await readMeta(dir);
    if (typeof meta === "string") {
      problems.push(meta);
      continue;
    }
    const results: CellResult[] = [];
    const resultFiles = await listResultFiles(dir);
    let leftOut = 0;
    for (const path of resultFiles) {
      try {
        const result = await readResult(path);
        const problem = result &&
          cellProblem(result, path, { suite, profile, primary: meta.primary });
        if (problem) {
          problems.push(`Result file '${path}' left out: ${problem}`);
          leftOut++;
        } else if (result) results.push(result);
      } catch (error) {
        if (!(error instanceof CorruptResultError)) throw error;
        problems.push(error.message);
        leftOut++;
      }
    }
    if (!results.length) continue;
    if (meta.cells?.length) {
      // Cells without a result file (a corrupt one is named among the problems instead).
      const present = new Set(resultFiles.map((path) => basename(path, ".json")));
      const absent = meta.cells.filter((cell) => !present.has(cell)).length;
      if (absent) missing.push({ suite, profile, missing: absent, planned: meta.cells.length });
    }
    const primary = meta.primary;
    const board = buildLeaderboard(
      {
        suite,
        profile,
        description: meta.description,
        primary,
        ...(meta.headline?.length ? { headline: meta.headline } : {}),
        ...(baselineOf(meta) ? { baseline: baselineOf(meta) } : {}),
      },
      results,
    );
    if (leftOut) board.leftOut = leftOut;
    leaderboards.push(board);
    const target = join(outDir, suite, profile);
    const files: [string, string][] = [
      ["leaderboard.md", renderMarkdown(board)],
      ["leaderboard.csv", renderCsv(board)],
      ["leaderboard.json", JSON.stringify(board, null, 1) + "\n"],
    ];
    const charts = await buildCharts(
      {
        suite,
        profile,
        primary,
        figures: allFigures(),
        results: results.map(chartCurves),
        picture: (result, name) => {
          const path = result.images?.[name];
          try {
            return path ? Deno.readFileSync(join(dir, path)) : undefined;
          } catch {
            return undefined;
          }
        },
      },
      join(target, "charts"),
    );
    files.push(["index.html", suitePage(board, charts, results)]);
    overview.push({ board, picture: leadPicture(charts) });
    for (const [name, text] of files) {
      await writeFileAtomic(join(target, name), text);
      written.push(join(target, name));
    }
  }
  const markdown = leaderboards.map(renderMarkdown).join("\n");
  if (leaderboards.length) {
    await writeFileAtomic(join(outDir, "leaderboard.md"), markdown);
    // The replication page (replication.ts), linked from the overview when there is one.
    const replications = await collectReplications(resultsDir);
    const page = overviewPage(overview);
    await writeFileAtomic(
      join(outDir, "index.html"),
      replications.length ? linkReplicationPage(page) : page,
    );
    written.push(join(outDir, "leaderboard.md"), join(outDir, "index.html"));
    if (replications.length) {
      await writeFileAtomic(join(outDir, "replication.html"), replicationPage(replications));
      written.push(join(outDir, "replication.html"));
    }
  }
  return { leaderboards, markdown, problems, missing, written };
}
