/**
 * Progress display for running cells: one live status line on a terminal, plain periodic lines
 * otherwise (CI logs), each with the whole run's cells done, elapsed time and ETA. Hand-written: it
 * must interleave with the runner's log lines and show several concurrent cells, which single-bar
 * libraries such as cli-progress do not do.
 *
 * @module
 */
import type { Cell } from "./runner/cells.ts";
import { wrapLine } from "./terminal.ts";
import type { Progress } from "./train/mod.ts";

const encoder = new TextEncoder();

/** Share of the work (a cell's steps, or the run's cells) done before an ETA is given. */
const RATE_SHARE = 0.1;
/** What an ETA says before it has a rate. */
const ESTIMATING = "estimating";

/** Formats seconds as "1m05s" / "42s"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Where {@linkcode ProgressDisplay} writes and what it asks of the terminal (for tests). */
export interface ProgressDisplayOptions {
  /** One live status line (a terminal) rather than periodic lines. Default: stderr is a terminal. */
  live?: boolean;
  /** The terminal's width; 0 or a throw means unknown (no truncation). Default: Deno.consoleSize. */
  columns?: () => number;
  /** Writes raw text to the terminal. Default: stderr. */
  write?: (text: string) => void;
  /** Prints a whole line (log lines, the non-live progress lines). Default: console.error. */
  print?: (line: string) => void;
  /** Milliseconds, for elapsed time and ETA. Default: performance.now. */
  now?: () => number;
}

/** A progress display writing to stderr. */
export class ProgressDisplay {
  #live: boolean;
  #columns: () => number;
  #write: (text: string) => void;
  #print: (line: string) => void;
  #now: () => number;
  #active = new Map<string, string>();
  /** Share of training done (step / steps) of each running cell. */
  #fractions = new Map<string, number>();
  #lastQuarter = new Map<string, number>();
  #statusShown = false;
  #total = 0;
  #done = 0;
  #started = 0;

  /** @param options defaults: a live line on stderr when it is a terminal */
  constructor(options: ProgressDisplayOptions = {}) {
    this.#live = options.live ?? Deno.stderr.isTerminal();
    this.#columns = options.columns ?? (() => Deno.consoleSize().columns);
    this.#write = options.write ?? ((text) => Deno.stderr.writeSync(encoder.encode(text)));
    this.#print = options.print ?? ((line) => console.error(line));
    this.#now = options.now ?? (() => performance.now());
  }

  /** Starts the clock of a run of `cells` cells (all suites together), for the overall ETA. */
  start(cells: number): void {
    this.#total = cells;
    this.#done = 0;
    this.#started = this.#now();
  }

  /**
   * Prints a log line (above the live status line on a terminal) to stdout; on a terminal, wrapped
   * at its width.
   */
  log(line: string): void {
    this.#clear();
    const lines = this.#live ? line.split("\n").flatMap((l) => wrapLine(l, this.#width())) : [line];
    console.log(lines.join("\n"));
    this.#render();
  }

  /**
   * Records progress of a running cell. The cells of a lockstep group (`group`, its name) share
   * one entry, without losses (each seed has its own); each still counts in the ETA.
   */
  update(cell: Cell, progress: Progress, group?: string): void {
    const name = cellName(cell);
    const shown = group ?? name;
    const rate = progress.step / Math.max(progress.trainSeconds, 1e-9);
    const fraction = progress.step / Math.max(progress.steps, 1);
    // The first steps carry compilation and warm-up: no rate from them.
    const eta = fraction < RATE_SHARE
      ? ESTIMATING
      : formatDuration((progress.steps - progress.step) / rate);
    const losses = group ? "" : ` D ${progress.lossD.toFixed(3)} G ${progress.lossG.toFixed(3)}`;
    const text = `${shown} ${progress.step}/${progress.steps}${losses} ETA ${eta}`;
    this.#fractions.set(name, fraction);
    if (this.#live) {
      this.#active.set(shown, text);
      if (progress.step === progress.steps) this.#active.delete(shown);
      this.#clear();
      this.#render();
      return;
    }
    const quarter = Math.floor((4 * progress.step) / progress.steps);
    if (quarter > (this.#lastQuarter.get(shown) ?? 0) && quarter < 4) {
      this.#lastQuarter.set(shown, quarter);
      this.#print(`  ${text} · ${this.overall()}`);
    }
  }

  /** Records that a cell (of the lockstep group `group`, when named) finished: trained, scored and stored. */
  cellDone(cell: Cell, group?: string): void {
    const name = cellName(cell);
    const shown = group ?? name;
    this.#done++;
    this.#active.delete(shown);
    this.#fractions.delete(name);
    this.#lastQuarter.delete(shown);
    this.#clear();
    this.#render();
  }

  /**
   * The whole run's state: "cells 3/28 · 1m05s elapsed · ETA 4m10s", the ETA from the elapsed time
   * and the share done (finished cells plus the running ones' share of their steps); "ETA
   * estimating" until a cell has finished or a tenth of the run is done, since the first steps
   * (start-up, compilation) say little of the rate.
   */
  overall(): string {
    const elapsed = (this.#now() - this.#started) / 1000;
    let share = this.#done;
    for (const fraction of this.#fractions.values()) share += fraction;
    const hasRate = share > 0 && (this.#done > 0 || share >= RATE_SHARE * this.#total);
    const left = (elapsed * (this.#total - share)) / share;
    return `cells ${this.#done}/${this.#total} · ${formatDuration(elapsed)} elapsed · ETA ${
      hasRate ? formatDuration(left) : ESTIMATING
    }`;
  }

  /** Clears the live line. */
  close(): void {
    this.#clear();
  }

  #clear(): void {
    if (this.#statusShown) this.#write("\r\x1b[K");
    this.#statusShown = false;
  }

  /** The terminal's width, or Infinity when it does not say (0 columns, or not a terminal). */
  #width(): number {
    try {
      const columns = this.#columns();
      return columns > 0 ? columns : Infinity;
    } catch {
      return Infinity;
    }
  }

  #render(): void {
    if (!this.#live || !this.#active.size) return;
    // One column short of the width, so that the cursor never wraps to a new line.
    const line = [this.overall(), ...this.#active.values()].join(" | ").slice(0, this.#width() - 1);
    this.#write(line);
    this.#statusShown = true;
  }
}

function cellName(cell: Cell): string {
  const c = cell.config;
  return `${c.dataset}/${c.variant}/s${c.seed}`;
}
