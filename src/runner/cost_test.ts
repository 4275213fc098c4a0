import assert from "node:assert/strict";
import type { Cell, CellConfig } from "./cells.ts";
import {
  estimateCost,
  estimateRun,
  formatHours,
  type Measurement,
  projectCell,
  renderCost,
} from "./cost.ts";
import { loadSuite } from "./suite.ts";

/** A cell config of `dataset` and `variant` with `steps` steps, evaluated every `evalEvery`. */
function config(
  options: {
    dataset?: string;
    variant?: string;
    steps?: number;
    evalEvery?: number;
    hidden?: number;
  },
): CellConfig {
  const { dataset = "ring8", variant = "gan", steps = 1000, evalEvery = 250, hidden = 8 } = options;
  return {
    suite: "s",
    profile: "paper",
    dataset,
    variant,
    backend: "wasm",
    model: { hidden },
    budget: { steps, batchSize: 64, logEvery: 10, evalEvery },
    seed: 0,
  } as unknown as CellConfig;
}

function cell(options: Parameters<typeof config>[0] = {}): Cell {
  return { hash: "h", scoreKey: "s", config: config(options) };
}

/** A measurement at another profile (fewer steps, another seed) of the same configuration. */
function measured(options: Parameters<typeof config>[0], rate: Partial<Measurement>): Measurement {
  return {
    config: { ...config({ ...options, steps: 100 }), profile: "quick", seed: 3 },
    stepsPerSecond: 10,
    evalSeconds: 2,
    otherSeconds: 5,
    ...rate,
  };
}

Deno.test("a cell's projected seconds are its steps over the median measured rate plus its evaluations and the time outside both", () => {
  const rates = [4, 10, 40].map((stepsPerSecond) => measured({}, { stepsPerSecond }));
  // 1000 steps at 10 steps/s, 5 evaluations (0, 250, 500, 750, 1000) of 2 s, 5 s besides.
  assert.deepEqual(projectCell(cell(), rates), { seconds: 100 + 10 + 5, match: "measured" });
  // 1000 steps evaluated every 300: at 0, 300, 600, 900 and the last step.
  assert.equal(projectCell(cell({ evalEvery: 300 }), rates).seconds, 100 + 5 * 2 + 5);
});

Deno.test("a cell takes its rate from the same configuration, else roughly from its dataset and variant, else has none", () => {
  const rates = [
    measured({ hidden: 8 }, { stepsPerSecond: 10 }),
    measured({ hidden: 64 }, { stepsPerSecond: 1 }),
  ];
  assert.equal(projectCell(cell({ hidden: 8 }), rates).match, "measured");
  assert.equal(projectCell(cell({ hidden: 8 }), rates).seconds, 115);
  const rough = projectCell(cell({ hidden: 32 }), rates);
  assert.equal(rough.match, "rough");
  assert.equal(rough.seconds, 1000 / 5.5 + 10 + 5, "the median of both");
  const none = projectCell(cell({ variant: "wgan" }), rates);
  assert.equal(none.match, "none");
  assert.ok(Number.isNaN(none.seconds));
});

Deno.test("the wall time splits the cells k mod N over shards, runs a shard's cells a core each, and queues the shards on the nodes", () => {
  // Cells of one hour each: 3,600 steps at 1 step/s, evaluated at steps 0 and 3,600 for free.
  const hour = cell({ steps: 3600, evalEvery: 3600 });
  const rates = [measured({ steps: 3600, evalEvery: 3600 }, {
    stepsPerSecond: 1,
    evalSeconds: 0,
    otherSeconds: 0,
  })];
  const cells = Array.from({ length: 8 }, () => hour);
  const cost = (nodes: number, cores: number, shards: number) =>
    estimateCost(cells, rates, { nodes, cores, shards });
  assert.equal(cost(1, 1, 1).coreHours, 8);
  assert.equal(cost(1, 1, 1).wallHours, 8);
  assert.equal(cost(4, 1, 4).wallHours, 2, "4 shards of 2 cells on 4 one-core nodes");
  assert.equal(cost(4, 2, 4).wallHours, 1, "each shard's 2 cells at once");
  assert.equal(cost(2, 2, 4).wallHours, 2, "4 shards on 2 nodes: two rounds");
  assert.equal(cost(3, 1, 3).wallHours, 3, "shards of 3, 3 and 2 cells");
  assert.equal(cost(8, 16, 8).wallHours, 1, "no split ends before the longest cell");
  assert.equal(cost(8, 16, 8).longestCellHours, 1);
  const partial = estimateCost([...cells, cell({ variant: "unmeasured" })], rates, {
    nodes: 1,
    cores: 1,
    shards: 1,
  });
  assert.deepEqual(partial.matches, { measured: 8, rough: 0, none: 1 });
  assert.equal(partial.coreHours, 8, "a cell with no rate is not counted");
  assert.match(
    renderCost(partial),
    /^Projected cost: 9 cells, 8\.0 core-hours; 8 h 0 min wall on 1 node × 1 core/,
  );
  assert.match(renderCost(partial), /not counted, no stored timing: s\/ring8\/unmeasured\/wasm/);
});

Deno.test("formatHours() reads seconds, minutes, hours and days", () => {
  assert.equal(formatHours(10 / 3600), "10 s");
  assert.equal(formatHours(0.75), "45 min");
  assert.equal(formatHours(3.5), "3 h 30 min");
  assert.equal(formatHours(60), "2.5 days");
});

Deno.test("the replications' paper profiles are projected from the committed replicate results, every cell at its own configuration", async () => {
  for (const name of ["pacgan", "wgan-gp-toy"]) {
    const suite = loadSuite(name);
    const estimate = await estimateRun([suite], {
      profile: "paper",
      backend: "wasm",
      resultsDir: "results",
    }, { nodes: 1, cores: 1, shards: 1 });
    assert.ok(estimate.cells > 0);
    assert.deepEqual(estimate.matches, { measured: estimate.cells, rough: 0, none: 0 }, name);
    assert.ok(estimate.coreHours > estimate.longestCellHours, name);
  }
});

Deno.test("cells grouped in lockstep take the rate measured in groups of their size, and a group holds one core for all its cells", () => {
  const hour = cell({ steps: 3600, evalEvery: 3600 });
  const timing = { evalSeconds: 0, otherSeconds: 0 };
  const rates = [
    measured({ steps: 3600, evalEvery: 3600 }, { ...timing, stepsPerSecond: 1, lockstep: 1 }),
    // Trained 4 at a time: 2 steps a second per seed.
    measured({ steps: 3600, evalEvery: 3600 }, { ...timing, stepsPerSecond: 2, lockstep: 4 }),
    measured({ steps: 3600, evalEvery: 3600 }, { ...timing, stepsPerSecond: 2, lockstep: 4 }),
  ];
  const cells = Array.from({ length: 4 }, (_, seed) => ({
    ...hour,
    config: { ...hour.config, seed },
  }));
  const cluster = { nodes: 1, cores: 4, shards: 1 };
  const together = estimateCost(cells, rates, cluster, (shard) => [shard]);
  assert.equal(together.coreHours, 2, "4 cells at the group rate: half an hour each");
  assert.equal(together.wallHours, 2, "one group, one core, its cells one after the other");
  assert.equal(together.longestCellHours, 0.5);
  // Alone, each cell takes the rate measured alone: 1 step/s.
  const alone = estimateCost(cells, rates, cluster);
  assert.equal(alone.coreHours, 4);
  assert.equal(alone.wallHours, 1, "4 cells alone on 4 cores");
  // A group size no stored cell trained at takes the rate of the nearest stored size: pairs are
  // as near to 1 as to 4 (ratio 2), so both sizes' rates count (median of 1, 2, 2 steps/s); a
  // group of 3 takes the groups of 4's.
  const pairs = estimateCost(cells, rates, cluster, (shard) => [shard.slice(0, 2), shard.slice(2)]);
  assert.equal(pairs.coreHours, 2);
  assert.equal(pairs.wallHours, 1);
  const threes = estimateCost(
    cells,
    rates,
    cluster,
    (shard) => [shard.slice(0, 3), shard.slice(3)],
  );
  assert.equal(threes.coreHours, 0.5 * 3 + 1, "3 cells at 2 steps/s, the one alone at 1");
  assert.equal(threes.wallHours, 1.5);
});
