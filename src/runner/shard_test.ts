import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { buildMatrix, type Cell } from "./cells.ts";
import { parseShard, selectShard, shardOf } from "./shard.ts";
import { listSuiteNames, loadSuite, PROFILES, variantLabel } from "./suite.ts";

const id = (cell: Cell) => `${cell.config.dataset}/${cell.config.variant}/${cell.config.seed}`;

Deno.test("parseShard reads I/N and refuses a malformed value, N < 1 or I outside 0..N-1 with exit 2", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard("7/8"), { index: 7, count: 8 });
  const cases: [string, RegExp][] = [
    ["3", /^--shard must be I\/N, shard I of N with I from 0 to N-1 \(e\.g\. 0\/4\), got '3'$/],
    ["-1/4", /^--shard must be I\/N/],
    ["a/b", /^--shard must be I\/N/],
    ["1/2/3", /^--shard must be I\/N/],
    ["0/0", /^--shard: N must be at least 1, got '0\/0'$/],
    ["4/4", /^--shard: I must be from 0 to 3 \(N-1\), got '4\/4'$/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseShard(text),
      (error: Error) =>
        error instanceof UsageError && error.exitCode === 2 &&
        message.test(error.message),
      text,
    );
  }
});

Deno.test("the shards of every suite's cell list are disjoint, cover it, differ in size by at most one and mix variants", () => {
  for (const name of listSuiteNames()) {
    const suite = loadSuite(name);
    for (const profile of PROFILES.filter((name) => name in suite.profiles)) {
      const cells = buildMatrix(suite, { profile, backend: "cpu" });
      for (const count of [1, 2, 3, 4, 7, cells.length + 2]) {
        const shards = Array.from(
          { length: count },
          (_, index) => selectShard(cells, { index, count }),
        );
        const all = shards.flat().map(id);
        assert.equal(all.length, cells.length, `${name}/${profile} N=${count}: covered once`);
        assert.deepEqual(new Set(all), new Set(cells.map(id)));
        const sizes = shards.map((shard) => shard.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${name}/${profile} N=${count}`);
        const variants = new Set(suite.variants.map(variantLabel));
        const perCell = cells.length / variants.size;
        if (variants.size > 1 && shards.every((shard) => shard.length > perCell)) {
          for (const shard of shards) {
            assert.ok(new Set(shard.map((c) => c.config.variant)).size > 1, "mixes variants");
          }
        }
      }
    }
  }
});

Deno.test("a shard's cells depend on the cell list only, not on the backend; cell k goes to shard k mod N", () => {
  const suite = loadSuite("mixtures");
  const onCpu = buildMatrix(suite, { profile: "smoke", backend: "cpu" });
  const onWasm = buildMatrix(suite, { profile: "smoke", backend: "wasm" });
  for (let index = 0; index < 4; index++) {
    assert.deepEqual(
      selectShard(onCpu, { index, count: 4 }).map(id),
      selectShard(onWasm, { index, count: 4 }).map(id),
    );
  }
  const shard = selectShard(onCpu.map((_, k) => k), { index: 2, count: 4 });
  assert.ok(shard.every((k) => shardOf(k, 4) === 2 && k % 4 === 2));
  // A bench's suites are one list: each suite's part starts at its offset in it.
  const dirac = buildMatrix(loadSuite("dirac"), { profile: "smoke", backend: "cpu" });
  const shard1 = { index: 1, count: 3 };
  assert.deepEqual(
    selectShard([...dirac, ...onCpu], shard1).map(id),
    [...selectShard(dirac, shard1), ...selectShard(onCpu, shard1, dirac.length)].map(id),
  );
});
