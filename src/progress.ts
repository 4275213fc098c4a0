/**
 * Progress display for running cells: one live status line on a terminal, plain periodic lines
 * otherwise (CI logs). Hand-written: it must interleave with the runner's log lines and show
 * several concurrent cells, which single-bar libraries such as cli-progress do not do.
 *
 * @module
 */
import type { Cell } from "./runner/cells.ts";
import type { Progress } from "./train/train.ts";

const encoder = new TextEncoder();

/** Formats seconds as "1m05s" / "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** A progress display writing to stderr. */
export class ProgressDisplay {
  #live = Deno.stderr.isTerminal();
  #active = new Map<string, string>();
  #lastQuarter = new Map<string, number>();
  #statusShown = false;

  /** Prints a log line (above the live status line on a terminal). */
  log(line: string): void {
    this.#clear();
    console.log(line);
    this.#render();
  }

  /** Records progress of a running cell. */
  update(cell: Cell, progress: Progress): void {
    const c = cell.config;
    const name = `${c.dataset}/${c.variant}/s${c.seed}`;
    const rate = progress.step / Math.max(progress.trainSeconds, 1e-9);
    const eta = (progress.steps - progress.step) / rate;
    const text = `${name} ${progress.step}/${progress.steps} D ${progress.lossD.toFixed(3)} G ${
      progress.lossG.toFixed(3)
    } ETA ${formatDuration(eta)}`;
    if (this.#live) {
      this.#active.set(name, text);
      if (progress.step === progress.steps) this.#active.delete(name);
      this.#clear();
      this.#render();
      return;
    }
    const quarter = Math.floor((4 * progress.step) / progress.steps);
    if (quarter > (this.#lastQuarter.get(name) ?? 0) && quarter < 4) {
      this.#lastQuarter.set(name, quarter);
      console.error(`  ${text}`);
    }
  }

  /** Clears the live line. */
  close(): void {
    this.#clear();
  }

  #clear(): void {
    if (this.#statusShown) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    this.#statusShown = false;
  }

  #render(): void {
    if (!this.#live || !this.#active.size) return;
    const columns = Deno.consoleSize?.().columns ?? 120;
    const line = [...this.#active.values()].join(" | ").slice(0, columns - 1);
    Deno.stderr.writeSync(encoder.encode(line));
    this.#statusShown = true;
  }
}
