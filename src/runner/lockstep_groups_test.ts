import assert from "node:assert/strict";
import { LOCKSTEP_AUTO, LOCKSTEP_AUTO_BY_ARCHITECTURE } from "../train/lockstep.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { describeGroup, groupCells, lockstepSize, rowKey } from "./lockstep_groups.ts";
import { loadSuite } from "./suite.ts";

/** The mixtures suite's smoke cells of two variants, seeds 0-4 (the run's order). */
function cells(): Cell[] {
  return buildMatrix(loadSuite("mixtures"), {
    profile: "smoke",
    variants: ["nsgan", "wgan-gp"],
    seeds: [0, 1, 2, 3, 4],
    backend: "wasm",
  });
}

const anyConfig = () => undefined;

Deno.test("groupCells() puts a row's cells in groups of up to S, in the run's order, and never mixes rows", () => {
  const all = cells();
  const groups = groupCells(all, 2, anyConfig);
  const grouped = groups.flat();
  assert.equal(grouped.length, all.length);
  assert.equal(new Set(grouped).size, all.length, "every cell in exactly one group");
  for (const group of groups) {
    assert.ok(group.length >= 1 && group.length <= 2);
    assert.equal(new Set(group.map((cell) => rowKey(cell.config))).size, 1, "one row per group");
  }
  const rows = new Set(all.map((cell) => rowKey(cell.config)));
  // 5 seeds a row in groups of 2: 2 + 2 + 1.
  assert.equal(groups.length, 3 * rows.size);
  const firsts = groups.map((group) => all.indexOf(group[0]));
  assert.deepEqual(
    firsts,
    firsts.toSorted((a, b) => a - b),
    "groups in the order of their first cell",
  );
  for (const group of groups) {
    const seeds = group.map((cell) => cell.config.seed);
    assert.deepEqual(seeds, seeds.toSorted((a, b) => a - b));
  }
});

Deno.test("groupCells() leaves every cell alone at --lockstep 1 and where the configuration cannot train in lockstep", () => {
  const all = cells();
  assert.deepEqual(groupCells(all, 1, anyConfig), all.map((cell) => [cell]));
  const noWgan = (config: Cell["config"]) =>
    config.variant === "wgan-gp" ? "no lockstep for a penalty" : undefined;
  for (const group of groupCells(all, 8, noWgan)) {
    assert.equal(group.length, group[0].config.variant === "wgan-gp" ? 1 : 5);
  }
});

Deno.test("lockstepSize() is --lockstep, LOCKSTEP_AUTO without it, and 1 for a configuration the check refuses", () => {
  const [cell] = cells();
  assert.equal(lockstepSize(cell.config, 4, anyConfig), 4);
  assert.equal(lockstepSize(cell.config, undefined, anyConfig), LOCKSTEP_AUTO);
  assert.equal(lockstepSize(cell.config, 4, () => "no"), 1);
  assert.equal(lockstepSize(cell.config, 1, anyConfig), 1);
  // Without --lockstep, the architecture's own size where it has one.
  assert.equal(lockstepSize({ ...cell.config, architecture: "relu-mlp" }, undefined, anyConfig), 4);
  assert.equal(lockstepSize({ ...cell.config, architecture: "pacgan" }, undefined, anyConfig), 1);
  assert.equal(lockstepSize({ ...cell.config, architecture: "pacgan" }, 8, anyConfig), 8);
  for (const size of Object.values(LOCKSTEP_AUTO_BY_ARCHITECTURE)) {
    assert.ok(Number.isInteger(size) && size >= 1 && size <= LOCKSTEP_AUTO);
  }
});

Deno.test("describeGroup() names a group's row and its seeds, consecutive ones as a range", () => {
  const row = cells().filter((cell) =>
    cell.config.variant === "nsgan" && cell.config.dataset === "ring8"
  );
  assert.equal(describeGroup(row), "ring8 nsgan seeds 0-4");
  assert.equal(describeGroup([row[0], row[1], row[3]]), "ring8 nsgan seeds 0-1, 3");
  assert.equal(describeGroup([row[2]]), "ring8 nsgan seed 2");
});
