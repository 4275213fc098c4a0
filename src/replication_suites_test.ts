/**
 * The replication suites end to end at their smoke profile, through `main()` in this process
 * (--jobs 1): they train, their results carry the papers' protocol, and the site gets the
 * replication page. Also how the command line treats profiles a suite does not have.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain as run } from "../testing/cli.ts";

Deno.test("the replication suites run at smoke and the site sets the papers' figures beside theirs", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-replication-" });
  for (const suite of ["pacgan", "wgan-gp-toy"]) {
    const result = await run("suite", suite, "--profile", "smoke", "--jobs", "1", "--out", out);
    assert.equal(result.code, 0, result.stderr);
  }
  const cell = JSON.parse(
    await Deno.readTextFile(
      join(out, "pacgan", "smoke", "cells", "pacgan-grid25__pacgan3__seed0.json"),
    ),
  );
  assert.equal(cell.config.trainer, "pacgan");
  assert.equal(cell.config.model.discriminator.pack, 3);
  assert.deepEqual(
    [cell.config.hyper.lrD, cell.config.hyper.beta1, cell.config.budget.batchSize],
    [1e-4, 0.8, 100],
  );
  assert.equal(cell.evals.length, 3);
  assert.ok(Number.isFinite(cell.final["modes.covered"]));
  const toy = JSON.parse(
    await Deno.readTextFile(
      join(out, "wgan-gp-toy", "smoke", "cells", "wgan-gp-25gaussians__wgan-gp__seed0.json"),
    ),
  );
  assert.deepEqual(toy.config.regularisers, { "gradient-penalty": 0.1 });
  assert.deepEqual([toy.config.hyper.k, toy.config.hyper.beta1, toy.config.hyper.beta2], [
    5,
    0.5,
    0.9,
  ]);

  const page = await Deno.readTextFile(join(out, "replication.html"));
  for (
    const id of [
      "pacgan-table1-ring",
      "pacgan-table1-grid",
      "wgan-gp-8gaussians",
      "wgan-gp-25gaussians",
    ]
  ) {
    assert.match(page, new RegExp(`data-finding="${id}"`), id);
  }
  assert.match(
    page,
    /budget\.steps: 20 here, 400000 in the paper's protocol \(profile paper\)/,
  );
  assert.match(page, /budget\.steps: 4 here, 100000 in the paper/);
  assert.match(page, /6\.3 ± 0\.5/, "the paper's figure as printed");
  assert.match(await Deno.readTextFile(join(out, "index.html")), /href="replication.html"/);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a profile a suite does not have is a usage mistake; a bench takes the suites that have it", async () => {
  const missing = await run("suite", "pacgan", "--profile", "quick");
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    "ganbench: --profile: Suite 'pacgan' has no profile 'quick'. Its profiles: smoke, replicate, paper",
  );
  const plan = await run("plan", "--profile", "replicate", "--backend", "cpu", "--json");
  assert.equal(plan.code, 0, plan.stderr);
  const suites = new Set(JSON.parse(plan.stdout).cells.map((c: { suite: string }) => c.suite));
  assert.deepEqual([...suites].sort(), ["pacgan", "wgan-gp-toy"]);
  const cells = JSON.parse(plan.stdout).cells.length;
  // 2 datasets x 4 variants x 5 seeds, and 2 datasets x 2 variants x 5 seeds.
  assert.equal(cells, 40 + 20);
});
