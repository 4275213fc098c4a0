/** The two keys of a cell, and the committed results read under them. */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { parseSuite } from "./suite.ts";
import { buildMatrix, type Cell, type CellConfig } from "./cells.ts";
import {
  compareResult,
  legacyHash,
  scoringConfig,
  scoringKey,
  trainingConfig,
  trainingHash,
} from "./cell_keys.ts";
import { listResultFiles, listSuiteDirs, readResult } from "./store.ts";
import { loadSuite } from "./suite.ts";
import { TEST_SUITE } from "../../testing/suites.ts";
import { TINY_SPREAD } from "../../testing/tiny/register.ts";

/** The first cell of the test suite at smoke, its profile changed by `profile`. */
function cellOf(change: (suite: typeof TEST_SUITE) => void = () => {}): Cell {
  const suite = structuredClone(TEST_SUITE);
  change(suite);
  return buildMatrix(parseSuite(JSON.stringify(suite), "t", "suites/t.json"), {
    profile: "smoke",
    backend: "cpu",
  })[0];
}

Deno.test("the training hash ignores the metric configuration and the scoring key ignores training", () => {
  const base = cellOf();
  const scoring = [
    cellOf((s) => s.metrics.push(TINY_SPREAD)),
    cellOf((s) => Object.assign(s.profiles.smoke, { evalSamples: 77 })),
    cellOf((s) => Object.assign(s.profiles.smoke, { finalSamples: 999 })),
  ];
  for (const cell of scoring) {
    assert.equal(cell.hash, base.hash);
    assert.notEqual(cell.scoreKey, base.scoreKey);
  }
  const training = [
    cellOf((s) => Object.assign(s.profiles.smoke, { steps: 11 })),
    cellOf((s) => Object.assign(s.profiles.smoke, { batchSize: 4 })),
    cellOf((s) => Object.assign(s.profiles.smoke, { lrG: 2e-3 })),
    // The evaluation schedule fixes which steps' generators are stored.
    cellOf((s) => Object.assign(s.profiles.smoke, { evalEvery: 2 })),
    cellOf((s) => s.variants.splice(0, 1, "lsgan")),
    cellOf((s) => Object.assign(s, { version: 2 })),
  ];
  for (const cell of training) {
    assert.notEqual(cell.hash, base.hash);
    assert.equal(cell.scoreKey, base.scoreKey);
  }
  const other = buildMatrix(parseSuite(JSON.stringify(TEST_SUITE), "t", "suites/t.json"), {
    profile: "smoke",
    backend: "wasm",
  })[0];
  assert.notEqual(other.hash, base.hash, "the backend is part of training");
});

Deno.test("trainingConfig and scoringConfig split a configuration without losing a field", () => {
  const { config } = cellOf((s) => Object.assign(s.profiles.smoke, { finalSamples: 999 }));
  const training = trainingConfig(config);
  const scoring = scoringConfig(config);
  const located = ["suite", "profile", "variant"];
  const covered = new Set([...Object.keys(training), ...located, "metrics", "evalSamples"]);
  if (scoring.finalSamples) covered.add("finalSamples");
  assert.deepEqual([...covered].sort(), Object.keys(config).sort());
  assert.deepEqual(scoring.metrics, { modes: 1 });
  assert.equal(
    trainingHash(config),
    cellOf((s) => Object.assign(s.profiles.smoke, { finalSamples: 999 })).hash,
  );
  assert.equal(scoringKey(scoring).length, 16);
});

Deno.test("compareResult tells current, stale and other results apart, old single-hash results included", () => {
  const cell = cellOf();
  const added = cellOf((s) => s.metrics.push(TINY_SPREAD));
  const now = { hash: cell.hash, scoreKey: cell.scoreKey, config: cell.config };
  assert.equal(compareResult(now, cell), "current");
  assert.equal(compareResult(now, added), "stale");
  assert.equal(
    compareResult(now, cellOf((s) => Object.assign(s.profiles.smoke, { steps: 30 }))),
    "other",
  );
  assert.equal(compareResult(undefined, cell), "other");
  // Written before the split: one hash of the whole configuration, no scoring key.
  const old = { hash: legacyHash(cell.config), config: cell.config as CellConfig };
  assert.equal(compareResult(old, cell), "current");
  assert.equal(compareResult(old, added), "stale", "same training, a metric added");
  assert.equal(compareResult({ ...old, hash: "0123456789abcdef" }, added), "stale");
  assert.equal(
    compareResult({ hash: "x", config: { suite: "t" } as unknown as CellConfig }, cell),
    "other",
    "an incomplete configuration is never re-scored",
  );
});

Deno.test("every committed result is current under the two keys, as a fresh clone's bench reuses it", async () => {
  let checked = 0;
  for (const [suiteName, profile] of await listSuiteDirs("results")) {
    const suite = loadSuite(suiteName);
    const files = await listResultFiles(`results/${suiteName}/${profile}`);
    const backends = new Set<string>();
    const results = await Promise.all(files.map(async (file) => (await readResult(file))!));
    for (const result of results) backends.add(result.config.backend);
    const cells = new Map<string, Cell>();
    for (const backend of backends) {
      for (const cell of buildMatrix(suite, { profile: profile as never, backend })) {
        const c = cell.config;
        cells.set(`${c.dataset}__${c.variant}__seed${c.seed}/${backend}`, cell);
      }
    }
    for (const [i, result] of results.entries()) {
      const cell = cells.get(`${basename(files[i], ".json")}/${result.config.backend}`);
      assert.ok(cell, `${files[i]} is a cell of its suite`);
      assert.equal(compareResult(result, cell), "current", files[i]);
      checked++;
    }
  }
  assert.ok(checked >= 296, `236 quick and 60 replicate cells, got ${checked}`);
});
