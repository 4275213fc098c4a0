/**
 * The command line's definitions, help and mistakes, through `main()` in this process (and one
 * subprocess run, as a user types it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dump } from "npyjs";
import { cli, ROOT, runMain as run } from "../testing/cli.ts";
import { COMMANDS, renderHelp } from "./cli.ts";
import { defaultText, renderCommandHelp } from "./cli_options.ts";
import { readNpz } from "./data/npz.ts";

/** Lines of `text` wider than `width`, or holding one word (a wrap gone wrong). */
function badLines(text: string, width: number): string[] {
  return text.split("\n").filter((line) =>
    line.length > width || line.trim().split(/ +/).length === 1 && line.trim() !== "" &&
      !line.startsWith("deno task ") && !line.endsWith(":")
  );
}

Deno.test("every command's help fits 80 and 100 columns with no line of a lone word", () => {
  for (const width of [80, 100]) {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      assert.deepEqual(badLines(renderCommandHelp(name, spec, width), width), [], name);
    }
    assert.deepEqual(badLines(renderHelp(width), width), [], "ganbench --help");
  }
});

Deno.test("the scripts' help fits the terminal width that COLUMNS gives", async () => {
  const scripts = [
    "bench/train_step.ts",
    "bench/score.ts",
    "bench/fused_ops.ts",
    "scripts/gpu_check.ts",
    "scripts/train_feature_net.ts",
  ];
  const runs = await Promise.all(scripts.map((script) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "--help"],
      cwd: ROOT,
      env: { NO_COLOR: "1", COLUMNS: "80" },
    }).output()
  ));
  runs.forEach((output, i) => {
    const text = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, `${scripts[i]}: ${new TextDecoder().decode(output.stderr)}`);
    assert.match(text, /^usage: /, scripts[i]);
    assert.deepEqual(badLines(text, 80), [], scripts[i]);
  });
});

Deno.test("every command answers -h and --help on stdout with each option's default and description", async () => {
  for (const [name, spec] of Object.entries(COMMANDS)) {
    for (const flag of ["--help", "-h"]) {
      const help = await run(name, flag);
      assert.equal(help.code, 0, `${name} ${flag}: ${help.stderr}`);
      assert.equal(help.stderr, "");
      assert.equal(help.stdout, renderCommandHelp(name, spec));
    }
    const text = renderCommandHelp(name, spec).replace(/\n +/g, " ");
    for (const [option, definition] of Object.entries(spec.options)) {
      assert.ok(text.includes(`--${option}`), `${name} --${option}`);
      assert.ok(text.includes(definition.description), `${name} --${option}: description`);
      const fallback = defaultText(definition);
      if (fallback) assert.ok(text.includes(`(default: ${fallback})`), `${name} --${option}`);
    }
  }
  const top = await run("--help");
  assert.equal(top.code, 0);
  assert.equal(top.stdout, renderHelp());
});

Deno.test("command-line mistakes get one line, the closest name and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["suite", "mixtures", "--prfile", "smoke"],
      /^ganbench: Unknown option '--prfile'\. Did you mean '--profile'\?/,
    ],
    [
      ["suite", "mixtures", "--variants", "nsgam"],
      /^ganbench: Unknown variant 'nsgam' in suite 'mixtures'\. Did you mean 'nsgan'\? Available: gan, nsgan, /,
    ],
    [
      ["suite", "mixtures", "--profile", "smoke", "--seeds", "0,5,7"],
      /^ganbench: --seeds: suite 'mixtures' has no seed 5, 7 at profile smoke; its seeds: 0, 1$/,
    ],
    [["suite", "mixtures", "--seeds", "0,0"], /^ganbench: --seeds lists '0' twice$/],
    [
      ["suite", "mixtrues"],
      /^ganbench: Unknown suite 'mixtrues' in suites\/\. Did you mean 'mixtures'\?/,
    ],
    [["suite"], /^ganbench: suite needs one suite name \(NAME\), got none/],
    [["score"], /^ganbench: score needs one or two inputs \(INPUT1 \[INPUT2\]\), got none/],
    [["bench", "mixtures"], /^ganbench: bench takes no arguments, got 'mixtures'/],
    [["benhc"], /^ganbench: Unknown command 'benhc'\. Did you mean 'bench'\?/],
    [
      ["suite", "mixtures", "--profile", "huge"],
      /^ganbench: --profile must be one of smoke, quick, full, replicate, paper, got 'huge'$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(...args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stderr.split("\n").length, 1, result.stderr);
    assert.match(result.stderr, pattern);
  }
});

Deno.test("score --save-stats with one input writes its FID statistics and asks for no reference", async () => {
  const dir = await Deno.makeTempDir();
  const input = join(dir, "features.npy"), stats = join(dir, "stats.npz");
  // The corners of a square of side 2: mean (1, 1), unbiased covariance 4/3 I.
  const corners = new Float64Array([0, 0, 2, 0, 0, 2, 2, 2]);
  await Deno.writeFile(input, new Uint8Array(dump(corners, [4, 2])));
  const result = await run("score", "--save-stats", stats, "--json", input);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    features: "raw",
    feature_label: "raw",
    samples: 4,
    saved_stats: stats,
  });
  const { mu, sigma } = await readNpz(stats);
  assert.deepEqual(mu.shape, [2]);
  assert.deepEqual([...mu.data], [1, 1]);
  assert.deepEqual(sigma.shape, [2, 2]);
  [4 / 3, 0, 0, 4 / 3].forEach((value, i) => assert.ok(Math.abs(sigma.data[i] - value) < 1e-12));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a suite pairing a conditional variant with unlabelled data fails in one line before training", async () => {
  const dir = await Deno.makeTempDir();
  const suite = JSON.parse(
    await Deno.readTextFile(new URL("../suites/dirac.json", import.meta.url)),
  );
  const path = join(dir, "cgan-dirac.json");
  // Without its replication section, whose rows name the variants replaced here.
  await Deno.writeTextFile(
    path,
    JSON.stringify({ ...suite, variants: ["cgan"], replication: undefined }),
  );
  const result = await cli("suite", path, "--profile", "smoke", "--out", join(dir, "out"));
  assert.equal(result.code, 1, result.stderr);
  assert.equal(
    result.stderr.trim(),
    "ganbench: Suite 'cgan-dirac': variant 'cgan' cannot run on dataset 'dirac': it is class-conditional, but dataset 'dirac' has no labels",
  );
  assert.equal(result.stdout, "");
  await Deno.remove(dir, { recursive: true });
});
