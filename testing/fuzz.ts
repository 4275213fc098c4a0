/**
 * `deno task fuzz`: the fuzz corpus (testing/fuzz_corpus.ts) at the sizes the issue reproduced
 * (sparse gigabyte files, millions of seeds, a million curve points), each case run as a user runs
 * it, in a subprocess, with its time and peak memory (VmHWM) measured against the standard of
 * issue #30: one stderr line and exit 1 or 2 (or the right answer), in < 10 s and < 2 GB.
 *
 * Usage: deno task fuzz [--scale small|large]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseScriptArgs } from "../src/cli_options.ts";
import type { CliRun } from "./cli.ts";
import { type FuzzCase, writeCorpus } from "./fuzz_corpus.ts";
import { runCase } from "./fuzz_run.ts";

/** The most memory a case may take (the issue's standard). */
const MAX_PEAK_BYTES = 2e9;

const { values } = parseScriptArgs("fuzz", {
  summary: "run the fuzz corpus of bad inputs through the command line, measuring time and memory",
  options: {
    scale: {
      type: "string",
      choices: ["small", "large"],
      default: "large",
      description: "the corpus's sizes",
    },
  },
});

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

/** Runs the command line in a subprocess, polling its peak resident memory. */
async function runMeasured(args: string[]): Promise<CliRun & { peak: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // The process has ended.
    }
  }, 50);
  const output = await child.output();
  clearInterval(poll);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr), peak };
}

// The command line's own start-up (a loaded machine takes seconds): the time standard applies to
// what a case takes beyond it.
const started = performance.now();
await runMeasured(["list"]);
const startup = (performance.now() - started) / 1000;
console.log(`start-up of the command line (deno task list): ${startup.toFixed(1)} s`);

const dir = await Deno.makeTempDir({ prefix: "ganbench-fuzz-" });
let failed = 0;
try {
  const cases: FuzzCase[] = await writeCorpus(dir, values.scale as "small" | "large");
  const shared = new Map<string, ReturnType<typeof runMeasured>>();
  for (const fuzzCase of cases) {
    let peak = 0;
    const { problems, seconds } = await runCase(fuzzCase, startup, async (args) => {
      const key = JSON.stringify(args);
      const run = fuzzCase.shared ? shared.get(key) ?? runMeasured(args) : runMeasured(args);
      if (fuzzCase.shared) shared.set(key, run);
      const result = await run;
      peak = result.peak;
      return result;
    });
    if (peak > MAX_PEAK_BYTES) problems.push(`peak memory ${(peak / 1e9).toFixed(2)} GB`);
    if (problems.length) failed++;
    console.log(
      `${problems.length ? "FAIL" : "ok  "} ${fuzzCase.kind.padEnd(7)} ${
        seconds.toFixed(1).padStart(5)
      } s ${(peak / 1e6).toFixed(0).padStart(5)} MB  ${fuzzCase.name}${
        problems.length ? `: ${problems.join("; ")}` : ""
      }`,
    );
  }
  console.log(`${cases.length - failed} of ${cases.length} cases answered as they should`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
