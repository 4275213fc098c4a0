import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { scaledImage } from "./images.ts";
import { loadMnist } from "./mnist.ts";
import {
  invertPixels,
  mnistInverted,
  mnistRotated,
  ring8Rotated,
  rotateImages,
  rotateScalePoints,
} from "./paired_domains.ts";

const TRANSLATION_SETS = [mnistInverted, mnistRotated, ring8Rotated];

Deno.test("rotateImages() turns an image by 90° counter-clockwise, and back clockwise", () => {
  const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // rows 1 2 3 / 4 5 6 / 7 8 9
  const ccw = rotateImages(image, { side: 3, channels: 1, clockwise: false });
  assert.deepEqual(Array.from(ccw), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  const cw = rotateImages(image, { side: 3, channels: 1, clockwise: true });
  assert.deepEqual(Array.from(cw), [7, 4, 1, 8, 5, 2, 9, 6, 3]);
  assert.deepEqual(rotateImages(ccw, { side: 3, channels: 1, clockwise: true }), image);
  // Channels move together: a 2x2 image of (r, g) pixels.
  const colour = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]);
  assert.deepEqual(
    Array.from(rotateImages(colour, { side: 2, channels: 2, clockwise: false })),
    [2, 20, 4, 40, 1, 10, 3, 30],
  );
});

Deno.test("the MNIST maps are exact: T⁻¹(T(a)) is a, four rotations are none, inversion is −a", () => {
  for (const dataset of [mnistInverted, mnistRotated]) {
    const { samples } = dataset.translation!.heldOut(20);
    const { forward, inverse } = dataset.translation!;
    assert.deepEqual(inverse(forward(samples)), samples, dataset.name);
    assert.deepEqual(forward(inverse(samples)), samples, dataset.name);
    assert.notDeepEqual(forward(samples), samples, `${dataset.name}: T moves the digits`);
  }
  const { samples } = mnistRotated.translation!.heldOut(5);
  const { forward } = mnistRotated.translation!;
  assert.deepEqual(forward(forward(forward(forward(samples)))), samples);
  assert.deepEqual(
    mnistInverted.translation!.forward(samples),
    samples.map((v) => -v),
  );
  assert.deepEqual(invertPixels(Float32Array.from([-1, 0, 0.5])), Float32Array.from([1, -0, -0.5]));
});

Deno.test("ring8-rotated's map rotates by π/8 and doubles, mode k of A onto mode k of B", () => {
  const { forward, inverse, mixtures } = ring8Rotated.translation!;
  mixtures!.b.centres.forEach(([x, y], k) => {
    const angle = (2 * Math.PI * k) / 8 + Math.PI / 8;
    assert.ok(Math.abs(x - 2 * Math.cos(angle)) < 1e-6 && Math.abs(y - 2 * Math.sin(angle)) < 1e-6);
  });
  assert.equal(mixtures!.b.std, 0.02);
  assert.deepEqual(mixtures!.a, { centres: mixtures!.a.centres, std: 0.01 });
  assert.deepEqual(
    Array.from(rotateScalePoints(Float32Array.from([1, 0]), Math.PI / 2, 3)).map(Math.round),
    [0, 3],
  );
  const points = ring8Rotated.sample(100, new Rng(1));
  const back = inverse(forward(points));
  points.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 1e-6, `${back[i]} vs ${v}`));
  // B's training samples lie on B's modes (within 6 std, which a fixed seed never leaves).
  const b = ring8Rotated.translation!.sampleB(200, new Rng(2));
  for (let i = 0; i < 200; i++) {
    const distance = Math.min(
      ...mixtures!.b.centres.map(([x, y]) => Math.hypot(b[2 * i] - x, b[2 * i + 1] - y)),
    );
    assert.ok(distance < 6 * 0.02, `sample ${i} is ${distance} from B's modes`);
  }
  const { samples, labels } = ring8Rotated.translation!.heldOut(50);
  labels.forEach((label, i) => {
    const [x, y] = mixtures!.a.centres[label];
    assert.ok(Math.hypot(samples[2 * i] - x, samples[2 * i + 1] - y) < 6 * 0.01);
  });
});

Deno.test("the MNIST pairs draw A from the first half of the training split and B from the second", () => {
  const train = loadMnist("train");
  const half = train.count / 2;
  const image = (index: number) => {
    const out = new Float32Array(784);
    scaledImage(train, index, out, 0);
    return out;
  };
  for (const dataset of [mnistInverted, mnistRotated]) {
    const { samples, labels } = dataset.sampleWithLabels!(4, new Rng(3));
    const b = dataset.translation!.sampleB(4, new Rng(3));
    // The same draws as the datasets make: an index in [0, half) for A, in [half, count) for B.
    const indices = new Rng(3);
    for (let i = 0; i < 4; i++) {
      const index = indices.int(half);
      assert.deepEqual(samples.subarray(i * 784, (i + 1) * 784), image(index));
      assert.equal(labels[i], train.labels[index]);
    }
    const other = new Rng(3);
    for (let i = 0; i < 4; i++) {
      const index = half + other.int(train.count - half);
      assert.deepEqual(
        b.subarray(i * 784, (i + 1) * 784),
        dataset.translation!.forward(image(index)),
      );
    }
  }
});

Deno.test("held-out and reference samples are fixed, prefix-stable, disjoint and bounded", () => {
  const test = loadMnist("test");
  for (const dataset of TRANSLATION_SETS) {
    const translation = dataset.translation!;
    const ten = translation.heldOut(10), twenty = translation.heldOut(20);
    assert.deepEqual(ten.samples, twenty.samples.subarray(0, ten.samples.length), dataset.name);
    assert.deepEqual(ten.labels, twenty.labels.subarray(0, 10));
    assert.notDeepEqual(translation.reference(10), ten.samples, "reference ≠ held-out");
    assert.deepEqual(
      translation.reference(5),
      translation.reference(10).subarray(0, 5 * (ten.samples.length / 10)),
    );
    assert.throws(() => translation.heldOut(translation.heldOutSize + 1), RangeError);
  }
  // The MNIST pairs: the test split's first half held out, its second half the reference.
  const { labels } = mnistRotated.translation!.heldOut(50);
  assert.deepEqual(Array.from(labels), Array.from(test.labels.subarray(0, 50)));
  const reference = mnistRotated.translation!.reference(1);
  const expected = new Float32Array(784);
  scaledImage(test, test.count / 2, expected, 0);
  assert.deepEqual(reference, expected);
});
