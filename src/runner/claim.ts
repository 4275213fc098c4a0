/**
 * Claims on cells, so that processes sharing one results folder (the shards of an array job on a
 * cluster file system, a resubmitted shard, two `suite` runs) never compute the same cell at once.
 *
 * Result files are already written whole (temporary file, then rename), so concurrent writers
 * cannot corrupt a cell, and a cell has one path, so it cannot be stored twice. What the writes
 * alone cannot prevent is two processes training the same cell at the same time (shards are
 * disjoint by construction, but a resubmission while the first attempt still runs, or two runs
 * on one folder, overlap). So a process claims each cell before it computes it.
 *
 * A claim is an exclusive advisory lock (`flock`, through Deno's `FsFile.tryLock`) on
 * `cells/<cell>.claim`, beside the result. The operating system releases it when its process
 * ends, however it ends: a killed array task leaves no stale claim to time out, which a plain
 * "claim file exists" protocol would need (and would get wrong on a slow node). NFS clients
 * implement `flock` with POSIX locks, so claims hold across machines there too. The claim file's
 * content names its owner (host, pid, start), for `status`. It is removed once the cell's result
 * is stored; a failed cell's stays, with the error, until a later run claims the cell again. So a
 * claim file that no process holds marks a failed or interrupted cell, and `status` tells it from
 * a running one (held) and from one never started (no file).
 *
 * Where the file system has no locks (e.g. a Lustre mount without `-o flock`), runs go on without
 * claims after one warning: results stay whole, but two processes may then compute the same cell.
 *
 * @module
 */
import { dirname } from "node:path";
import { userErrorFromOs } from "../errors.ts";
import type { Cell } from "./cells.ts";
import { compareResult } from "./cell_keys.ts";
import { cellPath, type CellResult, readResult } from "./store.ts";

/** What a claim file says about its owner. */
export interface ClaimInfo {
  host: string;
  pid: number;
  /** When the claim was taken (ISO 8601). */
  since: string;
  /** Why the owner's run of the cell failed; absent while it runs (or when it was killed). */
  error?: string;
  /** The lockstep group the cell trains in ("ring8 nsgan seeds 0-15"), when it trains in one. */
  group?: string;
}

/** The claim file of the cell whose result is at `resultPath`: `<cell>.claim` beside it. */
export function claimPath(resultPath: string): string {
  return resultPath.replace(/\.json$/, "") + ".claim";
}

/** True for the errors a file system without `flock` support answers a lock with. */
function isLockUnsupported(error: unknown): boolean {
  if (error instanceof Deno.errors.NotSupported) return true;
  const text = `${(error as { code?: unknown })?.code ?? ""} ${(error as Error)?.message ?? ""}`;
  return /ENOLCK|ENOSYS|EOPNOTSUPP|ENOTSUP|no locks available|not supported|not implemented/i
    .test(text);
}

/** Writes all of `text` at the start of `file`, replacing what it held. */
async function overwrite(file: Deno.FsFile, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  await file.truncate(0);
  await file.seek(0, Deno.SeekMode.Start);
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

/** The claims this process holds now, for {@linkcode releaseHeldClaims}. */
const heldClaims = new Set<CellClaim>();

/** The owner of this process's claims. */
function owner(): ClaimInfo {
  return { host: Deno.hostname(), pid: Deno.pid, since: new Date().toISOString() };
}

/**
 * A held claim on one cell: exclusive among every process that claims cells of the same folder.
 * {@linkcode hold} runs the cell's computation under it and gives it up.
 */
export class CellClaim {
  /** The claim file. */
  readonly path: string;
  /** False when the file system has no locks: the claim then excludes nothing. */
  readonly locked: boolean;
  #file: Deno.FsFile | undefined;
  #info: ClaimInfo;

  /** Use {@linkcode claimCell}. */
  constructor(path: string, file: Deno.FsFile | undefined, info: ClaimInfo) {
    this.path = path;
    this.locked = file !== undefined;
    this.#file = file;
    this.#info = info;
    if (file) heldClaims.add(this);
  }

  /** Gives the claim up once the cell's result is stored: removes the claim file, then unlocks. */
  async release(): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    heldClaims.delete(this);
    try {
      // Removed while still locked: a process that opened the old file and locks it after us
      // finds it unlinked (see claimCell) and claims a new one, which sees the stored result.
      await Deno.remove(this.path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    } finally {
      file.close();
    }
  }

  /** Records in the claim file that the cell trains in the lockstep group `group` (for `status`). */
  async noteGroup(group: string): Promise<void> {
    this.#info = { ...this.#info, group };
    if (!this.#file) return;
    try {
      await overwrite(this.#file, JSON.stringify(this.#info));
    } catch {
      // A note for status only: the claim holds without it.
    }
  }

  /** Gives the claim up after the cell failed: the claim file stays, recording `error`. */
  async fail(error: unknown): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    heldClaims.delete(this);
    try {
      const message = error instanceof Error ? error.message : String(error);
      await overwrite(file, JSON.stringify({ ...this.#info, error: message.split("\n")[0] }));
    } catch {
      // The failure being recorded matters more than the record.
    } finally {
      file.close();
    }
  }

  /**
   * Runs `compute` (the cell's training and the storing of its result) under the claim:
   * {@linkcode release}s it when `compute` resolves, {@linkcode fail}s it when it throws.
   */
  hold<T>(compute: () => Promise<T>): Promise<T> {
    return holdClaims([this], async () => {
      const value = await compute();
      await this.release();
      return value;
    });
  }
}

/**
 * Releases every claim this process holds (removing their claim files), for a process that is
 * told to stop (`scancel`, a time limit, Ctrl-C) before its cells are done: their cells are then
 * missing, not running or failed, and a resubmitted shard computes them without waiting.
 *
 * @returns how many claims were released
 */
export async function releaseHeldClaims(): Promise<number> {
  const claims = [...heldClaims];
  await Promise.all(claims.map((claim) => claim.release()));
  return claims.length;
}

/**
 * Claims the cell whose result is at `resultPath`.
 *
 * @param resultPath the cell's result file (see {@linkcode cellPath})
 * @param options `wait`: block until the claim is free, instead of answering undefined
 * @returns the claim, or undefined when another process holds it (only without `wait`); a claim
 *   with `locked` false where the file system has no locks
 */
export async function claimCell(
  resultPath: string,
  options: { wait?: boolean } = {},
): Promise<CellClaim | undefined> {
  const path = claimPath(resultPath);
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw userErrorFromOs(error, dirname(path)) ?? error;
  }
  for (;;) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true, write: true, create: true });
    } catch (error) {
      throw userErrorFromOs(error, path) ?? error;
    }
    let got: boolean;
    try {
      got = options.wait ? (await file.lock(true), true) : await file.tryLock(true);
    } catch (error) {
      file.close();
      if (isLockUnsupported(error)) return new CellClaim(path, undefined, owner());
      throw userErrorFromOs(error, path) ?? error;
    }
    if (!got) {
      file.close();
      return undefined;
    }
    // The claim file may have been removed (its cell done) or replaced between our open and our
    // lock: then we hold a lock on a file no one else will see, and must claim afresh.
    const [held, named] = await Promise.all([
      file.stat(),
      Deno.stat(path).catch(() => undefined),
    ]);
    if (!named || (held.ino !== null && (held.ino !== named.ino || held.dev !== named.dev))) {
      file.close();
      continue;
    }
    const info = owner();
    try {
      await overwrite(file, JSON.stringify(info));
    } catch (error) {
      file.close();
      throw userErrorFromOs(error, path) ?? error;
    }
    return new CellClaim(path, file, info);
  }
}

/** What {@linkcode probeClaim} found for a cell. */
export type ClaimState =
  /** No claim file: the cell was never started, or it is done. */
  | { state: "none" }
  /** A process holds the claim: the cell is being computed. */
  | { state: "held"; info?: ClaimInfo }
  /** A claim file no process holds: its run failed (`info.error`) or was killed. */
  | { state: "left"; info?: ClaimInfo };

/** Reads a claim file's owner; undefined when it is absent or half-written. */
export async function readClaimInfo(path: string): Promise<ClaimInfo | undefined> {
  try {
    const info = JSON.parse(await Deno.readTextFile(path));
    return typeof info?.host === "string" && typeof info?.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the claim of the cell at `resultPath` is held, left behind or absent, without taking
 * it for longer than a test of the lock.
 */
export async function probeClaim(resultPath: string): Promise<ClaimState> {
  const path = claimPath(resultPath);
  let file: Deno.FsFile;
  try {
    // Opened for writing: over NFS an exclusive lock needs it.
    file = await Deno.open(path, { read: true, write: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: "none" };
    throw userErrorFromOs(error, path) ?? error;
  }
  let free: boolean;
  try {
    free = await file.tryLock(true);
  } catch {
    free = false;
  } finally {
    file.close();
  }
  const info = await readClaimInfo(path);
  return free ? { state: "left", info } : { state: "held", info };
}

/** A cell of a {@linkcode claimQueue}, claimed. */
export interface ClaimedCell {
  cell: Cell;
  claim: CellClaim;
}

/** Options of {@linkcode claimQueue}. */
export interface ClaimQueueOptions {
  outDir: string;
  /**
   * Compute cells even when stored; a result stored after the queue started (by another process
   * that held the cell) is still reused.
   */
  force?: boolean;
  /** Called for a cell that another process stored before this one claimed it. */
  onStoredElsewhere?(cell: Cell, result: CellResult): void;
  /** Receives one human-readable line per event. */
  log(line: string): void;
}

/**
 * The cells of `cells` to compute, each handed out claimed, for any number of concurrent lanes.
 * A cell another process holds is put off until the others are handed out, then waited for; a
 * cell that turns out stored (by another process) once claimed is reported, not handed out.
 */
export function claimQueue(
  cells: Cell[],
  options: ClaimQueueOptions,
): { next(): Promise<ClaimedCell | undefined> } {
  const groups = claimGroupQueue(cells.map((cell) => [cell]), options);
  return { next: async () => (await groups.next())?.[0] };
}

/**
 * The groups of `groups` (cells trained together, see lockstep_groups.ts), each handed out with
 * its cells claimed, for any number of concurrent lanes. A group's cell that another process
 * holds is left out of the group and put off until the other groups are handed out, then waited
 * for and handed out alone; a cell that turns out stored (by another process) once claimed is
 * reported and left out. A group none of whose cells is left is skipped: every group handed out
 * has at least one cell.
 */
export function claimGroupQueue(
  groups: Cell[][],
  options: ClaimQueueOptions,
): { next(): Promise<ClaimedCell[] | undefined> } {
  const queue = groups.map((group) => [...group]);
  const deferred: Cell[] = [];
  const startedAt = new Date().toISOString();
  let warned = false;
  const storedNow = async (path: string, cell: Cell) => {
    let result: CellResult | undefined;
    try {
      result = await readResult(path);
    } catch {
      return undefined; // Unreadable: computing the cell replaces it.
    }
    if (!result || compareResult(result, cell) !== "current") return undefined;
    return !options.force || String(result.finishedAt) >= startedAt ? result : undefined;
  };
  /** Claims `cell` (waiting for it when `wait`): the claim, or undefined when held or stored. */
  const claimOne = async (cell: Cell, wait: boolean): Promise<ClaimedCell | undefined> => {
    const path = cellPath(options.outDir, cell.config);
    if (wait) {
      const holder = await readClaimInfo(claimPath(path));
      const c = cell.config;
      options.log(
        `${c.dataset} ${c.variant} seed ${c.seed}: waiting for ${
          holder ? `${holder.host} pid ${holder.pid}` : "another process"
        }, which is computing it`,
      );
    }
    const claim = await claimCell(path, { wait });
    if (!claim) {
      deferred.push(cell);
      return undefined;
    }
    if (!claim.locked && !warned) {
      warned = true;
      options.log(
        `warning: the file system of '${options.outDir}' has no file locks; two processes on it may compute the same cell (results stay whole)`,
      );
    }
    const stored = await storedNow(path, cell);
    if (stored) {
      await claim.release();
      options.onStoredElsewhere?.(cell, stored);
      return undefined;
    }
    return { cell, claim };
  };
  return {
    async next() {
      for (;;) {
        const group = queue.shift();
        if (group) {
          const claimed: ClaimedCell[] = [];
          for (const cell of group) {
            const got = await claimOne(cell, false);
            if (got) claimed.push(got);
          }
          if (claimed.length) return claimed;
          continue;
        }
        const cell = deferred.shift();
        if (!cell) return undefined;
        const got = await claimOne(cell, true);
        if (got) return [got];
      }
    },
  };
}

/**
 * Runs `compute` (the training of a lockstep group's cells and the storing of their results)
 * under `claims`: {@linkcode CellClaim.fail}s every claim not yet released when it throws. It is
 * `compute`'s to release each claim once its cell's result is stored.
 */
export async function holdClaims<T>(claims: CellClaim[], compute: () => Promise<T>): Promise<T> {
  try {
    return await compute();
  } catch (error) {
    await Promise.all(claims.map((claim) => claim.fail(error)));
    throw error;
  }
}
