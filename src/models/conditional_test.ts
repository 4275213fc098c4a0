import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { appendLabels, buildConditional, labelledShape } from "./conditional.ts";
import { buildDcgan, DcganOptions } from "./dcgan.ts";
import { buildMlp, MlpOptions } from "./mlp.ts";
import type { BuildContext, GanPair } from "./network.ts";

await initBackend("cpu");

Deno.test("labels reach D as one-hot channels for images and one-hot features for vectors", () => {
  assert.deepEqual(labelledShape([28, 28, 1], 10), [28, 28, 11]);
  assert.deepEqual(labelledShape([2], 8), [10]);
  const image = appendLabels(tf.zeros([2, 3, 3, 1]), tf.tensor1d([4, 1], "int32"), 5);
  assert.deepEqual(image.shape, [2, 3, 3, 6]);
  const maps = image.arraySync() as number[][][][];
  for (const [row, column] of [[0, 0], [2, 1]]) {
    assert.deepEqual(maps[0][row][column], [0, 0, 0, 0, 0, 1]);
    assert.deepEqual(maps[1][row][column], [0, 0, 1, 0, 0, 0]);
  }
  const vector = appendLabels(tf.tensor2d([[7, 8]]), tf.tensor1d([2], "int32"), 3);
  assert.deepEqual(vector.arraySync(), [[7, 8, 0, 0, 1]]);
});

for (
  const [name, build, options, shape] of [
    ["mlp", buildMlp, MlpOptions.parse({}), [2]],
    [
      "dcgan",
      buildDcgan,
      DcganOptions.parse({ generator: { base: 4 }, discriminator: { base: 4 } }),
      [28, 28, 1],
    ],
  ] as const
) {
  Deno.test(`a conditional ${name} pair: the label changes G's output and D's score, and both need it`, () => {
    const pair = buildConditional(
      build as (o: unknown, c: BuildContext) => GanPair,
      options,
      { sampleShape: [...shape], latentDim: 3, rng: new Rng(1) },
      10,
    );
    assert.equal(pair.classes, 10);
    assert.equal(pair.generator.latentDim, 3);
    const z = tf.tile(tf.tensor2d([[0.3, -1, 2]]), [2, 1]) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 7], "int32");
    const x = pair.generator.generate(z, labels);
    assert.deepEqual(x.shape, [2, ...shape]);
    const [a, b] = tf.unstack(tf.reshape(x, [2, -1])).map((t) => t.arraySync() as number[]);
    assert.notDeepEqual(a, b, "same code, other label, other sample");
    const scores = pair.discriminator.discriminate(
      tf.concat([x.slice(0, 1), x.slice(0, 1)]),
      labels,
    )
      .logits.arraySync() as number[][];
    assert.notEqual(scores[0][0], scores[1][0], "same sample, other label, other score");
    assert.throws(() => pair.generator.generate(z), /needs the samples' labels/);
    assert.throws(() => pair.discriminator.discriminate(x), /needs the samples' labels/);
    const variables = [...pair.generator.variables, ...pair.discriminator.variables];
    assert.ok(variables.every((v) => !v.isDisposed), "the used halves stay alive");
  });
}
