/**
 * End-to-end tests through the command line, as a user runs it: in a subprocess where the process
 * itself matters (the production entry point, a run's files), and through `main()` in this process
 * (`runMain`, the same code path less a Deno start-up each) for mistakes and `score`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, runMain, TINY_SUITE, tinyCli, tinyMain } from "../testing/cli.ts";

function assertOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0], pattern);
}

/** Result files minus what legitimately differs between runs (timing, environment, date). */
async function comparable(cellsDir: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const names = [...Deno.readDirSync(cellsDir)].map((entry) => entry.name)
    .filter((name) => name.endsWith(".json")).sort();
  for (const name of names) {
    const r = JSON.parse(await Deno.readTextFile(join(cellsDir, name)));
    out[name] = {
      hash: r.hash,
      final: r.final,
      curves: r.curves.map((p: Record<string, number>) => ({ ...p, seconds: 0 })),
      evals: r.evals.map((p: Record<string, number>) => ({ ...p, seconds: 0 })),
    };
  }
  return out;
}

// The test-only suite (testing/tiny/): 2 tiny datasets x 2 tiny variants x 2 seeds, 6 steps each,
// so the whole command-line path runs in seconds. Its entries exist in the CLI's main thread only,
// hence --jobs 1 (cells run in-process through the same runSuite/runCell as in workers).
Deno.test("a suite runs end to end, resumes, reproduces and recomputes a corrupt result", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-e2e-" });
  const base = join(out, "tiny", "smoke");
  const cellsDir = join(base, "cells");
  const tinyArgs = (dir: string) =>
    ["suite", TINY_SUITE, "--profile", "smoke"].concat("--jobs", "1", "--out", dir);
  // The first run is a process, as a user starts it; the later ones run main() in this process,
  // so "a fresh folder gives identical figures" also compares two processes.
  const runTiny = (dir: string) => tinyMain(...tinyArgs(dir));

  await t.step("the production command line does not know the test-only entries", async () => {
    const run = await cli("suite", TINY_SUITE, "--profile", "smoke", "--out", out);
    assert.equal(run.code, 1);
    assertOneLineError(run.stderr, /^ganbench: .*Unknown dataset 'tiny-pair'/);
  });

  await t.step("a full run stores every cell and writes and prints the leaderboards", async () => {
    const run = await tinyCli(...tinyArgs(out));
    assert.equal(run.code, 0, run.stderr);
    // Result files; each cell's folder beside its result holds its stored generators.
    const files = [...Deno.readDirSync(cellsDir)].filter((e) => e.isFile).map((e) => e.name).sort();
    const expected = ["tiny-pair", "tiny-square"].flatMap((dataset) =>
      ["tiny-gan", "tiny-wgan-gp"].flatMap((variant) =>
        [0, 1].map((seed) => `${dataset}__${variant}__seed${seed}.json`)
      )
    ).sort();
    assert.deepEqual(files, expected);
    for (const name of ["leaderboard.md", "leaderboard.csv", "leaderboard.json", "suite.json"]) {
      assert.ok(Deno.statSync(join(base, name)).isFile, name);
    }
    assert.match(run.stdout, /### tiny · tiny-pair · profile `smoke`/);
    assert.match(run.stdout, /### tiny · tiny-square · profile `smoke`/);
    const board = JSON.parse(await Deno.readTextFile(join(base, "leaderboard.json")));
    const rows = board.rows.map((r: { dataset: string; variant: string }) =>
      `${r.dataset}/${r.variant}`
    );
    assert.deepEqual(rows.sort(), [
      "tiny-pair/tiny-gan",
      "tiny-pair/tiny-wgan-gp",
      "tiny-square/tiny-gan",
      "tiny-square/tiny-wgan-gp",
    ]);
    const cell = JSON.parse(
      await Deno.readTextFile(join(cellsDir, "tiny-pair__tiny-wgan-gp__seed1.json")),
    );
    assert.equal(cell.config.seed, 1);
    assert.equal(cell.config.hyper.k, 2, "the variant's method defaults apply");
    assert.equal(cell.environment.backend.name, "wasm");
    assert.ok(cell.timing.wallSeconds > 0);
    assert.equal(cell.curves.length, 6);
    assert.deepEqual(cell.evals.map((e: { step: number }) => e.step), [0, 3, 6]);
    assert.ok(Number.isFinite(cell.final["modes.kl"]));
  });

  const before = await comparable(cellsDir);

  await t.step("a rerun skips every stored cell", async () => {
    const run = await runTiny(out);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /8 cells already stored with the same configuration: skipped/);
    assert.deepEqual(await comparable(cellsDir), before);
  });

  await t.step("a run into a fresh folder gives identical figures", async () => {
    const again = await Deno.makeTempDir({ prefix: "ganbench-e2e-" });
    const run = await runTiny(again);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await comparable(join(again, "tiny", "smoke", "cells")), before);
    await Deno.remove(again, { recursive: true });
  });

  await t.step(
    "a corrupt result file is named by report and recomputed by the next run",
    async () => {
      const victim = join(cellsDir, "tiny-square__tiny-gan__seed1.json");
      await Deno.writeTextFile(victim, '{"hash": "trunc');
      const report = await tinyMain("report", "--results", out);
      assert.equal(report.code, 1);
      assertOneLineError(
        report.stderr,
        /^ganbench: Corrupt result file '.*tiny-square__tiny-gan__seed1\.json': invalid JSON/,
      );
      await Deno.remove(join(base, "leaderboard.json"));
      const run = await runTiny(out);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /kept as .*\.corrupt-\d+, recomputing/);
      assert.match(run.stdout, /7 cells already stored with the same configuration: skipped/);
      assert.deepEqual(await comparable(cellsDir), before);
      assert.ok(Deno.statSync(join(base, "leaderboard.json")).isFile, "leaderboards rebuilt");
    },
  );

  await Deno.remove(out, { recursive: true });
});

// One real suite end to end: the mixtures suite's smoke profile reduced to one variant and seed
// (a cell per dataset), run by a process in two worker threads and by main() in this process.
Deno.test("the mixtures suite's smoke profile gives the same figures in worker threads and in one process", async () => {
  const workers = await Deno.makeTempDir({ prefix: "ganbench-e2e-" });
  const inProcess = await Deno.makeTempDir({ prefix: "ganbench-e2e-" });
  const mixturesArgs = (dir: string, jobs: string) =>
    ["suite", "mixtures", "--profile", "smoke", "--variants", "nsgan", "--seeds", "0"]
      .concat("--jobs", jobs, "--out", dir);
  const run = await cli(...mixturesArgs(workers, "2"));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /### mixtures · ring8 · profile `smoke`/);
  assert.match(run.stdout, /### mixtures · grid25 · profile `smoke`/);
  const cells = join(workers, "mixtures", "smoke", "cells");
  const figures = await comparable(cells);
  assert.deepEqual(Object.keys(figures), ["grid25__nsgan__seed0.json", "ring8__nsgan__seed0.json"]);
  const cell = JSON.parse(await Deno.readTextFile(join(cells, "ring8__nsgan__seed0.json")));
  assert.equal(cell.environment.backend.name, "wasm");
  assert.equal(cell.evals.length, 3);
  const single = await runMain(...mixturesArgs(inProcess, "1"));
  assert.equal(single.code, 0, single.stderr);
  assert.deepEqual(await comparable(join(inProcess, "mixtures", "smoke", "cells")), figures);
  await Deno.remove(workers, { recursive: true });
  await Deno.remove(inProcess, { recursive: true });
});

Deno.test("bad input gets one line and a non-zero exit", async () => {
  const dir = await Deno.makeTempDir();
  const bad = join(dir, "bad.json");
  await Deno.writeTextFile(bad, JSON.stringify({ version: 1, datasets: ["ring9"] }));
  const cases: [string[], number, RegExp][] = [
    [["suite", bad], 1, /^ganbench: Cannot parse suite '.*bad\.json': description: /],
    [["suite", "nosuch"], 2, /^ganbench: Unknown suite 'nosuch'/],
    [
      ["suite", "mixtures", "--variants", "nsgam"],
      2,
      /^ganbench: Unknown variant 'nsgam' in suite 'mixtures'/,
    ],
    [
      ["suite", "mixtures", "--profile", "huge"],
      2,
      /^ganbench: --profile must be one of smoke, quick, full/,
    ],
    [["suite", "mixtures", "--backend", "tpu"], 2, /^ganbench: --backend must be one of/],
    [
      ["suite", "mixtures", "--backend", "tensorflow"],
      1,
      /^ganbench: backend 'tensorflow' is unavailable: .*tfjs-node/,
    ],
    [["suite", "mixtures", "--bogus"], 2, /^ganbench: Unknown option '--bogus'/],
    [
      ["score", "--mixture", "ring8", join(dir, "missing.npy")],
      1,
      /^ganbench: Cannot read '.*missing\.npy'/,
    ],
    [["frobnicate"], 2, /^ganbench: Unknown command 'frobnicate'/],
  ];
  for (const [args, code, pattern] of cases) {
    const run = await runMain(...args);
    assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
    assertOneLineError(run.stderr, pattern);
  }
  await Deno.remove(dir, { recursive: true });
});

/** Writes a float64 .npy file of shape [n, d] (the format NumPy writes, version 1.0). */
function npyBytes(values: number[][]): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length}, ${
    values[0].length
  }), }`;
  const total = 10 + header.length + 1;
  header = header.padEnd(header.length + (64 - (total % 64)) % 64, " ") + "\n";
  const bytes = new Uint8Array(10 + header.length + values.length * values[0].length * 8);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  new Float64Array(bytes.buffer, 10 + header.length).set(values.flat());
  return bytes;
}

Deno.test("score prints mode coverage of a user's samples as one JSON object", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "samples.npy");
  // One sample on each of modes 0 and 2, one far from every mode.
  await Deno.writeFile(path, npyBytes([[1, 0], [0, 1], [0, 0]]));
  const run = await runMain("score", "--metrics", "modes", "--mixture", "ring8", "--json", path);
  assert.equal(run.code, 0, run.stderr);
  const output = JSON.parse(run.stdout);
  const { mass, ...modes } = output.modes;
  assert.deepEqual(modes, { covered: 2, total: 8, hq: 2 / 3, kl: Math.log(4) });
  // Modes 0 and 2 hold more than the data's P/8 each, the far sample more than its 1 − P.
  const inBall = 1 - Math.exp(-4.5);
  assert.ok(Math.abs(mass - (inBall / 4 + 1 - inBall)) < 1e-12, `mass ${mass}`);
  const wrong = await runMain("score", "--mixture", "grid25", "--json", path);
  assert.equal(wrong.code, 0);
  assert.equal(JSON.parse(wrong.stdout).modes.total, 25);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score computes FID, KID, precision/recall, density/coverage and IS from .npy features", async () => {
  const dir = await Deno.makeTempDir();
  const rows = Array.from(
    { length: 40 },
    (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j * 3)),
  );
  const same = join(dir, "a.npy"),
    copy = join(dir, "b.npy"),
    narrow = join(dir, "c.npy"),
    probs = join(dir, "p.npy");
  await Deno.writeFile(same, npyBytes(rows));
  await Deno.writeFile(copy, npyBytes(rows));
  await Deno.writeFile(narrow, npyBytes(rows.map((r) => r.slice(0, 3))));
  await Deno.writeFile(probs, npyBytes(Array.from({ length: 20 }, (_, i) => [i % 2, 1 - (i % 2)])));

  const run = await runMain("score", "--json", "--kid-subsets", "5", same, copy);
  assert.equal(run.code, 0, run.stderr);
  const output = JSON.parse(run.stdout);
  assert.ok(Math.abs(output.fid) < 1e-6);
  assert.deepEqual(Object.keys(output.kid), ["mean", "std"]);
  assert.deepEqual([output.precision, output.recall, output.density, output.coverage], [
    1,
    1,
    1,
    1,
  ]);

  const inception = await runMain("score", "--metrics", "is", "--is-splits", "2", "--json", probs);
  assert.equal(inception.code, 0, inception.stderr);
  assert.ok(Math.abs(JSON.parse(inception.stdout).is.mean - 2) < 1e-9);

  const mismatch = await runMain("score", same, narrow);
  assert.equal(mismatch.code, 1);
  assertOneLineError(
    mismatch.stderr,
    /^ganbench: feature dimensions differ: '.*a\.npy' holds 6-d features, '.*c\.npy' holds 3-d features$/,
  );
  const few = await runMain("score", "--metrics", "prc", same, join(dir, "tiny.npy"));
  assert.equal(few.code, 1);
  await Deno.writeFile(join(dir, "tiny.npy"), npyBytes(rows.slice(0, 3)));
  const tiny = await runMain("score", "--metrics", "prc", join(dir, "tiny.npy"), same);
  assert.equal(tiny.code, 1);
  assertOneLineError(
    tiny.stderr,
    /^ganbench: prc: k-nearest-neighbour radii with k = 3 need at least 4 samples, got 3$/,
  );
  const unknown = await runMain("score", "--metrics", "fidd", same, copy);
  assert.equal(unknown.code, 2);
  assertOneLineError(
    unknown.stderr,
    /^ganbench: --metrics must be one of fid, kid, is, prc, dc, modes, spread, got 'fidd'\. Did you mean 'fid'\?/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score reads PNG folders and .npz statistics, and --save-stats writes them", async () => {
  const { default: sharp } = await import("sharp");
  const dir = await Deno.makeTempDir();
  const folder = join(dir, "images");
  await Deno.mkdir(folder);
  for (let i = 0; i < 6; i++) {
    const pixels = new Uint8Array(8 * 8).map((_, p) => (p * 7 + i * 31) % 256);
    await sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(
      join(folder, `${i}.png`),
    );
  }
  const rows = Array.from(
    { length: 30 },
    (_, i) => Array.from({ length: 4 }, (_, j) => Math.cos(i * 5 + j)),
  );
  const a = join(dir, "a.npy"), b = join(dir, "b.npy"), stats = join(dir, "a_stats.npz");
  await Deno.writeFile(a, npyBytes(rows));
  await Deno.writeFile(b, npyBytes(rows.map((r) => r.map((v) => v * 1.5 + 0.2))));

  const png = await runMain("score", "--metrics", "fid", "--json", folder, folder);
  assert.equal(png.code, 0, png.stderr);
  assert.equal(JSON.parse(png.stdout).samples, 6);
  assert.ok(Math.abs(JSON.parse(png.stdout).fid) < 1e-6);

  const direct = await runMain("score", "--metrics", "fid", "--save-stats", stats, "--json", a, b);
  assert.equal(direct.code, 0, direct.stderr);
  const fromStats = await runMain("score", "--metrics", "fid", "--json", stats, b);
  assert.equal(fromStats.code, 0, fromStats.stderr);
  assert.ok(Math.abs(JSON.parse(fromStats.stdout).fid - JSON.parse(direct.stdout).fid) < 1e-9);

  const wrong = await runMain("score", "--metrics", "kid", stats, b);
  assertOneLineError(wrong.stderr, /holds FID statistics: only the fid metric can use it$/);
  await Deno.remove(dir, { recursive: true });
});
