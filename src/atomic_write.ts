/**
 * Atomic file writes: a temporary file in the target's folder, then a rename over the target, so a
 * reader sees the old file or the new one, never a part (a full disk leaves the old file intact).
 * Used for every file ganbench stores: cell results, leaderboards, charts, `--save-stats`.
 *
 * @module
 */
import { dirname } from "node:path";
import { userErrorFromOs } from "./errors.ts";

/**
 * Writes `bytes` to `path` atomically, creating its folder if needed. An OS fault (a full or
 * read-only disk, a file where a folder is expected) is thrown as a one-line user error naming
 * `path`; the temporary file is removed.
 *
 * @param path where the file goes
 * @param bytes its whole content
 */
export async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const folder = dirname(path);
  try {
    await Deno.mkdir(folder, { recursive: true });
  } catch (error) {
    throw userErrorFromOs(error, folder) ?? error;
  }
  const temporary = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(temporary, bytes);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw userErrorFromOs(error, path) ?? error;
  }
}

/**
 * Writes `text` (as UTF-8) to `path` atomically (see {@linkcode writeBytesAtomic}).
 *
 * @param path where the file goes
 * @param text its whole content
 */
export function writeFileAtomic(path: string, text: string): Promise<void> {
  return writeBytesAtomic(path, new TextEncoder().encode(text));
}
