/**
 * Files from users, bounded before they are read: a path must name a regular file (a symlink is
 * followed to its target, which must be one: a FIFO, a device such as `/dev/zero` or a socket
 * would block or never end), no larger than the caller's bound; and the text of a damaged file is
 * made printable before it reaches a message.
 *
 * @module
 */
import { UserError, userErrorFromOs } from "../errors.ts";

/** Raised for a path that is no regular file, or a file over its bound; one line. */
export class InputFileError extends UserError {
  override name = "InputFileError";
  override readonly code: string = "input-file";
}

/** "1.2 GB", "640 kB", "96 bytes": a byte count for messages. */
export function byteText(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const [unit, scale] = bytes < 1e6 ? ["kB", 1e3] : bytes < 1e9 ? ["MB", 1e6] : ["GB", 1e9];
  return `${Number((bytes / scale).toPrecision(3))} ${unit}`;
}

/** What a file-system entry that is not a regular file is, for messages. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "a special file";
}

/**
 * The size of the regular file at `path` (a symlink is followed), refused when it is something
 * else or larger than `maxBytes`.
 *
 * @param what what the file should be, for messages ("a .npy array")
 * @throws {InputFileError} for a FIFO, device, socket or folder, or a file over `maxBytes`
 */
export async function regularFileSize(
  path: string,
  maxBytes: number,
  what: string,
): Promise<number> {
  let info: Deno.FileInfo, link: boolean;
  try {
    link = (await Deno.lstat(path)).isSymlink;
    info = await Deno.stat(path);
  } catch (error) {
    throw userErrorFromOs(error, path) ??
      new InputFileError(`Cannot read '${path}': ${printable((error as Error).message)}`);
  }
  if (!info.isFile) {
    throw new InputFileError(
      `Cannot read '${path}' as ${what}: it is ${link ? "a symlink to " : ""}${
        kindOf(info)
      }, not a regular file`,
    );
  }
  if (info.size > maxBytes) {
    throw new InputFileError(
      `Cannot read '${path}' as ${what}: it is ${byteText(info.size)}, more than the ${
        byteText(maxBytes)
      } ganbench reads (see docs/inputs.md)`,
    );
  }
  return info.size;
}

/**
 * The bytes of the regular file at `path`, read only after {@linkcode regularFileSize} allows
 * them; a file that grows while read is cut at the size checked.
 */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const size = await regularFileSize(path, maxBytes, what);
  return await readPrefix(path, size);
}

/**
 * The first `length` bytes of the file at `path` (fewer when it is shorter). Call it only on a
 * path {@linkcode regularFileSize} accepted: opening a FIFO would block.
 */
export async function readPrefix(path: string, length: number): Promise<Uint8Array> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const bytes = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const read = await file.read(bytes.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    return filled === length ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw userErrorFromOs(error, path) ??
      new InputFileError(`Cannot read '${path}': ${printable((error as Error).message)}`);
  } finally {
    file?.close();
  }
}

/**
 * `text` with control characters (and the byte-order mark) written as escapes (`\x1b`, `\n`), so
 * that a message quoting a damaged file stays one line and cannot drive the terminal.
 */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
