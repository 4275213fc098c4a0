/**
 * The conformance test every registered architecture passes, for every sample shape of the
 * registered datasets: where it declares the shape supported it builds a pair from its default
 * options whose generator and discriminator outputs have the right shapes (also conditional, and
 * with a VAE encoder's outputs where supported), whose every weight receives a finite, non-zero
 * gradient, which the same seed rebuilds identically and which leaks no tensor; where it declares
 * the shape unsupported, it says why in one line and refuses to build.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { DATASETS } from "../data/mod.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { buildConditional } from "./conditional.ts";
import {
  ARCHITECTURES,
  type BuildContext,
  disposePair,
  type GanPair,
  type PairArchitecture,
} from "./mod.ts";

await initBackend("cpu");

const LATENT = 3;
const BATCH = 4;

/**
 * Small options per architecture, so that the test takes seconds; an architecture not listed is
 * built from its defaults (which may be slow: add it here).
 */
const TINY_OPTIONS: Record<string, unknown> = {
  mlp: { generator: { hidden: [8] }, discriminator: { hidden: [8] } },
  dcgan: { generator: { base: 4 }, discriminator: { base: 4 } },
  dcgan32: { generator: { base: 2 }, discriminator: { base: 2 } },
  sndcgan: { generator: { base: 2 }, discriminator: { base: 8 } },
  pacgan: { generator: { hidden: [8, 8] }, discriminator: { hidden: [4] } },
  "relu-mlp": { generator: { hidden: [8] }, discriminator: { hidden: [8] } },
};

/** Every distinct sample shape of the registered datasets, with the classes of a dataset of it. */
const SHAPES = [
  ...new Map(
    DATASETS.entries().map(([, d]) => [d.sampleShape.join("x"), {
      shape: d.sampleShape,
      classes: d.classes,
      dataset: d.name,
    }]),
  ).values(),
];

function context(shape: number[], seed: number, outputs?: number): BuildContext {
  return { sampleShape: shape, latentDim: LATENT, rng: new Rng(seed).stream("init"), outputs };
}

function build(
  name: string,
  arch: PairArchitecture,
  shape: number[],
  seed = 1,
  outputs?: number,
): GanPair {
  return arch.build(arch.options.parse(TINY_OPTIONS[name] ?? {}), context(shape, seed, outputs));
}

/** Checks G's and D's output shapes for `pair` (labels for a conditional pair). */
function checkShapes(pair: GanPair, shape: number[], outputs: number, classes?: number) {
  tf.tidy(() => {
    const labels = classes ? tf.tensor1d([0, 1, classes - 1, 0], "int32") : undefined;
    const samples = pair.generator.generate(
      tf.randomNormal([BATCH, LATENT], 0, 1, "float32", 3),
      labels,
    );
    assert.deepEqual(samples.shape, [BATCH, ...shape], "G: one sample per latent code");
    const out = pair.discriminator.discriminate(samples, labels);
    assert.deepEqual(out.logits.shape, [BATCH, outputs], "D: its outputs per sample");
    assert.equal(out.features.shape.length, 2);
    assert.equal(out.features.shape[0], BATCH);
    assert.ok(out.features.shape[1] > 0, "D exposes its penultimate features");
  });
}

/**
 * The architectures of one generator and its discriminator. Translation architectures (cyclegan:
 * two translators, two discriminators) pass their own conformance test, cyclegan_test.ts.
 */
const PAIR_ARCHITECTURES = ARCHITECTURES.entries().filter(
  (entry): entry is [string, PairArchitecture] => entry[1].networks !== "translation",
);

for (const [name, arch] of PAIR_ARCHITECTURES) {
  Deno.test(`architecture '${name}' builds pairs with the right output shapes for the shapes it supports`, () => {
    assert.ok(arch.description.length > 0);
    const supported = SHAPES.filter(({ shape }) => !arch.unsupportedReason?.(shape, 1));
    assert.ok(supported.length > 0, "it supports the shape of at least one registered dataset");
    const tensors = tf.memory().numTensors;
    for (const { shape, classes } of supported) {
      const pair = build(name, arch, shape);
      checkShapes(pair, shape, 1);
      disposePair(pair);
      if (!arch.unsupportedReason?.(shape, 2 * LATENT)) {
        const encoder = build(name, arch, shape, 1, 2 * LATENT);
        checkShapes(encoder, shape, 2 * LATENT);
        disposePair(encoder);
      }
      if (classes) {
        const conditional = buildConditional(
          arch.build,
          arch.options.parse(TINY_OPTIONS[name] ?? {}),
          context(shape, 1),
          classes,
        );
        assert.equal(conditional.classes, classes);
        checkShapes(conditional, shape, 1, classes);
        disposePair(conditional);
      }
    }
    assert.equal(tf.memory().numTensors, tensors, "building and disposing leaks no tensor");
  });

  Deno.test(`architecture '${name}' refuses the shapes it does not support, saying why`, () => {
    for (const { shape, dataset } of SHAPES) {
      const reason = arch.unsupportedReason?.(shape, 1);
      if (reason === undefined) continue;
      assert.ok(reason.length > 0 && !reason.includes("\n"), `one line for ${dataset}`);
      assert.throws(
        () => build(name, arch, shape),
        TypeError,
        `it refuses to build for ${dataset}`,
      );
    }
  });

  Deno.test(`architecture '${name}' gives every weight a gradient and rebuilds identically from a seed`, () => {
    for (const { shape } of SHAPES.filter(({ shape }) => !arch.unsupportedReason?.(shape, 1))) {
      const pair = build(name, arch, shape, 7);
      const variables = [...pair.generator.variables, ...pair.discriminator.variables];
      assert.ok(variables.length > 0);
      const { grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const real = tf.randomNormal([BATCH, ...shape], 0, 1, "float32", 5);
          const fake = pair.generator.generate(
            tf.randomNormal([BATCH, LATENT], 0, 1, "float32", 6),
          );
          // The GAN losses of both players, summed: D's on real and fake, G's through D.
          const lossD = tf.add(
            tf.mean(tf.softplus(tf.neg(pair.discriminator.discriminate(real).logits))),
            tf.mean(tf.softplus(pair.discriminator.discriminate(fake).logits)),
          );
          const lossG = tf.mean(tf.softplus(tf.neg(pair.discriminator.discriminate(fake).logits)));
          return tf.add(lossD, lossG) as tf.Scalar;
        }), variables);
      variables.forEach((v, i) => {
        const g = grads[v.name].dataSync();
        assert.ok(g.every(Number.isFinite), `weight ${i} (${v.name}): finite gradient`);
        assert.ok(g.some((x) => x !== 0), `weight ${i} of shape [${v.shape}] has a zero gradient`);
      });
      tf.dispose(Object.values(grads));

      const again = build(name, arch, shape, 7);
      const weights = (p: GanPair) =>
        [...p.generator.variables, ...p.discriminator.variables].map((v) => v.dataSync());
      assert.deepEqual(weights(again), weights(pair), "the same seed builds the same weights");
      disposePair(again);
      disposePair(pair);
    }
  });
}
