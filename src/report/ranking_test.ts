import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { bootstrapDifference, rankWithTies } from "./ranking.ts";

Deno.test("bootstrapDifference brackets 0 for overlapping seeds and excludes it for separated ones", () => {
  const [low, high] = bootstrapDifference([1, 2, 3], [1.5, 2.5, 3.5], new Rng(0));
  assert.ok(low < 0 && high > 0, `${low} ${high}`);
  const [far, farther] = bootstrapDifference([1, 1.1, 0.9], [5, 5.1, 4.9], new Rng(0));
  assert.ok(far > 3.5 && farther < 4.5, `${far} ${farther}`);
});

Deno.test("rankWithTies gives competition ranks with = for rows that are not significantly apart", () => {
  const ranks = rankWithTies([[0.10, 0.11, 0.09], [0.12, 0.10, 0.13], [0.9, 1.0, 0.95], [
    2,
    2.1,
    1.9,
  ], undefined]);
  assert.deepEqual(ranks.map((r) => r.label), ["=1", "=1", "3", "4", "5"]);
  assert.deepEqual(ranks.map((r) => r.rank), [1, 1, 3, 4, 5]);
});

Deno.test("rankWithTies compares with the first row of a tie group, so ties do not chain, and is deterministic", () => {
  // B ties A; C is not significantly apart from B but is from A, so C does not join the group.
  const values = [[1, 1.1, 1.2], [0.9, 1.7, 1.3], [1.5, 1.8, 1.65], [5, 5.1, 4.9]];
  const first = rankWithTies(values);
  assert.deepEqual(first.map((r) => r.label), ["=1", "=1", "3", "4"]);
  assert.deepEqual(rankWithTies(values), first);
  assert.deepEqual(rankWithTies([[1], [1], [2]]).map((r) => r.label), ["=1", "=1", "3"]);
});
