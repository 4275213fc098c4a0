import assert from "node:assert/strict";
import type { CellResult } from "../runner/store.ts";
import { writeResult } from "../runner/store.ts";
import { type Finding, FindingSchema } from "../runner/replication_section.ts";
import { buildMatrix } from "../runner/cells.ts";
import { loadSuite } from "../runner/suite.ts";
import {
  collectReplications,
  judgeFinding,
  linkReplicationPage,
  measure,
  type Measured,
  notConvergedReason,
  paperInterval,
  protocolDifferences,
  replicationPage,
} from "./replication.ts";

/** A finding of three rows on one figure, the paper's values as given (10 runs). */
function finding(extra: Partial<Finding> = {}): Finding {
  return FindingSchema.parse({
    id: "t",
    claim: "packing helps",
    source: { paper: "P", table: "Table 1", page: "3" },
    dataset: "ring",
    runs: 10,
    columns: [{ figure: "modes.covered", label: "modes" }],
    rows: [
      { variant: "a", label: "A", paper: { "modes.covered": { mean: 6, se: 0.5 } } },
      { variant: "b", label: "B", paper: { "modes.covered": { mean: 8, se: 0.1 } } },
      { variant: "c", label: "C", paper: { "modes.covered": { mean: 7.95, se: 0.1 } } },
    ],
    ...extra,
  });
}

/** Our measurements: a mean per variant over 5 seeds, mean + spread·(−2, −1, 0, 1, 2). */
function ours(means: Record<string, number | undefined>, spread = 0.01) {
  return (variant: string): Measured | undefined =>
    means[variant] === undefined ? undefined : {
      n: 5,
      mean: means[variant]!,
      values: [-2, -1, 0, 1, 2].map((k) => means[variant]! + spread * k),
      se: 0.1,
      interval: [0, 0],
      diverged: 0,
    };
}

const verdicts = (f: Finding, means: Record<string, number | undefined>) =>
  Object.fromEntries(judgeFinding(f, ours(means)).map((j) => [j.variant, j.verdict]));

Deno.test("paperInterval() is mean ± t(runs − 1)·se, a stated interval as it is, percent scaled to shares", () => {
  const [low, high] = paperInterval({ mean: 6.3, se: 0.5 }, 10);
  assert.ok(
    Math.abs(low - (6.3 - 2.262157 * 0.5)) < 1e-6 && Math.abs(high - (6.3 + 2.262157 * 0.5)) < 1e-6,
  );
  assert.deepEqual(paperInterval({ low: 8, high: 8 }, undefined), [8, 8]);
  const [pl, ph] = paperInterval({ mean: 98.2, se: 0 }, 10, "percent");
  assert.ok(Math.abs(pl - 0.982) < 1e-12 && Math.abs(ph - 0.982) < 1e-12);
});

Deno.test("a mean inside the paper's interval is within it, at its bounds too", () => {
  // A's interval: 6 ± 1.131; B's 8 ± 0.226.
  assert.deepEqual(verdicts(finding(), { a: 6.9, b: 8.2, c: 7.9 }), {
    a: "within the paper's interval",
    b: "within the paper's interval",
    c: "within the paper's interval",
  });
  const [, high] = paperInterval({ mean: 6, se: 0.5 }, 10);
  assert.equal(verdicts(finding(), { a: high, b: 8, c: 8 }).a, "within the paper's interval");
});

Deno.test("outside the interval but ordered as the paper orders the rows it separates: same ordering", () => {
  // The paper separates A from B and from C (disjoint intervals), not B from C.
  const v = verdicts(finding(), { a: 3, b: 7.5, c: 7.2 });
  assert.equal(v.a, "same ordering", "A below B and C, as in the paper");
  assert.equal(v.b, "same ordering", "B above A; B vs C is not separated by the paper");
  assert.equal(v.c, "same ordering");
  const j = judgeFinding(finding(), ours({ a: 3, b: 7.5, c: 7.2 })).find((x) => x.variant === "a")!;
  assert.match(
    j.reason,
    /outside the paper's interval; as in the paper and separated \(exact permutation tests, Holm over the 3 pairs of this figure\): below B, below C/,
  );
});

Deno.test("ordered as in the paper but not separated by the leaderboards' test: not separated", () => {
  // 5 seeds each, spread 1: A's seeds 1..5 and B's 2..6 overlap, so the exact permutation test
  // cannot separate them, however the means are ordered.
  const judged = judgeFinding(finding(), ours({ a: 3, b: 4, c: 4 }, 1));
  const v = Object.fromEntries(judged.map((j) => [j.variant, j.verdict]));
  assert.equal(v.a, "not separated");
  assert.match(judged.find((j) => j.variant === "a")!.reason, /not separate at family-wise 0.05/);
  // Completely separated 5 vs 5 seeds: p = 2/252 per pair, Holm × 3 = 0.024 ≤ 0.05.
  assert.equal(verdicts(finding(), { a: 3, b: 7.5, c: 7.2 }).a, "same ordering");
  // With 2 seeds per row no split gives p below 1/3: nothing can be separated.
  const two = (variant: string) => {
    const m = { a: 3, b: 7.5, c: 7.2 }[variant]!;
    return { n: 2, mean: m, values: [m - 0.01, m + 0.01], diverged: 0 };
  };
  assert.deepEqual(judgeFinding(finding(), two).map((j) => j.verdict), [
    "not separated",
    "not separated",
    "not separated",
  ]);
});

Deno.test("a row below the suite's convergence threshold is 'not converged', whatever its figures", () => {
  const judged = judgeFinding(finding(), ours({ a: 6, b: 8, c: 7.95 }), {
    notConverged: (variant) => (variant === "a" ? "hq 0.16 < 0.5" : undefined),
  });
  const v = Object.fromEntries(judged.map((j) => [j.variant, j.verdict]));
  assert.deepEqual(v, {
    a: "not converged",
    b: "within the paper's interval",
    c: "within the paper's interval",
  });
  assert.match(judged[0].reason, /hq 0.16 < 0.5/);
  const results = [0, 1].flatMap((seed) => [
    result("a", seed, { "modes.hq": 0.1 + seed * 0.1 }),
    result("b", seed, { "modes.hq": 0.9 }),
  ]);
  assert.equal(notConvergedReason(results, "ring", "a"), "hq 0.15 < 0.5");
  assert.equal(notConvergedReason(results, "ring", "b"), undefined);
});

Deno.test("an order the paper separates and ours reverses differs; a row the paper separates from none differs", () => {
  const v = verdicts(finding(), { a: 9, b: 7.5, c: 7.9 });
  assert.equal(v.a, "differs", "A above B and C, where the paper has it below");
  assert.equal(v.b, "differs");
  assert.equal(v.c, "within the paper's interval");
  const lone = finding({
    rows: [
      { variant: "a", label: "A", paper: { "modes.covered": { mean: 6, se: 1 } } },
      { variant: "b", label: "B", paper: { "modes.covered": { mean: 6.5, se: 1 } } },
    ],
  });
  const j = judgeFinding(lone, ours({ a: 20, b: 21 }));
  assert.deepEqual(j.map((x) => x.verdict), ["differs", "differs"]);
  assert.match(j[0].reason, /separates it from no other row/);
});

Deno.test("a stated order needs no numbers: it decides rows the paper gives no interval for", () => {
  const stated = FindingSchema.parse({
    id: "toy",
    claim: "WGAN-GP finds every mode; WGAN does less well",
    source: { paper: "G", figure: "Figure 1", page: "4" },
    dataset: "eight",
    columns: [{ figure: "modes.covered", label: "modes" }, { figure: "modes.mass", label: "mass" }],
    rows: [
      { variant: "wgan-gp", label: "WGAN-GP", paper: { "modes.covered": { low: 8, high: 8 } } },
      { variant: "wgan", label: "WGAN" },
    ],
    orderings: [{ figure: "modes.mass", higher: "wgan-gp", lower: "wgan" }],
  });
  const judge = (covered: Record<string, number>, mass: Record<string, number>) =>
    judgeFinding(
      stated,
      (variant, column) => ours(column.figure === "modes.covered" ? covered : mass)(variant),
    ).map((j) => `${j.variant} ${j.figure}: ${j.verdict}`);
  assert.deepEqual(judge({ "wgan-gp": 8, wgan: 6 }, { "wgan-gp": 0.9, wgan: 0.5 }), [
    "wgan-gp modes.covered: within the paper's interval",
    "wgan-gp modes.mass: same ordering",
    "wgan modes.mass: same ordering",
  ]);
  assert.deepEqual(judge({ "wgan-gp": 7.6, wgan: 8 }, { "wgan-gp": 0.4, wgan: 0.5 }), [
    "wgan-gp modes.covered: differs",
    "wgan-gp modes.mass: differs",
    "wgan modes.mass: differs",
  ]);
});

Deno.test("a row without results is 'no result', and rows without results decide no order", () => {
  const v = verdicts(finding(), { a: 3, b: undefined, c: 7 });
  assert.equal(v.b, "no result");
  assert.equal(v.a, "same ordering", "A below C, as in the paper; B is not counted");
});

/** A stored result of `variant` with `final` figures. */
function result(
  variant: string,
  seed: number,
  final: Record<string, number>,
  status = "completed",
) {
  return {
    hash: "h",
    config: { dataset: "ring", variant, seed, backend: "cpu" },
    status,
    final,
  } as unknown as CellResult;
}

Deno.test("measure() averages the seeds, leaves diverged ones out unless the column counts them", () => {
  const results = [
    result("a", 0, { "x": 1 }),
    result("a", 1, { "x": 3 }),
    result("a", 2, {}, "diverged"),
    result("b", 0, { "x": 5 }),
  ];
  const a = measure(results, "ring", "a", { figure: "x" })!;
  assert.equal(a.n, 2);
  assert.equal(a.mean, 2);
  assert.ok(Math.abs(a.se! - 1) < 1e-12);
  assert.equal(a.diverged, 1);
  assert.deepEqual(a.interval!.map((v) => Math.round(v * 1e4) / 1e4), [2 - 12.7062, 2 + 12.7062]);
  assert.equal(measure(results, "ring", "a", { figure: "x", divergedAs: 0 })!.mean, 4 / 3);
  assert.deepEqual(measure(results, "ring", "b", { figure: "x" }), {
    n: 1,
    mean: 5,
    values: [5],
    diverged: 0,
  });
  assert.equal(measure(results, "grid", "a", { figure: "x" }), undefined);
});

Deno.test("the replication page sets smoke results beside the paper's, states the budget difference, and rebuilds identically", async () => {
  const dir = await Deno.makeTempDir();
  const suite = loadSuite("pacgan");
  // Constructed results at the smoke profile: every variant covers 8 modes on the ring.
  for (const cell of buildMatrix(suite, { profile: "smoke", backend: "cpu" })) {
    await writeResult(dir, {
      hash: cell.hash,
      config: cell.config,
      status: "completed",
      steps: cell.config.budget.steps,
      final: {
        "modes.covered": cell.config.dataset === "pacgan-ring8" ? 8 : 25,
        "modes.hq": 0.95,
        "modes.kl": 0.05,
      },
      curves: [],
      evals: [],
      timing: { wallSeconds: 1, trainSeconds: 1, evalSeconds: 0, stepsPerSecond: 1 },
      environment: {} as CellResult["environment"],
      finishedAt: "2025-01-01T00:00:00Z",
    });
  }
  const replications = await collectReplications(dir);
  assert.deepEqual(replications.map((r) => r.suite.name), ["pacgan"]);
  const differences = protocolDifferences(
    suite,
    suite.replication!,
    replications[0].profiles[0].results,
  );
  assert.ok(
    differences.includes("budget.steps: 20 here, 400000 in the paper's protocol (profile paper)"),
    differences.join("\n"),
  );
  assert.ok(differences.includes("seeds: 1 per row here, 10 runs in the paper"));
  const page = replicationPage(replications);
  assert.equal(page, replicationPage(await collectReplications(dir)));
  assert.match(page, /Table 1 \(2-D ring\)/);
  // GAN's 8 modes lie above its interval (6.3 ± 1.13), and the paper has it below PacGAN2-4,
  // which one seed per row cannot separate: not separated. PacGAN2-4's 8 lie within theirs
  // (e.g. 7.9 ± 0.23).
  const ring = judgeFinding(
    suite.replication!.findings[0],
    (variant, column) =>
      measure(replications[0].profiles[0].results, "pacgan-ring8", variant, column),
  );
  const modes = Object.fromEntries(
    ring.filter((j) => j.figure === "modes.covered").map((j) => [j.variant, j.verdict]),
  );
  assert.deepEqual(modes, {
    gan: "not separated",
    pacgan2: "within the paper's interval",
    pacgan3: "within the paper's interval",
    pacgan4: "within the paper's interval",
  });
  assert.match(page, /data-finding="pacgan-table1-ring"/);
  assert.match(
    linkReplicationPage("<h1>x</h1>\n<p>y</p>"),
    /<h1>x<\/h1>\n<p><a href="replication.html">/,
  );
  await Deno.remove(dir, { recursive: true });
});
