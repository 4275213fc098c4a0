/** The stored generators' file: what is kept, the round trip, and the one-line refusals. */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import {
  ALL_POINTS_BYTES,
  type CheckpointIndex,
  CheckpointKeeper,
  NO_GENERATOR,
  readStoredGenerators,
  StoredGeneratorError,
} from "./checkpoints.ts";

await initBackend("cpu");

/** A network of one variable of `values`. */
function network(values: number[]) {
  return { variables: [tf.variable(tf.tensor1d(values))] };
}

/** Writes `keeper`'s file under a new folder; its index with `file` set. */
async function store(keeper: CheckpointKeeper) {
  const dir = await Deno.makeTempDir();
  const { bytes, index } = keeper.encode()!;
  await Deno.writeFile(join(dir, "g.bin"), bytes);
  return { dir, index: { file: "g.bin", ...index } as CheckpointIndex };
}

Deno.test("a keeper keeps every evaluation while they fit, and restores each exactly", async () => {
  const keeper = new CheckpointKeeper({ evaluations: 3 });
  const values = [[0.1, -2.5], [Math.PI, 1e-30], [-0, 7]];
  for (const [step, v] of values.entries()) {
    keeper.keep(await keeper.take(step * 10, { generator: network(v) }), {});
  }
  const { dir, index } = await store(keeper);
  const stored = await readStoredGenerators(dir, index, "cell");
  assert.deepEqual(stored.steps, [0, 10, 20]);
  const target = network([0, 0]);
  for (const [step, v] of values.entries()) {
    stored.restore(step * 10, { generator: target }, "cell");
    assert.deepEqual([...target.variables[0].dataSync()], [...Float32Array.from(v)]);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a keeper of networks too large for every evaluation keeps the last and the best by the primary figure", async () => {
  const size = ALL_POINTS_BYTES / 4 / 2 + 1; // two evaluations' worth is already too much
  const keeper = new CheckpointKeeper({
    evaluations: 4,
    primary: { key: "kl", higherIsBetter: false },
  });
  for (const [step, kl] of [[0, 3], [1, 0.5], [2, 0.7], [3, 0.9]]) {
    keeper.keep(await keeper.take(step, { generator: network(new Array(size).fill(step)) }), {
      kl,
    });
  }
  assert.deepEqual(keeper.snapshots().map((s) => s.step), [1, 3]);
});

Deno.test("no index, a malformed index, a missing file and a changed file are each one line", async () => {
  const keeper = new CheckpointKeeper({ evaluations: 1 });
  keeper.keep(await keeper.take(0, { generator: network([1, 2, 3]) }), {});
  const { dir, index } = await store(keeper);
  const refusal = async (index: CheckpointIndex | undefined) => {
    const error = await readStoredGenerators(dir, index, "ring8 gan seed 0").then(
      () => undefined,
      (error) => error,
    );
    assert.ok(error instanceof StoredGeneratorError, String(error));
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  };
  assert.equal(await refusal(undefined), `ring8 gan seed 0: ${NO_GENERATOR}`);
  const beyond = structuredClone(index);
  beyond.points[0].networks.generator.offset = 2;
  assert.match(await refusal(beyond), /index in its result is malformed \(a network reaches past/);
  assert.match(
    await refusal({ ...index, dtype: "float16" as "float32" }),
    /malformed: dtype: /,
  );
  await Deno.writeFile(join(dir, "g.bin"), new Uint8Array(12));
  assert.match(await refusal(index), /'.*g\.bin' is corrupt \(12 bytes, sha256 \w+; its result/);
  await Deno.remove(join(dir, "g.bin"));
  assert.match(await refusal(index), /'.*g\.bin' is missing; --force retrains it$/);
  await Deno.remove(dir, { recursive: true });
});
