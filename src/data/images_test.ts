import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../engine/rng.ts";
import { FASHION_TEST_PER_CLASS, loadFashion } from "./fashion.ts";
import { DatasetError, readVerified } from "./images.ts";
import { loadMnist, mnist, parseIdx } from "./mnist.ts";

function labelCounts(labels: Uint8Array): number[] {
  const counts = new Array(10).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

Deno.test("loadMnist reads 60k/10k 28x28 images with the published label counts", () => {
  const train = loadMnist("train");
  assert.deepEqual([train.count, train.height, train.width], [60000, 28, 28]);
  assert.equal(train.images.length, 60000 * 784);
  assert.deepEqual(labelCounts(train.labels), [
    5923,
    6742,
    5958,
    6131,
    5842,
    5421,
    5918,
    6265,
    5851,
    5949,
  ]);
  const test = loadMnist("test");
  assert.equal(test.count, 10000);
  assert.deepEqual(labelCounts(test.labels), [
    980,
    1135,
    1032,
    1010,
    982,
    892,
    958,
    1028,
    974,
    1009,
  ]);
});

Deno.test("the mnist dataset samples [-1, 1] images reproducibly", () => {
  const a = mnist.sample(16, new Rng(3));
  const b = mnist.sample(16, new Rng(3));
  assert.equal(a.length, 16 * 784);
  assert.deepEqual(a, b);
  assert.equal(Math.min(...a), -1);
  assert.equal(Math.max(...a), 1);
});

Deno.test("loadFashion splits 70,000 images into 60,000 train and 10,000 test, all classes", () => {
  const test = loadFashion("test");
  assert.equal(test.count, 10 * FASHION_TEST_PER_CLASS);
  assert.deepEqual(labelCounts(test.labels), new Array(10).fill(FASHION_TEST_PER_CLASS));
  const train = loadFashion("train");
  assert.equal(train.count, 60000);
  assert.deepEqual(labelCounts(train.labels), new Array(10).fill(6000));
  assert.ok(train.images.some((p) => p === 255));
});

Deno.test("readVerified names a corrupt file and parseIdx rejects a non-IDX file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "data");
  await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
  assert.throws(
    () => readVerified(path, "0".repeat(64)),
    (e: Error) =>
      e instanceof DatasetError && e.message.startsWith(`data file '${path}' is corrupt: sha256 `),
  );
  assert.throws(() => readVerified(join(dir, "missing"), "0"), /cannot read data file/);
  assert.throws(
    () => parseIdx(new Uint8Array(16), new Uint8Array(8), "x"),
    /'x' is not an IDX image\/label pair/,
  );
  await Deno.remove(dir, { recursive: true });
});
