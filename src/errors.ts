/**
 * The one error type for "your input is wrong": a suite file, a flag, a data file, a path.
 *
 * Every such error extends {@linkcode UserError}; the command line prints its message as one line
 * and exits with its `exitCode` (1, or 2 for command-line mistakes). Anything else is a bug in
 * ganbench and is reported as an internal error. A `UserError` keeps its `code`, `name` and exit
 * code across the worker-thread boundary ({@linkcode serializeError}, {@linkcode deserializeError}).
 *
 * @module
 */

/** What {@linkcode UserError}'s constructor takes besides the message. */
export interface UserErrorOptions {
  /** The underlying error, when re-throwing. */
  cause?: unknown;
}

/** An error caused by the user's input; printed as one line, exit code 1. */
export class UserError extends Error {
  override name = "UserError";
  /** A stable identifier of the kind of mistake ("suite", "usage", "unknown-name", ...). */
  readonly code: string = "user";
  /** The process exit code the command line uses for it. */
  readonly exitCode: 1 | 2 = 1;

  /** @param message one line, no final period. */
  constructor(message: string, options?: UserErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A command-line mistake (an unknown flag, a malformed value); exit code 2. */
export class UsageError extends UserError {
  override name = "UsageError";
  override readonly code: string = "usage";
  override readonly exitCode: 1 | 2 = 2;
}

/** An error as it crosses a worker boundary (structured clone keeps no class). */
export interface SerializedError {
  /** The class name, e.g. "SuiteError". */
  name: string;
  message: string;
  /** Set for a {@linkcode UserError}: its code and exit code. */
  user?: { code: string; exitCode: 1 | 2 };
  /** The stack, for GANBENCH_DEBUG. */
  stack?: string;
}

/** `error` as plain data for `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof UserError) {
    return {
      name: error.name,
      message: error.message,
      user: { code: error.code, exitCode: error.exitCode },
      stack: error.stack,
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error) };
}

/** A user error rebuilt on the other side of a worker boundary; keeps the original's fields. */
class RemoteUserError extends UserError {
  override readonly code: string;
  override readonly exitCode: 1 | 2;
  constructor(data: SerializedError & { user: { code: string; exitCode: 1 | 2 } }) {
    super(data.message);
    this.name = data.name;
    this.code = data.user.code;
    this.exitCode = data.user.exitCode;
    if (data.stack) this.stack = data.stack;
  }
}

/**
 * The error `data` describes: a {@linkcode UserError} (same name, code, exit code and message)
 * when it was one, else a plain `Error`. `prefix` (e.g. the cell's id) goes before the message.
 */
export function deserializeError(data: SerializedError, prefix?: string): Error {
  const message = prefix ? `${prefix}: ${data.message}` : data.message;
  if (data.user) return new RemoteUserError({ ...data, message, user: data.user });
  const error = new Error(message);
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}

/** True for errors the command line reports as the user's mistake. */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The OS error codes a file operation may hit, in the words {@linkcode userErrorFromOs} uses. */
const OS_REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder, not a file",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  EEXIST: "a file or folder of that name already exists",
  ENOTEMPTY: "the folder is not empty",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EIO: "input/output error",
  EXDEV: "it is on another file system",
  EBUSY: "device or resource busy",
  ETXTBSY: "text file busy",
};

/** Deno's error classes that carry no `code`, by the code they stand for. */
const DENO_ERROR_CODES: [new (...args: never[]) => Error, string][] = [
  [Deno.errors.NotFound, "ENOENT"],
  [Deno.errors.PermissionDenied, "EACCES"],
  [Deno.errors.NotADirectory, "ENOTDIR"],
  [Deno.errors.IsADirectory, "EISDIR"],
  [Deno.errors.AlreadyExists, "EEXIST"],
  [Deno.errors.FilesystemLoop, "ELOOP"],
];

/** The verb for the system call an OS error names (Deno: "writefile '/x'"; Node: `syscall`). */
const OPERATIONS: Record<string, string> = {
  open: "open",
  read: "read",
  readfile: "read",
  stat: "read",
  lstat: "read",
  realpath: "read",
  readdir: "list the folder",
  scandir: "list the folder",
  write: "write",
  writefile: "write",
  copy: "write",
  truncate: "write",
  rename: "write",
  mkdir: "create the folder",
  remove: "remove",
  unlink: "remove",
  rmdir: "remove",
};

/** A file-system fault (a missing file, a full or read-only disk, ...) met at a user's path. */
export class FileSystemError extends UserError {
  override name = "FileSystemError";
  override readonly code: string = "filesystem";
  /** The OS error code, e.g. `ENOSPC`. */
  readonly osCode: string;

  /** @param osCode the OS error code, e.g. `ENOSPC`. */
  constructor(message: string, osCode: string, options?: UserErrorOptions) {
    super(message, options);
    this.osCode = osCode;
  }
}

/**
 * The {@linkcode UserError} for an OS error met while reading or writing a file or folder, as one
 * line naming the path and the OS's reason, e.g. "Cannot write 'out/stats.npz': no space left on
 * device (ENOSPC)"; undefined when `error` is not an OS error (a bug, or already a user error).
 *
 * @param error what a file operation threw (a `Deno.errors.*` error, a Node-style error with a
 *   `code` such as `ENOSPC`, ...)
 * @param path the path to name (default: the one the error names)
 * @example
 * ```ts
 * import { userErrorFromOs } from "./errors.ts";
 * try {
 *   await Deno.readFile("no/such/file.npy");
 * } catch (error) {
 *   const user = userErrorFromOs(error, "no/such/file.npy");
 *   if (user?.message !== "Cannot read 'no/such/file.npy': no such file or folder (ENOENT)") {
 *     throw new Error(user?.message);
 *   }
 * }
 * ```
 */
export function userErrorFromOs(error: unknown, path?: string): UserError | undefined {
  if (!(error instanceof Error) || error instanceof UserError) return undefined;
  const fields = error as Error & { code?: unknown; syscall?: unknown; path?: unknown };
  const code = typeof fields.code === "string" && /^E[A-Z0-9]+$/.test(fields.code)
    ? fields.code
    : DENO_ERROR_CODES.find(([kind]) => error instanceof kind)?.[1];
  if (!code) return undefined;
  // Deno: "No space left on device (os error 28): writefile '/x'"; Node: "ENOSPC: no space ...".
  const deno = /^(.*?) \(os error \d+\)(?:: (\w+) '([^']*)')?/.exec(error.message);
  const node = /^E[A-Z0-9]+: ([^,]*), (\w+)(?: '([^']*)')?/.exec(error.message);
  const syscall = typeof fields.syscall === "string" ? fields.syscall : deno?.[2] ?? node?.[2];
  const verb = OPERATIONS[syscall?.toLowerCase() ?? ""] ?? "use";
  const where = path ?? (typeof fields.path === "string" ? fields.path : deno?.[3] ?? node?.[3]);
  const reason = OS_REASONS[code] ?? (deno?.[1] ?? node?.[1] ?? code).toLowerCase();
  return new FileSystemError(
    `Cannot ${verb}${where === undefined ? "" : ` '${where}'`}: ${reason} (${code})`,
    code,
    { cause: error },
  );
}
