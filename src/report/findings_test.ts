import assert from "node:assert/strict";
import type { CellResult } from "../runner/store.ts";
import { findingSentence, nameList } from "./findings.ts";
import { buildLeaderboard } from "./leaderboard.ts";

/** A completed cell of `dataset`/`variant` whose final figures are `final`. */
function cell(
  dataset: string,
  variant: string,
  seed: number,
  final: Record<string, number>,
  diverged = false,
): CellResult {
  return {
    hash: `${dataset}${variant}${seed}`,
    config: { dataset, variant, seed, backend: "wasm", evalSamples: 1, budget: { steps: 100 } },
    status: diverged ? "diverged" : "completed",
    ...(diverged ? { divergence: { step: 42, network: "D" } } : {}),
    final: diverged ? {} : final,
    curves: [],
    evals: [{ step: 100, seconds: 1, metrics: final }],
    timing: { wallSeconds: 2, trainSeconds: 1, evalSeconds: 1, stepsPerSecond: 100 },
    environment: { commit: "abc123" },
  } as unknown as CellResult;
}

/** One row's cells: one per KL value (seeds 0, 1, ...), with high-quality share `hq`. */
function row(dataset: string, variant: string, kl: number[], hq = 0.9) {
  return kl.map((value, seed) =>
    cell(dataset, variant, seed, { "modes.kl": value, "modes.hq": hq })
  );
}

const MIXTURES = { suite: "mixtures", profile: "quick", description: "", primary: "modes.kl" };
const eight = (centre: number) => Array.from({ length: 8 }, (_, i) => centre + i / 100);

Deno.test("nameList joins names and cuts long lists", () => {
  assert.equal(nameList(["a"]), "a");
  assert.equal(nameList(["a", "b"]), "a and b");
  assert.equal(nameList(["a", "b", "c"]), "a, b and c");
  assert.equal(nameList(["a", "b", "c", "d", "e", "f"]), "a, b, c, d and 2 more");
});

Deno.test("the finding names exactly the pairs the tests separate, and why the others are not", () => {
  const board = buildLeaderboard(MIXTURES, [
    ...row("ring8", "far-ahead", eight(0.1)),
    ...row("ring8", "behind", eight(1.0)),
    ...row("ring8", "overlapping", eight(1.005)),
    // 3 seeds each: clearly apart, but no split of 3 vs 3 reaches p ≤ 0.05.
    ...row("grid25", "low", [0.1, 0.11, 0.12]),
    ...row("grid25", "high", [2, 2.1, 2.2]),
  ]);
  const sentence = findingSentence(board);
  const ring8 = board.comparisons.find((c) => c.dataset === "ring8")!;
  const separated = ring8.pairs.filter((p) => p.better !== undefined);
  assert.equal(separated.length, 2, "the tests separate far-ahead from the two others");
  assert.match(
    sentence,
    /^On ring8, far-ahead is better than behind and overlapping; 1 of 3 pairs are not separated;/,
  );
  assert.match(
    sentence,
    new RegExp(
      `on grid25, 3 seeds per variant cannot tell the 2 variants apart \\(about ${
        board.comparisons[1].seedsNeeded
      } seeds each would be needed\\)`,
    ),
  );
  // The best mean is given only where nothing is separated (grid25), as the tables sort it.
  assert.match(sentence, /best mean KL: low on grid25 \(0\.110\)\.$/);
  assert.doesNotMatch(sentence, /low is better|behind is better|overlapping is better/);
});

Deno.test("the finding says when nothing is separated and names the rows the tables flag", () => {
  const board = buildLeaderboard(MIXTURES, [
    ...row("ring8", "gan", [0.5, 0.6, 0.7]),
    ...row("ring8", "wgan", [0.4, 0.9, 1.2], 0.2),
    cell("ring8", "wgan-gp", 0, {}, true),
    cell("ring8", "wgan-gp", 1, {}, true),
  ]);
  assert.equal(
    findingSentence(board),
    `3 seeds per variant cannot tell the 2 variants apart (about ${
      board.comparisons[0].seedsNeeded
    } seeds each would be needed); best mean KL: gan (0.600); wgan is marked not converged (hq < 0.5); wgan-gp diverges in every seed.`,
  );
});

Deno.test("the finding counts the variants that converge in every seed (Dirac-GAN)", () => {
  const dirac = (variant: string, distance: number, converged: number) =>
    [0, 1, 2].map((seed) =>
      cell("dirac", variant, seed, { "dirac.distance": distance, "dirac.converged": converged })
    );
  const board = buildLeaderboard(
    { suite: "dirac", profile: "quick", description: "", primary: "dirac.distance" },
    [...dirac("gan-r1", 1e-20, 1), ...dirac("gan", 1.3, 0), ...dirac("wgan", 1.0, 0)],
  );
  assert.match(findingSentence(board), /; gan-r1 converge in every seed \(1 of 3\), 2 in none\.$/);
});

Deno.test("datasets with the same outcome share one clause", () => {
  const board = buildLeaderboard(MIXTURES, [
    ...row("ring8", "gan", [0.5, 0.6, 0.7], 0.1),
    ...row("ring8", "wgan", [0.4, 0.9, 1.2], 0.1),
    ...row("grid25", "gan", [0.5, 0.6, 0.7], 0.1),
    ...row("grid25", "wgan", [0.1, 0.2, 0.3], 0.1),
  ]);
  const sentence = findingSentence(board);
  assert.match(sentence, /^On both datasets, 3 seeds per variant cannot tell the 2 variants apart/);
  assert.match(sentence, /best mean KL: gan on ring8 \(0\.600\) and wgan on grid25 \(0\.200\)/);
  assert.match(
    sentence,
    /; on both datasets, every variant is marked not converged \(hq < 0\.5\)\.$/,
  );
});

Deno.test("the finding of a single seed per variant says so in the singular", () => {
  const board = buildLeaderboard(MIXTURES, [
    ...row("ring8", "gan", [0.5]),
    ...row("ring8", "wgan", [0.4]),
  ]);
  assert.match(findingSentence(board), /^1 seed per variant cannot tell the 2 variants apart/);
});
