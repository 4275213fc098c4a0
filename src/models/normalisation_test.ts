import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { ARCHITECTURES, type BuildContext, disposePair, type GanPair } from "./mod.ts";
import { layerNorm, Normalisation, SpectralNorm } from "./normalisation.ts";
import { gradientPenalty } from "../losses/regularisers.ts";
import { DEFAULT_HYPER, LOSSES } from "../losses/mod.ts";
import { ring8 } from "../data/mixtures.ts";
import { train } from "../train/train.ts";
import { buildMlp, MlpOptions } from "./mlp.ts";

await initBackend("wasm");

/** The largest singular value of `values` read as a [rows, cols] matrix, from ml-matrix's SVD. */
function largestSingularValue(values: Float32Array, rows: number, cols: number): number {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, values[i * cols + j]);
  return Math.max(...new SingularValueDecomposition(m).diagonal);
}

Deno.test("spectral normalisation's power iteration converges to the largest singular value of a kernel read as [kh·kw·in, out]", () => {
  const rng = new Rng(1);
  const kernel = tf.variable(tf.tensor4d(rng.normals(3 * 3 * 4 * 5), [3, 3, 4, 5]));
  const expected = largestSingularValue(kernel.dataSync() as Float32Array, 36, 5);
  const norm = new SpectralNorm(kernel, new Rng(2));
  const estimates: number[] = [];
  for (let i = 0; i < 60; i++) {
    estimates.push(norm.sigma().dataSync()[0]);
    norm.update();
  }
  // A lower bound at every iteration that rises to σ_max.
  assert.ok(estimates.every((s) => s <= expected * (1 + 1e-5)), "never above σ_max");
  assert.ok(
    Math.abs(estimates.at(-1)! - expected) < 1e-4 * expected,
    `${estimates.at(-1)} vs ${expected}`,
  );
  const normalised = norm.normalised();
  assert.deepEqual(normalised.shape, kernel.shape);
  const after = largestSingularValue(normalised.dataSync() as Float32Array, 36, 5);
  assert.ok(Math.abs(after - 1) < 1e-4, `σ(W / σ) = ${after}`);
  tf.dispose([kernel, normalised, ...norm.state]);
});

Deno.test("spectral normalisation runs exactly one power iteration per update, from a seeded u", () => {
  const values = [2, 1, 0, 1, 3, 1];
  const weight = tf.variable(tf.tensor2d(values, [3, 2]));
  const norm = new SpectralNorm(weight, new Rng(4));
  // The same iteration in float64: u0 = normalised N(0, 1) draws of the same stream.
  const normalise = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  let u = normalise(Array.from(new Rng(4).normals(2)));
  let v: number[] = [];
  const step = () => {
    v = normalise([0, 1, 2].map((i) => values[2 * i] * u[0] + values[2 * i + 1] * u[1]));
    u = normalise([0, 1].map((j) => v.reduce((s, vi, i) => s + vi * values[2 * i + j], 0)));
  };
  step(); // at construction
  for (let i = 0; i < 3; i++) {
    const sigma = v.reduce(
      (s, vi, r) => s + vi * (values[2 * r] * u[0] + values[2 * r + 1] * u[1]),
      0,
    );
    assert.ok(Math.abs(norm.sigma().dataSync()[0] - sigma) < 1e-5, `iteration ${i}`);
    norm.update();
    step();
  }
  tf.dispose([weight, ...norm.state]);
});

Deno.test("the gradient through W / σ treats u and v as constants: G/σ − ⟨G, W⟩/σ² · v uᵀ", () => {
  const rng = new Rng(7);
  const weight = tf.variable(tf.tensor2d(rng.normals(12), [4, 3]));
  const norm = new SpectralNorm(weight, new Rng(8));
  const upstream = tf.tensor2d(rng.normals(12), [4, 3]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(norm.normalised(), upstream)), [weight]);
  const [u, v] = norm.state.map((s) => Array.from(s.dataSync()));
  const [w, g] = [weight, upstream].map((t) => Array.from(t.dataSync()));
  const sigma = norm.sigma().dataSync()[0];
  const inner = w.reduce((s, x, i) => s + x * g[i], 0);
  const actual = grads[weight.name].dataSync();
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 3; c++) {
      const expected = g[r * 3 + c] / sigma - (inner / sigma ** 2) * v[r] * u[c];
      assert.ok(Math.abs(actual[r * 3 + c] - expected) < 1e-5, `(${r}, ${c})`);
    }
  }
  tf.dispose([weight, upstream, ...norm.state, ...Object.values(grads)]);
});

Deno.test("layer norm gives each sample zero mean and unit variance over all its features", () => {
  const x = tf.tensor4d(new Rng(3).normals(2 * 3 * 3 * 4, 5, 2), [2, 3, 3, 4]);
  const weights = { scale: tf.variable(tf.ones([4])), offset: tf.variable(tf.zeros([4])) };
  const y = layerNorm(x, weights);
  const { mean, variance } = tf.moments(y, [1, 2, 3]);
  for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-5);
  for (const v of variance.dataSync()) assert.ok(Math.abs(v - 1) < 1e-3);
  tf.dispose([x, y, mean, variance, weights.scale, weights.offset]);
});

/** Small options for the architectures whose discriminator takes a normalisation. */
const TINY: Record<string, { shape: number[]; options: Record<string, Record<string, unknown>> }> =
  {
    mlp: { shape: [2], options: { generator: { hidden: [6] }, discriminator: { hidden: [6, 5] } } },
    dcgan: { shape: [28, 28, 1], options: { generator: { base: 2 }, discriminator: { base: 2 } } },
    dcgan32: {
      shape: [32, 32, 3],
      options: { generator: { base: 2 }, discriminator: { base: 2 } },
    },
    // D's seven N(0, 0.02²) layers need some width for a signal to reach the output.
    sndcgan: {
      shape: [32, 32, 3],
      options: { generator: { base: 2 }, discriminator: { base: 8 } },
    },
  };

/** The architectures whose options take `discriminator.normalisation`. */
const normalisable = ARCHITECTURES.entries().filter(([, arch]) =>
  arch.options.safeParse({ discriminator: { normalisation: "spectral" } }).success
);

Deno.test("mlp, dcgan, dcgan32 and sndcgan take every discriminator normalisation (the others none)", () => {
  assert.deepEqual(normalisable.map(([name]) => name).sort(), Object.keys(TINY).sort());
});

for (const [name, arch] of normalisable) {
  for (const kind of Normalisation.options) {
    Deno.test(`architecture '${name}' with ${kind} normalisation trains every weight, is seeded, keeps its state and leaks nothing`, () => {
      const { shape, options } = TINY[name];
      const parsed = arch.options.parse({
        ...options,
        discriminator: { ...options.discriminator, normalisation: kind },
      });
      const context = (seed: number): BuildContext => ({
        sampleShape: shape,
        latentDim: 3,
        rng: new Rng(seed).stream("init"),
      });
      const tensors = tf.memory().numTensors;
      const pair = arch.build(parsed, context(5)) as GanPair;
      const d = pair.discriminator;
      assert.equal(d.afterStep !== undefined, kind === "spectral", "a power iteration to run");
      assert.equal((d.state ?? []).length > 0, kind === "spectral", "u and v per weight");
      // D's loss plus a gradient penalty: a second-order gradient through every normalisation.
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const real = tf.randomNormal([4, ...shape], 0, 1, "float32", 1);
          const fake = pair.generator.generate(tf.randomNormal([4, 3], 0, 1, "float32", 2));
          // The non-saturating D loss (a Wasserstein loss gives the output bias no gradient).
          const loss = tf.add(
            tf.mean(tf.softplus(tf.neg(d.discriminate(real).logits))),
            tf.mean(tf.softplus(d.discriminate(fake).logits)),
          );
          const penalty = gradientPenalty.penalty!({
            discriminator: d,
            real,
            fake,
            rng: new Rng(3),
          }, 10);
          return tf.add(loss, penalty) as tf.Scalar;
        }), d.variables);
      assert.ok(Number.isFinite(value.dataSync()[0]));
      for (const v of d.variables) {
        const g = grads[v.name].dataSync();
        assert.ok(g.every(Number.isFinite) && g.some((x) => x !== 0), `${v.name} [${v.shape}]`);
      }
      tf.dispose([value, ...Object.values(grads)]);
      const again = arch.build(parsed, context(5)) as GanPair;
      const values = (p: GanPair) =>
        [...p.discriminator.variables, ...(p.discriminator.state ?? [])].map((v) => v.dataSync());
      assert.deepEqual(values(again), values(pair), "the same seed builds the same D and state");
      if (kind === "spectral") {
        const before = d.state!.map((v) => v.dataSync().slice());
        d.afterStep!();
        assert.notDeepEqual(d.state!.map((v) => v.dataSync()), before, "afterStep moves u, v");
      }
      disposePair(again);
      disposePair(pair);
      assert.equal(tf.memory().numTensors, tensors, "disposing the pair frees its state too");
    });
  }
}

Deno.test("the gan trainer runs the discriminator's power iteration once per D step", async () => {
  const pair = buildMlp(
    MlpOptions.parse({
      generator: { hidden: [4] },
      discriminator: { hidden: [4], normalisation: "spectral" },
    }),
    { sampleShape: [2], latentDim: 2, rng: new Rng(1).stream("init") },
  );
  const iterate = pair.discriminator.afterStep!;
  let calls = 0;
  pair.discriminator.afterStep = () => {
    calls++;
    iterate();
  };
  await train({
    dataset: ring8,
    pair,
    loss: LOSSES.get("hinge"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, k: 2 },
    budget: { steps: 3, batchSize: 8, logEvery: 1, evalEvery: 3 },
    rng: new Rng(2),
    evaluate: () => ({}),
  });
  assert.equal(calls, 3 * 2, "3 generator steps of k = 2 discriminator steps");
  disposePair(pair);
});
