/**
 * The conformance test every registered dataset passes: samples of its declared shape, finite and
 * within its declared range, the same for the same seed (and not for another, unless it is a point
 * mass), labels in [0, classes) exactly when it declares classes, drawn with the same samples.
 */
import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { type Dataset, DATASETS, sampleSize } from "./mod.ts";

/** Samples per draw: tiny, so the MNIST-based sets cost their load and little else. */
const N = 12;

/** True when `dataset`'s declared range is a single value: every seed gives the same samples. */
const isPointMass = (dataset: Dataset) =>
  dataset.range !== undefined && dataset.range[0] === dataset.range[1];

for (const [name, dataset] of DATASETS.entries()) {
  // Data the user supplies (CIFAR-10) is absent on most machines: its own tests use synthetic files.
  const unavailable = dataset.unavailableReason?.();
  if (unavailable) console.warn(`note: dataset '${name}' not checked here: ${unavailable}`);
  const ignore = unavailable !== undefined;
  Deno.test({
    name: `dataset '${name}' yields seeded samples of its declared shape and range`,
    ignore,
  }, () => {
    assert.equal(dataset.name, name, "registered under its own name");
    assert.ok(dataset.description.length > 0 && !dataset.description.includes("\n"));
    assert.ok(dataset.sampleShape.length > 0, "a sample shape");
    for (const size of dataset.sampleShape) assert.ok(Number.isInteger(size) && size > 0);

    const samples = dataset.sample(N, new Rng(5));
    assert.ok(samples instanceof Float32Array);
    assert.equal(samples.length, N * sampleSize(dataset), "N samples of the declared shape");
    assert.ok(samples.every(Number.isFinite), "finite values");
    if (dataset.range) {
      const [min, max] = dataset.range;
      assert.ok(min <= max, `range [${min}, ${max}]`);
      const outside = samples.findIndex((v) => v < min || v > max);
      assert.equal(
        outside,
        -1,
        `value ${samples[outside]} at ${outside} is outside [${min}, ${max}]`,
      );
    }

    assert.deepEqual(dataset.sample(N, new Rng(5)), samples, "same seed, same samples");
    if (!isPointMass(dataset)) {
      assert.notDeepEqual(dataset.sample(N, new Rng(6)), samples, "another seed, other samples");
    }
  });

  Deno.test({
    name: `dataset '${name}' labels its samples exactly when it declares classes`,
    ignore,
  }, () => {
    if (dataset.classes === undefined) {
      assert.equal(dataset.sampleWithLabels, undefined, "no labels without classes");
      return;
    }
    assert.ok(Number.isInteger(dataset.classes) && dataset.classes > 1, "at least two classes");
    assert.ok(dataset.sampleWithLabels, "labelled data draws labels");
    const { samples, labels } = dataset.sampleWithLabels(N, new Rng(5));
    assert.ok(labels instanceof Int32Array);
    assert.equal(labels.length, N);
    for (const label of labels) assert.ok(label >= 0 && label < dataset.classes, `label ${label}`);
    assert.deepEqual(samples, dataset.sample(N, new Rng(5)), "the same samples as sample()");
    assert.deepEqual(dataset.sampleWithLabels(N, new Rng(5)).labels, labels, "seeded labels");
  });
}

for (const [name, dataset] of DATASETS.entries()) {
  if (!dataset.mixture) continue;
  Deno.test(`mixture '${name}' draws every sample near the centre of its label's mode`, () => {
    const { centres, std } = dataset.mixture!;
    const dim = sampleSize(dataset);
    assert.equal(dataset.classes, centres.length, "one class per mode");
    assert.ok(centres.every((c) => c.length === dim), "centres of the sample's width");
    const { samples, labels } = dataset.sampleWithLabels!(200, new Rng(9));
    labels.forEach((label, i) => {
      const distance = Math.hypot(
        ...centres[label].map((c, d) => samples[i * dim + d] - c),
      );
      // Beyond 6 std in 2-D has probability e^-18: with a fixed seed, never.
      assert.ok(distance < 6 * std, `sample ${i} is ${distance} from mode ${label}`);
    });
  });
}
