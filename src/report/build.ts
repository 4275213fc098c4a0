/**
 * `report`: rebuilds every leaderboard from stored results alone.
 *
 * @module
 */
import { join } from "node:path";
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
import { buildCharts } from "./charts/mod.ts";
import { buildLeaderboard, type Leaderboard, renderCsv, renderMarkdown } from "./leaderboard.ts";
import { overviewPage, suitePage } from "./site.ts";

/** What a report build produced. */
export interface ReportSummary {
  leaderboards: Leaderboard[];
  /** The combined Markdown of every leaderboard. */
  markdown: string;
  /** One line per result file that could not be read (those cells are left out, files untouched). */
  problems: string[];
  written: string[];
}

async function readMeta(dir: string, suite: string, profile: string): Promise<SuiteMeta> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, "suite.json")));
  } catch {
    return { suite, version: 0, profile, description: "", primary: "", metrics: [] };
  }
}

/** Builds the leaderboards of every suite/profile under `resultsDir` into `outDir` (default: in place). */
export async function buildReport(resultsDir: string, outDir = resultsDir): Promise<ReportSummary> {
  const leaderboards: Leaderboard[] = [];
  const problems: string[] = [];
  const written: string[] = [];
  for (const [suite, profile] of await listSuiteDirs(resultsDir)) {
    const dir = join(resultsDir, suite, profile);
    const meta = await readMeta(dir, suite, profile);
    const results: CellResult[] = [];
    for (const path of await listResultFiles(dir)) {
      try {
        const result = await readResult(path);
        if (result) results.push(result);
      } catch (error) {
        if (!(error instanceof CorruptResultError)) throw error;
        problems.push(error.message);
      }
    }
    if (!results.length) continue;
    const primary = meta.primary || Object.keys(results[0].final)[0] || "";
    const board = buildLeaderboard(
      { suite, profile, description: meta.description, primary },
      results,
    );
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
        results,
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
    for (const [name, text] of files) {
      await writeFileAtomic(join(target, name), text);
      written.push(join(target, name));
    }
  }
  const markdown = leaderboards.map(renderMarkdown).join("\n");
  if (leaderboards.length) {
    await writeFileAtomic(join(outDir, "leaderboard.md"), markdown);
    await writeFileAtomic(join(outDir, "index.html"), overviewPage(leaderboards));
    written.push(join(outDir, "leaderboard.md"), join(outDir, "index.html"));
  }
  return { leaderboards, markdown, problems, written };
}
