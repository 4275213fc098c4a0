/**
 * A shard's own files, for CI systems that move each shard's results as an artifact and merge
 * them in one folder (GitHub Actions' upload-artifact / download-artifact): the result files of
 * the plan's cells in that shard (and their pictures), nothing else, so that the shards' artifacts
 * never hold the same path and the order they are merged in cannot matter. A shard that uploaded
 * its whole results folder would carry every other shard's cells as its checkout had them
 * (committed, possibly stale), which could overwrite a recomputed cell in the merge.
 *
 * Shard 0 also carries each suite folder's `suite.json` (every shard writes the same one).
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import { writeBytesAtomic } from "../atomic_write.ts";
import type { RunPlan } from "./plan_file.ts";
import { cellPath, readResult, suiteDir } from "./store.ts";

/** What {@linkcode collectShard} copied. */
export interface ShardArtifact {
  /** The shard's cells in the plan. */
  planned: number;
  /** Of those, the ones stored with the planned configuration, and copied. */
  copied: number;
  /** Every file copied, relative to the results folder. */
  files: string[];
}

/** Copies `from` (a file, or a folder with all it holds) to `to`. */
async function copyTree(from: string, to: string, files: string[], root: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isDirectory) {
    for await (const entry of Deno.readDir(from)) {
      await copyTree(join(from, entry.name), join(to, entry.name), files, root);
    }
    return;
  }
  await Deno.mkdir(dirname(to), { recursive: true });
  await writeBytesAtomic(to, await Deno.readFile(from));
  files.push(relative(root, from));
}

/**
 * Copies the stored results of `plan`'s cells in shard `shard` from `resultsDir` into `outDir`,
 * at the same relative paths: each result file whose hash is the planned one, and the folder of
 * its pictures. Shard 0 adds the suite folders' `suite.json`.
 */
export async function collectShard(
  plan: RunPlan,
  shard: number,
  resultsDir: string,
  outDir: string,
): Promise<ShardArtifact> {
  const mine = plan.cells.filter((cell) => cell.shard === shard);
  const files: string[] = [];
  const copy = (path: string) =>
    copyTree(path, join(outDir, relative(resultsDir, path)), files, resultsDir);
  let copied = 0;
  for (const cell of mine) {
    const path = cellPath(resultsDir, cell);
    const stored = await readResult(path).catch(() => undefined);
    if (stored?.hash !== cell.hash) continue;
    await copy(path);
    const pictures = path.replace(/\.json$/, "");
    if (await Deno.stat(pictures).then((info) => info.isDirectory, () => false)) {
      await copy(pictures);
    }
    copied++;
  }
  if (shard === 0) {
    const folders = new Set(
      plan.cells.map((cell) => suiteDir(resultsDir, cell.suite, cell.profile)),
    );
    for (const folder of folders) {
      const meta = join(folder, "suite.json");
      if (await Deno.stat(meta).then(() => true, () => false)) await copy(meta);
    }
  }
  return { planned: mine.length, copied, files: files.sort() };
}
