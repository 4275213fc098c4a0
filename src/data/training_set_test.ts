import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import type { Dataset } from "./dataset.ts";
import { ring8 } from "./mixtures.ts";
import { wganGp25Gaussians } from "./paper_mixtures.ts";
import {
  packedBatch,
  permutation,
  RunTrainingSet,
  trainingData,
  type TrainingSetSpec,
} from "./training_set.ts";

/** A 1-D dataset whose k-th draw is the value k (its label too), so that points can be told apart. */
const counting: Dataset = {
  name: "counting",
  description: "0, 1, 2, ...",
  sampleShape: [1],
  classes: 1_000_000,
  sample: (n) => Float32Array.from({ length: n }, (_, i) => i),
  sampleWithLabels: (n) => ({
    samples: Float32Array.from({ length: n }, (_, i) => i),
    labels: Int32Array.from({ length: n }, (_, i) => i),
  }),
};

const packs = (size: number): TrainingSetSpec => ({
  size,
  modes: "random",
  order: "reshuffled-packs",
});

Deno.test("permutation() is a permutation and depends on the seed", () => {
  const a = permutation(50, new Rng(1));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, permutation(50, new Rng(1)));
  assert.notDeepEqual(a, permutation(50, new Rng(2)));
});

Deno.test("a run's training set is drawn once from its seed: same seed, same points; another seed, others", () => {
  const draw = (seed: number) =>
    new RunTrainingSet(wganGp25Gaussians, wganGp25Gaussians.trainingSet!, new Rng(seed));
  const a = draw(3), b = draw(3), c = draw(4);
  assert.equal(a.points.length, 200_000);
  assert.deepEqual(a.points, b.points);
  assert.notDeepEqual(a.points, c.points);
  // Batches come from the set: every batch point is one of its points.
  const members = new Set<string>();
  for (let i = 0; i < 100_000; i++) members.add(`${a.points[2 * i]},${a.points[2 * i + 1]}`);
  const batch = a.sample(256, new Rng(0));
  for (let i = 0; i < 256; i++) assert.ok(members.has(`${batch[2 * i]},${batch[2 * i + 1]}`));
});

Deno.test("a balanced set has size / modes points of every mode, shuffled", () => {
  const set = new RunTrainingSet(wganGp25Gaussians, wganGp25Gaussians.trainingSet!, new Rng(0));
  const counts = new Array(25).fill(0);
  for (const label of set.labels) counts[label]++;
  assert.deepEqual(counts, new Array(25).fill(4000));
  assert.notDeepEqual([...set.labels.subarray(0, 25)], Array.from({ length: 25 }, (_, i) => i));
  // Each point lies near its own mode's centre (within 6 std).
  const { centres, std } = wganGp25Gaussians.mixture!;
  for (let i = 0; i < 1000; i++) {
    const [x, y] = centres[set.labels[i]];
    assert.ok(Math.hypot(set.points[2 * i] - x, set.points[2 * i + 1] - y) < 6 * std);
  }
  assert.throws(
    () =>
      new RunTrainingSet(
        wganGp25Gaussians,
        { ...wganGp25Gaussians.trainingSet!, size: 1001 },
        new Rng(0),
      ),
    /no multiple of 25 modes/,
  );
});

Deno.test("a fixed-order set is read in order, each epoch's partial last batch dropped, the same every epoch", () => {
  const set = new RunTrainingSet(
    counting,
    { size: 10, modes: "random", order: "fixed-order" },
    new Rng(0),
  );
  const rng = new Rng(9);
  const epoch1 = [0, 1, 2].map(() => [...set.sample(3, rng)]);
  assert.deepEqual(epoch1.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(
    [...set.sample(3, rng)],
    [0, 1, 2],
    "point 9 is dropped, the next epoch starts over",
  );
  assert.equal(set.epochs, 2);
  assert.throws(() => set.samplePacked(3, 2, rng), /no packs/);
});

Deno.test("reshuffled packs: each epoch visits every example once, in a new order, with the run's fixed packs", () => {
  const size = 12, n = 4, pack = 3;
  const set = new RunTrainingSet(counting, packs(size), new Rng(5));
  const rng = new Rng(7);
  const epoch = () => {
    const examples: string[] = [];
    for (let b = 0; b < size / n; b++) {
      const { samples, labels } = set.samplePacked(n, pack, rng);
      assert.equal(samples.length, n * pack);
      assert.deepEqual([...labels], [...samples], "labels follow their points");
      // Pass-major: example i is (samples[i], samples[n + i], samples[2n + i]).
      for (let i = 0; i < n; i++) {
        examples.push([0, 1, 2].map((j) => samples[j * n + i]).join(","));
      }
    }
    return examples;
  };
  const first = epoch(), second = epoch();
  assert.equal(first.length, size);
  assert.deepEqual(first.toSorted(), second.toSorted(), "the same examples every epoch");
  assert.notDeepEqual(first, second, "in a new order");
  assert.equal(set.epochs, 2);
  assert.throws(() => set.samplePacked(n, 2, rng), /packed by 3, asked for 2/);
});

Deno.test("PacGAN's examples resample the points with replacement, also for pack 1", () => {
  const size = 2000;
  const set = new RunTrainingSet(counting, packs(size), new Rng(1));
  const rng = new Rng(2);
  const seen = new Set<number>();
  for (let b = 0; b < size / 100; b++) for (const v of set.sample(100, rng)) seen.add(v);
  // A bootstrap resample holds about 1 − 1/e = 63% of the points.
  assert.ok(seen.size > 0.58 * size && seen.size < 0.68 * size, `${seen.size} distinct`);
});

Deno.test("trainingData() draws a set only for datasets that declare one; packedBatch() falls back to fresh draws", () => {
  assert.equal(trainingData(ring8, new Rng(0)), ring8);
  const run = trainingData(wganGp25Gaussians, new Rng(0));
  assert.ok(run instanceof RunTrainingSet);
  assert.equal(run.mixture, wganGp25Gaussians.mixture);
  assert.equal(packedBatch(ring8, 5, 3, new Rng(0)).length, 5 * 3 * 2);
  assert.deepEqual(packedBatch(ring8, 5, 3, new Rng(0)), ring8.sample(15, new Rng(0)));
});
