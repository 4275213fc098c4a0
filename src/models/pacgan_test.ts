import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { dense, ownedVariable } from "./layers.ts";
import { maxout, pack } from "./maxout.ts";
import { ARCHITECTURES, disposePair } from "./mod.ts";
import {
  buildPacgan,
  type PacganGenerator,
  PacganOptions,
  type PackedDiscriminator,
} from "./pacgan.ts";
import { buildReluMlp, ReluMlpOptions } from "./relu_mlp.ts";

await initBackend("wasm");

const read = (t: tf.Tensor) => Array.from(t.dataSync());

function close(actual: number[], expected: number[], what: string, tolerance = 1e-5) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= tolerance, `${what}[${i}]: ${a} vs ${expected[i]}`)
  );
}

const std = (values: number[]) => {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
};

Deno.test("maxout() takes each unit's largest piece, and only that piece gets the gradient", () => {
  // 2 inputs, 2 units of 3 pieces; unit u's pieces are columns u, 2 + u, 4 + u.
  const kernel = ownedVariable(tf.tensor2d([[1, 0, -1, 2, 3, -2], [0, 1, 1, 0, -1, 1]]));
  const bias = ownedVariable(tf.tensor1d([0, 0, 0.5, 0, 0, 0]));
  const x = tf.tensor2d([[1, 2], [-1, 1]]);
  // Row 0: pieces of unit 0: x·col0 = 1, x·col2 = 1 + 0.5 = 1.5, x·col4 = 3 − 2 = 1 → 1.5.
  //        unit 1: x·col1 = 2, x·col3 = 2, x·col5 = −2 + 2 = 0 → 2.
  // Row 1: unit 0: −1, 2 + 0.5 = 2.5, −3 − 1 = −4 → 2.5; unit 1: 1, −2, 2 + 1 = 3 → 3.
  close(read(maxout(x, { kernel, bias }, 3)), [1.5, 2, 2.5, 3], "maxout");
  const grads = tf.variableGrads(() => tf.sum(maxout(x, { kernel, bias }, 3)) as tf.Scalar, [bias]);
  // Bias columns that won: col2 (rows 0, 1), col1 or col3 (a tie in row 0), col5 (row 1).
  const g = read(grads.grads[bias.name]);
  assert.equal(g[0] + g[4], 0, "losing pieces get no gradient");
  assert.equal(g[2], 2, "unit 0's winning piece, in both rows");
  assert.equal(g[5], 1, "unit 1's winning piece in row 1");
  assert.equal(g[1] + g[3], 1, "row 0's tie passes one gradient");
  assert.throws(() => maxout(x, { kernel, bias }, 4), /cannot have 4 pieces/);
  tf.dispose([kernel, bias]);
});

Deno.test("pack() puts samples i, n + i, 2n + i of a pass-major batch side by side", () => {
  // m = 3 passes of n = 2 samples: p0 = (a0, a1), p1 = (b0, b1), p2 = (c0, c1).
  const x = tf.tensor2d([[1, 10], [2, 20], [3, 30], [4, 40], [5, 50], [6, 60]]);
  const packed = pack(x, 3);
  assert.deepEqual(packed.shape, [2, 6]);
  assert.deepEqual(read(packed), [1, 10, 3, 30, 5, 50, 2, 20, 4, 40, 6, 60]);
  assert.deepEqual(read(pack(x, 1)), read(x));
  assert.throws(() => pack(x, 4), /cannot pack 6 samples into examples of 4/);
});

Deno.test("PacGAN3's D scores each example from exactly its 3 samples", () => {
  const pair = buildPacgan(
    PacganOptions.parse({ discriminator: { pack: 3 } }),
    { sampleShape: [2], latentDim: 2, rng: new Rng(1) },
  );
  const d = pair.discriminator as PackedDiscriminator;
  assert.equal(d.pack, 3);
  const n = 4;
  const x = tf.tensor2d(new Rng(2).normals(3 * n * 2), [3 * n, 2]);
  const logits = read(d.discriminate(x).logits);
  assert.equal(logits.length, n);
  // By hand: example 1 is samples 1, n + 1, 2n + 1, through the maxout layers and the output.
  const rows = read(x);
  const example = [1, n + 1, 2 * n + 1].flatMap((r) => rows.slice(2 * r, 2 * r + 2));
  const vars = d.variables;
  let h = tf.tensor2d([example]);
  for (let layer = 0; layer < 3; layer++) {
    h = maxout(h, { kernel: vars[2 * layer], bias: vars[2 * layer + 1] }, 5);
  }
  close(read(dense(h, { kernel: vars[6], bias: vars[7] })), [logits[1]], "example 1");
  // Changing a sample of example 2 changes only example 2's score.
  const changed = rows.slice();
  changed[2 * (n + 2)] += 1;
  const after = read(d.discriminate(tf.tensor2d(changed, [3 * n, 2])).logits);
  after.forEach((v, i) =>
    i === 2 ? assert.notEqual(v, logits[i]) : assert.equal(v, logits[i], `example ${i}`)
  );
  disposePair(pair);
});

Deno.test("PacGAN's networks: N(0, 0.02) weights, zero biases, no hidden bias in G, batch norm at 1 and 0", () => {
  const pair = buildPacgan(PacganOptions.parse({}), {
    sampleShape: [2],
    latentDim: 2,
    rng: new Rng(0),
  });
  const g = pair.generator.variables.map((v) => v.shape.join("x"));
  // 4 hidden kernels, each with batch norm's scale and shift; the output layer has a bias.
  assert.deepEqual(g, [
    "2x400",
    "400",
    "400",
    "400x400",
    "400",
    "400",
    "400x400",
    "400",
    "400",
    "400x400",
    "400",
    "400",
    "400x2",
    "2",
  ]);
  const d = pair.discriminator.variables.map((v) => v.shape.join("x"));
  assert.deepEqual(d, ["2x1000", "1000", "200x1000", "1000", "200x1000", "1000", "200x1", "1"]);
  const kernel = read(pair.generator.variables[3]);
  assert.ok(Math.abs(std(kernel) - 0.02) < 0.0005, `std ${std(kernel)}`);
  assert.ok(read(pair.discriminator.variables[1]).every((v) => v === 0));
  assert.ok(read(pair.generator.variables[1]).every((v) => v === 1), "scale 1");
  assert.ok(read(pair.generator.variables[2]).every((v) => v === 0), "shift 0");
  disposePair(pair);
});

Deno.test("G's batch norm folds the mean of a step's batch statistics into its running averages at 0.05", () => {
  const options = PacganOptions.parse({
    generator: { hidden: [3], batchNorm: { refreshBatches: 0 } },
  });
  const pair = buildPacgan(options, { sampleShape: [2], latentDim: 2, rng: new Rng(4) });
  const g = pair.generator as PacganGenerator;
  const z = tf.tensor2d(new Rng(5).normals(2 * 50), [50, 2]);
  const linear = tf.matMul(z, pair.generator.variables[0]);
  const { mean, variance } = tf.moments(linear, 0);
  const batchStdev = read(tf.sqrt(tf.add(variance, 1e-4)));
  // Two training passes on the same batch, one fold: the same as one pass.
  tf.tidy(() => g.generate(z));
  tf.tidy(() => g.generate(z));
  g.updateRunningStatistics();
  const [norm] = g.batchNorms;
  close(read(norm.mean), read(mean).map((m) => 0.05 * m), "running mean");
  close(read(norm.stdev), batchStdev.map((s) => 0.95 + 0.05 * s), "running stdev");
  // Sampling normalises with them, training with the batch's own.
  const byHand = tf.relu(tf.div(tf.sub(linear, norm.mean), norm.stdev));
  const out = pair.generator.variables.slice(-2);
  close(
    read(g.sample(z)),
    read(dense(byHand as tf.Tensor2D, { kernel: out[0], bias: out[1] })),
    "sample",
  );
  g.updateRunningStatistics();
  close(read(norm.mean), read(mean).map((m) => 0.05 * m), "a fold with nothing pending is a no-op");
  disposePair(pair);
});

Deno.test("refreshing before sampling brings the running averages to the batches' statistics", () => {
  const refreshed = buildPacgan(
    PacganOptions.parse({ generator: { hidden: [64, 64], batchNorm: { refreshBatches: 150 } } }),
    { sampleShape: [2], latentDim: 2, rng: new Rng(6) },
  ).generator as PacganGenerator;
  const z = tf.tensor2d(new Rng(7).normals(2 * 4000), [4000, 2]);
  const train = read(refreshed.generate(z));
  const before = read(refreshed.sample(z));
  refreshed.prepareSampling();
  const after = read(refreshed.sample(z));
  const gap = (a: number[]) =>
    Math.sqrt(a.reduce((s, v, i) => s + (v - train[i]) ** 2, 0) / a.length);
  assert.ok(gap(after) < 0.1 * gap(before), `gap ${gap(after)} vs ${gap(before)}`);
  // Left: the mean of batches' stdevs (100 codes each) sits a little below the whole set's.
  assert.ok(gap(after) < 0.1 * std(train), `gap ${gap(after)} vs spread ${std(train)}`);
});

Deno.test("relu-mlp: tflib's He and Glorot uniform kernels, zero biases, ReLU hidden layers in G and D", () => {
  const pair = buildReluMlp(ReluMlpOptions.parse({}), {
    sampleShape: [2],
    latentDim: 2,
    rng: new Rng(3),
  });
  const [k1, b1, k2, , , , k4, b4] = pair.discriminator.variables;
  const he = read(k2);
  assert.ok(he.every((v) => Math.abs(v) <= Math.sqrt(6 / 512)));
  assert.ok(Math.abs(std(he) - Math.sqrt(2 / 512)) < 0.001, `He std ${std(he)}`);
  assert.ok(read(k4).every((v) => Math.abs(v) <= Math.sqrt(6 / 513)));
  assert.ok(
    Math.max(...read(k4).map(Math.abs)) > 0.9 * Math.sqrt(6 / 513),
    "Glorot's bound, not He's",
  );
  assert.ok([...read(b1), ...read(b4)].every((v) => v === 0));
  const x = tf.tensor2d([[0.3, -0.7]]);
  let h: tf.Tensor2D = x;
  const vars = pair.discriminator.variables;
  for (let i = 0; i < 3; i++) h = tf.relu(tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]));
  close(
    read(pair.discriminator.discriminate(x).logits),
    read(tf.add(tf.matMul(h, vars[6]), vars[7])),
    "D",
  );
  assert.equal(read(k1).length, 2 * 512);
  disposePair(pair);
});

Deno.test("the replication architectures are registered with their checks", () => {
  assert.equal(
    ARCHITECTURES.get("pacgan").unsupportedReason!([28, 28, 1], 1),
    "it needs 1-D samples (points), got shape [28, 28, 1]",
  );
  assert.equal(
    ARCHITECTURES.get("pacgan").unsupportedReason!([2], 4),
    "its discriminator has 1 output, the trainer needs 4",
  );
  assert.equal(ARCHITECTURES.get("pacgan").unsupportedReason!([2], 1), undefined);
  assert.ok(ARCHITECTURES.has("relu-mlp"));
});
