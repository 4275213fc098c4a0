import assert from "node:assert/strict";
import { loadMnist } from "../data/mnist.ts";
import { stackedMnistDataset } from "../data/stacked_mnist.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { stackedModesMetric, tripleCoverage } from "./stacked_modes.ts";

await initBackend("wasm");

Deno.test("triple coverage: every triple once, one triple only, and half/half", () => {
  const all = Array.from({ length: 1000 }, (_, i) => i);
  assert.deepEqual(tripleCoverage(all), { covered: 1000, kl: 0 });
  const one = tripleCoverage(new Array(50).fill(123));
  assert.equal(one.covered, 1);
  assert.ok(Math.abs(one.kl - Math.log(1000)) < 1e-12);
  // Two triples, half each: KL = log(1000 / 2).
  const two = tripleCoverage([7, 7, 999, 999]);
  assert.equal(two.covered, 2);
  assert.ok(Math.abs(two.kl - Math.log(500)) < 1e-12);
});

Deno.test("stacked MNIST: 28x28x3 in [−1, 1], channels are MNIST digits, labels are their triples", () => {
  const test = loadMnist("test");
  const dataset = stackedMnistDataset(() => test);
  const { samples, labels } = dataset.sampleWithLabels!(20, new Rng(3));
  assert.deepEqual(dataset.sampleShape, [28, 28, 3]);
  assert.equal(samples.length, 20 * 784 * 3);
  assert.ok(samples.every((v) => v >= -1 && v <= 1));
  assert.ok(labels.every((l) => l >= 0 && l < 1000));
  assert.deepEqual(dataset.sample(20, new Rng(3)), samples, "same seed, same samples");
  // Channel 1 of sample 0 is an MNIST image whose label is the triple's middle digit.
  const channel = Uint8Array.from(
    { length: 784 },
    (_, p) => Math.round((samples[p * 3 + 1] + 1) * 127.5),
  );
  const matches = [];
  for (let i = 0; i < test.count; i++) {
    if (test.images.subarray(i * 784, (i + 1) * 784).every((v, p) => v === channel[p])) {
      matches.push(i);
    }
  }
  assert.ok(matches.length >= 1, "the channel is an MNIST test image");
  assert.ok(matches.some((i) => test.labels[i] === Math.floor(labels[0] / 10) % 10));
});

Deno.test("stacked-modes reads real stacked test digits' triples with mnist-net", async () => {
  const dataset = stackedMnistDataset(() => loadMnist("test"));
  const { samples, labels } = dataset.sampleWithLabels!(300, new Rng(5));
  const figures = await stackedModesMetric.evaluate(samples, { dataset });
  const truth = tripleCoverage(labels);
  // mnist-net is 99.2% accurate per digit, so nearly every triple is read right.
  assert.ok(
    Math.abs(figures["stacked-modes.covered"] - truth.covered) <= 10,
    `${figures["stacked-modes.covered"]} vs ${truth.covered}`,
  );
  assert.equal(figures["stacked-modes.samples"], 300);
  assert.equal(stackedModesMetric.unsupportedReason(dataset), undefined);
  assert.match(
    stackedModesMetric.unsupportedReason({ ...dataset, sampleShape: [28, 28, 1] })!,
    /not 28x28x3/,
  );
});
