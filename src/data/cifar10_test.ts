import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../engine/rng.ts";
import {
  CIFAR10_MISSING,
  CIFAR10_RECORD_BYTES,
  cifar10Dataset,
  cifar10Folder,
  cifar10Image,
  cifar10Label,
  loadCifar10,
  recordsPerFileFromEnv,
} from "./cifar10.ts";
import { DatasetError } from "./images.ts";
import { syntheticByte, writeSyntheticCifar10 } from "../../testing/cifar10.ts";

const RECORDS = 6;

function refusal(fn: () => unknown): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DatasetError, `a DatasetError, got ${caught}`);
  assert.ok(!caught.message.includes("\n"), "one line");
  return caught.message;
}

Deno.test("loadCifar10 reads the five training batches and the test batch record by record", async () => {
  const root = await Deno.makeTempDir();
  const folder = await writeSyntheticCifar10(root, RECORDS);
  assert.equal(cifar10Folder(root), folder, "the parent of cifar-10-batches-bin");
  assert.equal(cifar10Folder(folder), folder, "the folder itself");
  const train = loadCifar10(folder, "train", { recordsPerFile: RECORDS });
  assert.equal(train.count, 5 * RECORDS);
  const test = loadCifar10(folder, "test", { recordsPerFile: RECORDS });
  assert.equal(test.count, RECORDS);
  for (let i = 0; i < train.count; i++) assert.equal(cifar10Label(train, i), i % 10);
  // Record 8 is file 1's record 2: planar R, G, B bytes become interleaved pixels in [−1, 1].
  const image = new Float32Array(32 * 32 * 3);
  cifar10Image(train, 8, image, 0);
  for (const [y, x] of [[0, 0], [0, 31], [17, 5], [31, 31]]) {
    const p = y * 32 + x;
    for (let c = 0; c < 3; c++) {
      const byte = syntheticByte(1, 2, 1 + c * 1024 + p);
      assert.equal(image[3 * p + c], Math.fround(byte / 127.5 - 1), `pixel (${y}, ${x}) c${c}`);
    }
  }
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadCifar10 names a missing, short, truncated or foreign batch file in one line", async () => {
  const root = await Deno.makeTempDir();
  const folder = await writeSyntheticCifar10(root, RECORDS);
  const train = () => loadCifar10(folder, "train", { recordsPerFile: RECORDS });
  assert.match(
    refusal(() => loadCifar10(folder, "train")),
    /data_batch_1\.bin' has 18438 bytes, 6 records; a batch holds 10000 records of 3073 bytes \(30730000 bytes\)$/,
  );
  const third = join(folder, "data_batch_3.bin");
  const bytes = await Deno.readFile(third);
  await Deno.writeFile(third, bytes.subarray(0, bytes.length - 100));
  assert.match(
    refusal(train),
    /data_batch_3\.bin' has 18338 bytes, not a whole number of records \(a truncated download\?\)/,
  );
  const foreign = bytes.slice();
  foreign[2 * CIFAR10_RECORD_BYTES] = 10;
  await Deno.writeFile(third, foreign);
  assert.match(
    refusal(train),
    /data_batch_3\.bin' record 2 has label 10, not 0-9: not a CIFAR-10 batch$/,
  );
  await Deno.remove(third);
  assert.match(
    refusal(train),
    /^CIFAR-10: '.*data_batch_3\.bin' is missing \(expected data_batch_1\.bin, .*, data_batch_5\.bin and test_batch\.bin: cifar-10-binary\.tar\.gz from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html, unpacked\)$/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("the cifar10 dataset says what is missing without a folder, and reads GANBENCH_CIFAR10_RECORDS", () => {
  const dataset = cifar10Dataset({ root: () => undefined });
  assert.equal(dataset.unavailableReason!(), CIFAR10_MISSING);
  assert.match(CIFAR10_MISSING, /--data DIR or GANBENCH_DATA=DIR .*ganbench downloads nothing/);
  assert.equal(refusal(() => dataset.sample(1, new Rng(0))), CIFAR10_MISSING);
  const env = (value?: string) => ({ get: () => value });
  assert.equal(recordsPerFileFromEnv(env()), 10_000);
  assert.equal(recordsPerFileFromEnv(env("20")), 20);
  for (const bad of ["0", "-3", "2.5", "ten", "10001"]) {
    assert.match(
      refusal(() => recordsPerFileFromEnv(env(bad))),
      /^GANBENCH_CIFAR10_RECORDS must be an integer from 1 to 10000, got '/,
    );
  }
});

Deno.test("the cifar10 dataset draws seeded labelled 32x32x3 samples in [−1, 1] and exposes its whole training split", async () => {
  const root = await Deno.makeTempDir();
  await writeSyntheticCifar10(root, RECORDS);
  const dataset = cifar10Dataset({ root: () => root, recordsPerFile: () => RECORDS });
  assert.equal(dataset.unavailableReason!(), undefined);
  assert.deepEqual(dataset.sampleShape, [32, 32, 3]);
  const { samples, labels } = dataset.sampleWithLabels!(20, new Rng(3));
  assert.equal(samples.length, 20 * 3072);
  assert.ok(samples.every((v) => v >= -1 && v <= 1));
  assert.ok(labels.every((l) => l >= 0 && l < 10));
  assert.deepEqual(dataset.sample(20, new Rng(3)), samples, "same seed, same samples");
  assert.notDeepEqual(dataset.sample(20, new Rng(4)), samples);
  const split = dataset.trainingSplit!;
  assert.equal(split.count(), 5 * RECORDS);
  const all = split.samples(0, split.count());
  const image = new Float32Array(3072);
  cifar10Image(
    loadCifar10(join(root, "cifar-10-batches-bin"), "train", {
      recordsPerFile: RECORDS,
    }),
    29,
    image,
    0,
  );
  assert.deepEqual(all.subarray(29 * 3072), image, "in file order");
  assert.deepEqual(split.samples(29, 1), image);
  await Deno.remove(root, { recursive: true });
});
