import assert from "node:assert/strict";
import type { CellResult } from "../runner/store.ts";
import { summarise } from "./aggregate.ts";
import {
  buildLeaderboard,
  formatSummary,
  renderCsv,
  renderMarkdown,
  samplesNote,
} from "./leaderboard.ts";

function result(
  variant: string,
  seed: number,
  kl: number,
  covered: number,
  diverged = false,
): CellResult {
  return {
    hash: `${variant}${seed}`,
    config: {
      dataset: "ring8",
      variant,
      seed,
      backend: "wasm",
      evalSamples: 2500,
      budget: { steps: 100 },
    },
    status: diverged ? "diverged" : "completed",
    ...(diverged ? { divergence: { step: 42, network: "D" } } : {}),
    steps: diverged ? 41 : 100,
    final: diverged ? {} : { "modes.kl": kl, "modes.covered": covered, "modes.hq": 0.5 },
    curves: [],
    evals: [{ step: 0, seconds: 0, metrics: { "modes.kl": 2 } }, {
      step: 100,
      seconds: 1,
      metrics: { "modes.kl": kl },
    }],
    timing: { wallSeconds: 2, trainSeconds: 1, evalSeconds: 1, stepsPerSecond: 100 },
  } as unknown as CellResult;
}

const INFO = { suite: "mixtures", profile: "quick", description: "", primary: "modes.kl" };

Deno.test("summarise gives mean, sample std and n of finite values", () => {
  assert.deepEqual(summarise([1, 2, 3, NaN]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(summarise([5]), { mean: 5, std: 0, n: 1 });
  assert.equal(summarise([]), undefined);
});

Deno.test("buildLeaderboard aggregates over seeds and sorts by the primary figure's direction", () => {
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1.0, 4),
    result("gan", 1, 2.0, 2),
    result("nsgan", 0, 0.1, 8),
    result("nsgan", 1, 0.3, 8),
    result("wgan", 0, 0, 0, true),
  ]);
  assert.deepEqual(board.rows.map((r) => [r.rank, r.variant]), [[1, "nsgan"], [2, "gan"], [
    3,
    "wgan",
  ]]);
  const nsgan = board.rows[0];
  assert.ok(Math.abs(nsgan.figures["modes.kl"].mean - 0.2) < 1e-12);
  assert.ok(Math.abs(nsgan.figures["modes.kl"].std - Math.sqrt(0.02)) < 1e-12);
  assert.equal(nsgan.figures["modes.covered"].mean, 8);
  const wgan = board.rows[2];
  assert.equal(wgan.diverged, 1);
  assert.deepEqual(wgan.divergedAt, [42]);
  assert.equal(wgan.figures["modes.kl"], undefined);
  assert.deepEqual(board.figures.map((f) => f.key), ["modes.covered", "modes.hq", "modes.kl"]);
});

Deno.test("renderMarkdown shows mean ± std, arrows and divergence", () => {
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1, 4),
    result("gan", 1, 2, 2),
    result("wgan", 0, 0, 0, true),
  ]);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /\| rank \| variant \| modes ↑ \| hq ↑ \| KL ↓ \|/);
  assert.match(markdown, /\| 1 \| gan \| 3\.000 ± 1\.414 \| 0\.500 ± 0\.000 \| 1\.500 ± 0\.707 \|/);
  assert.match(markdown, /\| 2 \| wgan \| — \| — \| — \| — \| 1\/1 \(step 42\) \| 0 \|/);
});

Deno.test("renderCsv writes one line per row with mean, std and n per figure", () => {
  const board = buildLeaderboard(INFO, [result("gan", 0, 1, 4), result("gan", 1, 2, 2)]);
  const [header, line] = renderCsv(board).trim().split("\n");
  assert.match(
    header,
    /^suite,profile,dataset,rank,variant,seeds,diverged,modes\.covered_mean,modes\.covered_std/,
  );
  assert.match(line, /^mixtures,quick,ring8,1,gan,2,0,3,1\.41421356/);
});

Deno.test("formatSummary avoids negative zero and uses exponents for tiny values", () => {
  assert.equal(formatSummary({ mean: -0.0001, std: 0.00005, n: 2 }), "-1.00e-4 ± 5.00e-5");
  assert.equal(formatSummary({ mean: -0.0000, std: 0, n: 2 }), "0.000 ± 0.000");
  assert.equal(formatSummary(undefined), "—");
});

Deno.test("buildLeaderboard reports divergence rate, seed spread and the best-vs-last gap", () => {
  const late = result("gan", 2, 1.5, 3);
  late.evals = [{ step: 0, seconds: 0, metrics: { "modes.kl": 2 } }, {
    step: 50,
    seconds: 1,
    metrics: { "modes.kl": 0.5 },
  }, {
    step: 100,
    seconds: 2,
    metrics: { "modes.kl": 1.5 },
  }];
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1.5, 4),
    late,
    result("gan", 1, 0, 0, true),
  ]);
  const row = board.rows[0];
  assert.ok(Math.abs(row.divergenceRate - 1 / 3) < 1e-12);
  assert.deepEqual(row.primarySpread, { std: 0, cv: 0 });
  // Seed 0 ends at its best (gap 0); seed 2 ends 1.0 above its best 0.5: mean gap 0.5.
  assert.equal(row.bestLastGap, 0.5);
});

Deno.test("formatSummary writes a std that is float noise next to an ordinary mean as 0.000", () => {
  assert.equal(formatSummary({ mean: 1.024, std: 1.36e-16, n: 3 }), "1.024 ± 0.000");
  assert.equal(formatSummary({ mean: 8.47e-21, std: 0, n: 3 }), "8.47e-21 ± 0.000");
});

Deno.test("samplesNote names the final figures' sample count apart from the evaluations'", () => {
  assert.equal(
    samplesNote({ evalSamples: [2500], finalSamples: [2500] }),
    "; 2500 generated samples per evaluation",
  );
  assert.equal(
    samplesNote({ evalSamples: [1000], finalSamples: [5000] }),
    "; 5000 generated samples for the final figures, 1000 per evaluation before",
  );
  assert.equal(samplesNote({ evalSamples: [1], finalSamples: [1] }), "");
  const board = buildLeaderboard(
    INFO,
    [result("a", 0, 0.1, 8), result("a", 1, 0.2, 8)].map((r) => ({
      ...r,
      config: { ...r.config, finalSamples: 10000 },
    })),
  );
  assert.match(renderMarkdown(board), /10000 generated samples for the final figures, 2500 per/);
});
