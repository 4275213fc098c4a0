import assert from "node:assert/strict";
import {
  defineCommand,
  helpWidth,
  parseCommandLine,
  renderCommandHelp,
  renderOptionTable,
  renderUsage,
} from "./cli_options.ts";
import { UsageError } from "./errors.ts";

const EXAMPLE = defineCommand({
  summary: "an example command",
  positionals: {
    usage: "INPUT1 [INPUT2]",
    noun: "input",
    description: "samples, then the reference",
    min: 1,
    max: 2,
  },
  options: {
    profile: {
      type: "string",
      choices: ["smoke", "quick", "full"],
      default: "quick",
      description: "budget",
    },
    jobs: { type: "count", default: () => 3, defaultText: "CPU cores", description: "at once" },
    seeds: { type: "integers", description: "seeds to run" },
    metrics: { type: "list", choices: ["fid", "kid"], description: "metrics" },
    seed: { type: "integer", default: 0, description: "a seed" },
    force: { type: "boolean", description: "recompute" },
  },
  run: () => Promise.resolve(0),
});

function usageError(args: string[], message: string | RegExp): void {
  assert.throws(
    () => parseCommandLine("example", EXAMPLE, args),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.exitCode, 2);
      if (typeof message === "string") assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

Deno.test("parseCommandLine types every value and applies the defaults", () => {
  const parsed = parseCommandLine("example", EXAMPLE, ["a.npy", "--seeds", "2,0", "--force"]);
  assert.ok(!parsed.help);
  assert.deepEqual(parsed.values, {
    profile: "quick",
    jobs: 3,
    seeds: [2, 0],
    metrics: undefined,
    seed: 0,
    force: true,
  });
  assert.deepEqual(parsed.positionals, ["a.npy"]);
  const negative = parseCommandLine("example", EXAMPLE, ["x", "--seed", "-4", "--metrics=kid"]);
  assert.ok(!negative.help);
  assert.equal(negative.values.seed, -4);
  assert.deepEqual(negative.values.metrics, ["kid"]);
});

Deno.test("parseCommandLine answers -h and --help anywhere, even after a mistake", () => {
  for (
    const args of [["--help"], ["-h"], ["--bogus", "-h"], ["in", "--profile", "huge", "--help"]]
  ) {
    assert.deepEqual(parseCommandLine("example", EXAMPLE, args), { help: true });
  }
});

Deno.test("a misspelt option gets the closest one", () => {
  usageError(["x", "--prfile", "smoke"], /^Unknown option '--prfile'\. Did you mean '--profile'\?/);
  usageError(["x", "--zzzzzz"], /^Unknown option '--zzzzzz'\. Available: --profile, --jobs/);
});

Deno.test("parseCommandLine refuses malformed values in one line each", () => {
  usageError(
    ["x", "--profile", "quik"],
    "--profile must be one of smoke, quick, full, got 'quik'. Did you mean 'quick'?",
  );
  usageError(["x", "--profile", "huge"], "--profile must be one of smoke, quick, full, got 'huge'");
  usageError(["x", "--profile"], /^Option '--profile' needs a value/);
  usageError(["x", "--profile", "--force"], /^Option '--profile' needs a value/);
  usageError(["x", "--jobs", "0"], "--jobs must be a positive integer, got '0'");
  usageError(["x", "--seed", "1.5"], "--seed must be an integer, got '1.5'");
  usageError(["x", "--seeds", "0,a"], "--seeds must be comma-separated integers, got '0,a'");
  usageError(["x", "--seeds", "0,0"], "--seeds lists '0' twice");
  usageError(["x", "--metrics", "fid,fid"], "--metrics lists 'fid' twice");
  usageError(
    ["x", "--metrics", "fidd"],
    /^--metrics must be one of fid, kid, got 'fidd'\. Did you mean 'fid'\?$/,
  );
  usageError(["x", "--force=yes"], "Option '--force' takes no value");
});

Deno.test("a wrong number of positionals says how many the command takes", () => {
  usageError([], /^example needs one or two inputs \(INPUT1 \[INPUT2\]\), got none/);
  usageError(["a", "b", "c"], /^example needs one or two inputs .*, got 'a', 'b', 'c'/);
});

Deno.test("help lists every option with its default and description", () => {
  const help = renderCommandHelp("example", EXAMPLE);
  assert.match(
    help,
    /^usage: deno task example INPUT1 \[INPUT2\] \[--profile smoke\|quick\|full\]/,
  );
  for (const [name, spec] of Object.entries(EXAMPLE.options)) {
    const line = help.split("\n").find((l) => new RegExp(`^  --${name}( |$)`).test(l));
    assert.ok(line, `--${name} is listed`);
    assert.ok(line.includes(spec.description), `--${name}: ${line}`);
  }
  assert.match(help, /--profile smoke\|quick\|full +budget \(default: quick\)/);
  assert.match(help, /--jobs N +at once \(default: CPU cores\)/);
  assert.match(help, /-h, --help +print this help and exit/);
  assert.ok(renderUsage("example", EXAMPLE).split("\n").every((line) => line.length <= 100));
});

Deno.test("the option table of docs/cli.md has one row per option, shared by commands that define it alike", () => {
  const other = defineCommand({
    summary: "another",
    options: { force: EXAMPLE.options.force, seed: { ...EXAMPLE.options.seed, default: 1 } },
    run: () => Promise.resolve(0),
  });
  const rows = renderOptionTable({ example: EXAMPLE, other }).split("\n");
  assert.equal(rows.length, 2 + Object.keys(EXAMPLE.options).length + 1);
  assert.match(rows[0], /^\| option +\| commands +\| value +\| default +\| description +\|$/);
  assert.match(
    rows[2],
    /^\| `--profile` +\| example +\| `smoke`, `quick`, `full` +\| `quick` +\| budget +\|$/,
  );
  assert.match(rows[3], /^\| `--jobs` +\| example +\| `N` +\| CPU cores +\| at once +\|$/);
  assert.match(rows[7], /^\| `--force` +\| example, other +\| +\| +\| recompute +\|$/);
  assert.match(rows[8], /^\| `--seed` +\| other +\| `N` +\| `1` +\| a seed +\|$/);
  assert.equal(new Set(rows.map((row) => row.length)).size, 1, "columns are aligned");
});

Deno.test("help is laid out for COLUMNS, kept within 60 to 100 columns", () => {
  const saved = Deno.env.get("COLUMNS");
  try {
    for (const [columns, width] of [["72", 72], ["200", 100], ["20", 60]] as const) {
      Deno.env.set("COLUMNS", columns);
      assert.equal(helpWidth(), width);
      const lines = renderCommandHelp("example", EXAMPLE).split("\n");
      assert.ok(lines.every((line) => line.length <= width), `COLUMNS=${columns}`);
    }
  } finally {
    if (saved === undefined) Deno.env.delete("COLUMNS");
    else Deno.env.set("COLUMNS", saved);
  }
});
