/**
 * The conformance test every translation architecture passes (the pair architectures have
 * architectures_test.ts), for every sample shape of the registered datasets it supports: its
 * translators keep the shape, its discriminators give one score column, every weight of the four
 * networks receives a finite, non-zero gradient, the same seed rebuilds identical weights, and
 * building leaks no tensor; and the cyclegan architecture's own pieces against closed forms.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { DATASETS } from "../data/mod.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { instanceNorm, reflectPad } from "./cyclegan.ts";
import {
  ARCHITECTURES,
  disposeTranslation,
  type TranslationArchitecture,
  type TranslationNetworks,
  translationVariables,
} from "./mod.ts";

await initBackend("cpu");

const BATCH = 3;
/** Small options per translation architecture, so that the test takes seconds. */
const TINY_OPTIONS: Record<string, unknown> = {
  cyclegan: {
    image: { generator: { base: 2, blocks: 1 }, discriminator: { base: 2 } },
    points: { generator: { hidden: [4] }, discriminator: { hidden: [4] } },
  },
};

const TRANSLATION_ARCHITECTURES = ARCHITECTURES.entries().filter(
  (entry): entry is [string, TranslationArchitecture] => entry[1].networks === "translation",
);
const SHAPES = [
  ...new Map(DATASETS.entries().map(([, d]) => [d.sampleShape.join("x"), d.sampleShape])).values(),
];

function build(name: string, arch: TranslationArchitecture, shape: number[], seed: number) {
  return arch.build(arch.options.parse(TINY_OPTIONS[name] ?? {}), {
    sampleShape: shape,
    rng: new Rng(seed).stream("init"),
  });
}

/** Every loss of CycleGAN summed, so that every weight of the four networks is reached. */
function everyLoss(nets: TranslationNetworks, a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const fakeB = nets.forward.translate(a), fakeA = nets.backward.translate(b);
  const terms = [
    nets.discriminatorB.discriminate(fakeB).logits,
    nets.discriminatorA.discriminate(fakeA).logits,
    tf.abs(tf.sub(nets.backward.translate(fakeB), a)),
    tf.abs(tf.sub(nets.forward.translate(fakeA), b)),
    nets.discriminatorA.discriminate(a).logits,
    nets.discriminatorB.discriminate(b).logits,
  ].map((t) => tf.mean(tf.square(tf.sub(t, 0.3))));
  return tf.addN(terms) as tf.Scalar;
}

Deno.test("at least one translation architecture is registered", () => {
  assert.ok(TRANSLATION_ARCHITECTURES.length > 0);
});

for (const [name, arch] of TRANSLATION_ARCHITECTURES) {
  Deno.test(`translation architecture '${name}' keeps the shape, scores every sample, reaches every weight and rebuilds from a seed`, () => {
    const supported = SHAPES.filter((shape) => !arch.unsupportedReason?.(shape, 1));
    assert.ok(supported.length > 0);
    const tensors = tf.memory().numTensors;
    for (const shape of supported) {
      const nets = build(name, arch, shape, 5);
      tf.tidy(() => {
        const a = tf.randomUniform([BATCH, ...shape], -1, 1, "float32", 1);
        const b = tf.randomUniform([BATCH, ...shape], -1, 1, "float32", 2);
        for (const translator of [nets.forward, nets.backward]) {
          assert.deepEqual(
            translator.translate(a).shape,
            [BATCH, ...shape],
            `${shape}: same shape`,
          );
        }
        for (const critic of [nets.discriminatorA, nets.discriminatorB]) {
          const out = critic.discriminate(a);
          assert.equal(out.logits.shape[1], 1, "one score column");
          assert.equal(out.logits.shape[0] % BATCH, 0, "the same number of scores per sample");
          assert.equal(out.features.shape[0], BATCH);
        }
        const variables = translationVariables(nets);
        const { grads } = tf.variableGrads(() => everyLoss(nets, a, b), variables);
        variables.forEach((v, i) => {
          const g = grads[v.name].dataSync();
          assert.ok(g.every(Number.isFinite), `${shape}: weight ${i} has a finite gradient`);
          assert.ok(
            g.some((x) => x !== 0),
            `${shape}: weight ${i} [${v.shape}] has a zero gradient`,
          );
        });
      });
      const again = build(name, arch, shape, 5), other = build(name, arch, shape, 6);
      const weights = (n: TranslationNetworks) => translationVariables(n).map((v) => v.dataSync());
      assert.deepEqual(weights(again), weights(nets), "same seed, same weights");
      assert.notDeepEqual(weights(other), weights(nets), "another seed, other weights");
      [nets, again, other].forEach(disposeTranslation);
    }
    assert.equal(tf.memory().numTensors, tensors, "building and disposing leaks no tensor");
  });

  Deno.test(`translation architecture '${name}' refuses the shapes it does not support, saying why`, () => {
    const reason = arch.unsupportedReason?.([5, 5, 1], 1);
    assert.ok(reason && !reason.includes("\n"));
    assert.throws(() => build(name, arch, [5, 5, 1], 1), TypeError);
  });
}

Deno.test("reflectPad() mirrors without repeating the edge, as PyTorch's ReflectionPad2d", () => {
  // One 3x3 image 1..9 padded by 1: rows (5 4 5 6 5), (2 1 2 3 2), ... as PyTorch gives.
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  assert.deepEqual(Array.from(reflectPad(x, 1).dataSync()), [
    5,
    4,
    5,
    6,
    5,
    2,
    1,
    2,
    3,
    2,
    5,
    4,
    5,
    6,
    5,
    8,
    7,
    8,
    9,
    8,
    5,
    4,
    5,
    6,
    5,
  ]);
});

Deno.test("reflectPad()'s gradient adds up what every copy of a pixel receives", () => {
  // d/dx Σ pad(x): each pixel's count of copies in the padded image above. The corners appear
  // once, the middle of each edge three times (itself and its reflections along its edge), the
  // centre 5 nine times (three per row 5 4 5 6 5, three such rows); 25 in all. tfjs' mirrorPad
  // would give 1 for every pixel.
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(reflectPad(input as tf.Tensor4D, 1)))(x);
  assert.deepEqual(Array.from(grad.dataSync()), [1, 3, 1, 3, 9, 3, 1, 3, 1]);
});

Deno.test("instanceNorm() gives each sample's each channel mean 0 and variance 1", () => {
  const x = tf.randomUniform([2, 4, 4, 3], -3, 5, "float32", 9);
  const { mean, variance } = tf.moments(instanceNorm(x as tf.Tensor4D), [1, 2]);
  for (const v of mean.dataSync()) assert.ok(Math.abs(v) < 1e-5, `mean ${v}`);
  for (const v of variance.dataSync()) assert.ok(Math.abs(v - 1) < 1e-3, `variance ${v}`);
});
