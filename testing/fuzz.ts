/**
 * `deno task fuzz`: the fuzz corpus (testing/fuzz_corpus.ts) at the sizes the issue reproduced
 * (sparse gigabyte files, millions of seeds, a million curve points), each case run twice: through
 * main() in this process, timed (a loaded machine's start-up of a subprocess is not the case's
 * time), and as a user runs it, in a subprocess, with its peak memory (VmHWM) measured; against
 * the standard of issue #30: one stderr line and exit 1 or 2 (or the right answer), in < 10 s and
 * < 2 GB.
 *
 * Usage: deno task fuzz [--scale small|large]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseScriptArgs } from "../src/cli_options.ts";
import { type CliRun, runMain } from "./cli.ts";
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

const dir = await Deno.makeTempDir({ prefix: "ganbench-fuzz-" });
let failed = 0;
try {
  const cases: FuzzCase[] = await writeCorpus(dir, values.scale as "small" | "large");
  const shared = new Map<string, Promise<unknown>>();
  const once = <T>(fuzzCase: FuzzCase, key: string, run: () => Promise<T>): Promise<T> => {
    if (!fuzzCase.shared) return run();
    if (!shared.has(key)) shared.set(key, run());
    return shared.get(key) as Promise<T>;
  };
  for (const fuzzCase of cases) {
    // Time: the command line in this process (main()), so that a loaded machine's seconds of
    // start-up are not counted; memory and the answer: in a subprocess, as a user runs it.
    const timed = await runCase(
      fuzzCase,
      0,
      (args) => once(fuzzCase, `main ${JSON.stringify(args)}`, () => runMain(...args)),
    );
    let peak = 0;
    const { problems } = await runCase(fuzzCase, Infinity, async (args) => {
      const result = await once(fuzzCase, JSON.stringify(args), () => runMeasured(args));
      peak = result.peak;
      return result;
    });
    problems.push(...timed.problems.filter((problem) => !problems.includes(problem)));
    if (peak > MAX_PEAK_BYTES) problems.push(`peak memory ${(peak / 1e9).toFixed(2)} GB`);
    if (problems.length) failed++;
    console.log(
      `${problems.length ? "FAIL" : "ok  "} ${fuzzCase.kind.padEnd(7)} ${
        timed.seconds.toFixed(2).padStart(6)
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
