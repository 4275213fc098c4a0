/**
 * The regularisers on a linear critic D(x) = w·x, whose input gradient is w everywhere, so that
 * every penalty has a closed form; and the second-order gradient path through an MLP critic.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { type Discriminator, disposePair } from "../models/network.ts";
import { REGULARISERS } from "./mod.ts";
import {
  gradientPenalty,
  instanceNoise,
  r1Penalty,
  r2Penalty,
  type Regulariser,
  weightClipping,
} from "./regularisers.ts";

await initBackend("cpu");

/** D(x) = x·w for `x` of shape `[n, d]`; its features are its input. */
function linearCritic(w: number[]): Discriminator & { w: tf.Variable } {
  const v = tf.variable(tf.tensor2d(w, [w.length, 1]));
  return {
    w: v,
    variables: [v],
    discriminate: (x) => ({
      logits: tf.matMul(x as tf.Tensor2D, v),
      features: x as tf.Tensor2D,
    }),
  };
}

const norm = (w: number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));

function close(actual: number, expected: number, what: string, tolerance = 1e-5) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

/** A penalty's value on the batches, evaluated in a tidy; checks it is a scalar and leaks nothing. */
function penaltyValue(
  regulariser: Regulariser,
  discriminator: Discriminator,
  real: number[][],
  fake: number[][],
  weight: number,
  seed = 0,
): number {
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const p = regulariser.penalty!({
      discriminator,
      real: tf.tensor2d(real),
      fake: tf.tensor2d(fake),
      rng: new Rng(seed),
    }, weight);
    assert.equal(p.rank, 0);
    return p.dataSync()[0];
  });
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  return result;
}

/** `n` random points of dimension `d`, spread well beyond the unit ball. */
function points(n: number, d: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => 3 * rng.normal()));
}

const WEIGHTS = [[0.6, -0.8], [3, 4, 0, -1], [0.1, 0.05], [1, 0]];

Deno.test("the registry holds the five regularisers with their paper defaults", () => {
  assert.deepEqual(
    REGULARISERS.entries().map(([name, r]) => [name, r.defaultWeight]),
    [["gradient-penalty", 10], ["weight-clip", 0.01], ["r1", 10], ["r2", 10], [
      "instance-noise",
      1,
    ]],
  );
  for (const [name, r] of REGULARISERS.entries()) {
    const hooks = [r.penalty, r.afterDiscriminatorStep, r.perturb].filter(Boolean);
    assert.equal(hooks.length, 1, `${name} has exactly one hook`);
  }
});

Deno.test("the gradient penalty on a linear critic is λ(‖w‖ - 1)² for any interpolation", () => {
  const rng = new Rng(5);
  for (const w of WEIGHTS) {
    const critic = linearCritic(w);
    const expected = (lambda: number) => lambda * (norm(w) - 1) ** 2;
    for (let seed = 0; seed < 4; seed++) {
      const real = points(6, w.length, rng);
      const fake = points(6, w.length, rng);
      for (const lambda of [1, 10]) {
        close(
          penaltyValue(gradientPenalty, critic, real, fake, lambda, seed),
          expected(lambda),
          `GP λ=${lambda} w=${w} seed ${seed}`,
        );
      }
    }
    critic.w.dispose();
  }
});

Deno.test("the gradient penalty vanishes for a 1-Lipschitz linear critic with ‖w‖ = 1", () => {
  const critic = linearCritic([0.6, -0.8]);
  const rng = new Rng(1);
  const value = penaltyValue(gradientPenalty, critic, points(8, 2, rng), points(8, 2, rng), 10);
  assert.ok(Math.abs(value) < 1e-5, `${value}`);
  critic.w.dispose();
});

Deno.test("the gradient penalty interpolates x̂ = εx + (1-ε)x̃ with ε ~ U[0,1) drawn from its stream", () => {
  // D(x) = ½x² in one dimension has ∇D(x̂) = x̂, so the penalty reveals every interpolate.
  const discriminator: Discriminator = {
    variables: [],
    discriminate: (x) => ({
      logits: tf.mul(0.5, tf.square(x)) as tf.Tensor2D,
      features: x as tf.Tensor2D,
    }),
  };
  const real = [[1], [2], [-1], [0.5]];
  const fake = [[3], [-2], [-1], [4]];
  for (const seed of [0, 7]) {
    const eps = new Rng(seed).uniforms(real.length, 0, 1);
    const expected = 10 * real.reduce((s, [r], i) => {
      const x = eps[i] * r + (1 - eps[i]) * fake[i][0];
      return s + (Math.abs(x) - 1) ** 2;
    }, 0) / real.length;
    close(
      penaltyValue(gradientPenalty, discriminator, real, fake, 10, seed),
      expected,
      `seed ${seed}`,
    );
  }
});

Deno.test("R1 and R2 on a linear critic are (γ/2)‖w‖², on real and on generated data", () => {
  const rng = new Rng(2);
  for (const w of WEIGHTS) {
    const critic = linearCritic(w);
    const real = points(5, w.length, rng);
    const fake = points(7, w.length, rng);
    for (const gamma of [1, 10, 0.5]) {
      const expected = (gamma / 2) * norm(w) ** 2;
      close(penaltyValue(r1Penalty, critic, real, fake, gamma), expected, `R1 γ=${gamma} w=${w}`);
      close(penaltyValue(r2Penalty, critic, real, fake, gamma), expected, `R2 γ=${gamma} w=${w}`);
    }
    critic.w.dispose();
  }
});

Deno.test("R1 reads only the real batch and R2 only the generated one", () => {
  // A critic whose input gradient is x itself (D(x) = ½‖x‖²) tells the two batches apart.
  const discriminator: Discriminator = {
    variables: [],
    discriminate: (x) => ({
      logits: tf.mul(0.5, tf.sum(tf.square(x), 1, true)) as tf.Tensor2D,
      features: x as tf.Tensor2D,
    }),
  };
  const real = [[1, 0], [0, 3]];
  const fake = [[2, 2], [0, 0], [1, 1]];
  const meanSquaredNorm = (x: number[][]) => x.reduce((s, row) => s + norm(row) ** 2, 0) / x.length;
  close(penaltyValue(r1Penalty, discriminator, real, fake, 2), meanSquaredNorm(real), "R1");
  close(penaltyValue(r2Penalty, discriminator, real, fake, 2), meanSquaredNorm(fake), "R2");
});

Deno.test("the penalties' gradients w.r.t. a linear critic's weights match their closed forms", () => {
  // ∂/∂w λ(‖w‖-1)² = 2λ(‖w‖-1)·w/‖w‖ and ∂/∂w (γ/2)‖w‖² = γw: second-order gradients through tf.grad.
  const rng = new Rng(9);
  const w = [3, -4, 1];
  const n = norm(w);
  const critic = linearCritic(w);
  const cases: [Regulariser, number, number[]][] = [
    [gradientPenalty, 10, w.map((x) => 2 * 10 * (n - 1) * x / n)],
    [r1Penalty, 3, w.map((x) => 3 * x)],
    [r2Penalty, 3, w.map((x) => 3 * x)],
  ];
  for (const [regulariser, weight, expected] of cases) {
    const real = tf.tensor2d(points(4, 3, rng));
    const fake = tf.tensor2d(points(4, 3, rng));
    const gradient = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () =>
          regulariser.penalty!(
            { discriminator: critic, real, fake, rng: new Rng(0) },
            weight,
          ),
        critic.variables,
      );
      return Array.from(grads[critic.w.name].dataSync());
    });
    expected.forEach((e, i) => close(gradient[i], e, `${regulariser.description} ∂/∂w${i}`, 1e-4));
    tf.dispose([real, fake]);
  }
  critic.w.dispose();
});

Deno.test("the penalties are differentiable w.r.t. an MLP discriminator's weights (second-order path)", () => {
  const options = MlpOptions.parse({
    generator: { hidden: [8] },
    discriminator: { hidden: [8, 8] },
  });
  const pair = buildMlp(options, { sampleShape: [2], latentDim: 2, rng: new Rng(4) });
  const { discriminator } = pair;
  const rng = new Rng(6);
  const real = tf.tensor2d(points(16, 2, rng));
  const fake = tf.tensor2d(points(16, 2, rng));
  const before = tf.memory().numTensors;
  for (const regulariser of [gradientPenalty, r1Penalty, r2Penalty]) {
    const norms = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => regulariser.penalty!({ discriminator, real, fake, rng: new Rng(1) }, 10),
        discriminator.variables,
      );
      assert.ok(Number.isFinite(value.dataSync()[0]));
      return discriminator.variables.map((v) => {
        const g = grads[v.name];
        if (!g) return undefined;
        const values = Array.from(g.dataSync() as Float32Array);
        assert.ok(values.every(Number.isFinite), `${regulariser.description}: ${v.name} finite`);
        return Math.sqrt(values.reduce((s, x) => s + x * x, 0));
      });
    });
    // D is piecewise linear in x, so ∇ₓD = W₁ diag(a'₁) W₂ diag(a'₂) w₃ involves every kernel but
    // no bias (the biases only select the linear piece): each kernel gets a non-zero gradient,
    // each bias a zero one (or none: the output bias does not reach ∇ₓD at all).
    discriminator.variables.forEach((v, i) => {
      const isKernel = v.rank === 2;
      const g = norms[i];
      if (isKernel) assert.ok(g !== undefined && g > 0, `${regulariser.description}: kernel ${i}`);
      else assert.ok(g === undefined || g === 0, `${regulariser.description}: bias ${i}: ${g}`);
    });
  }
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  tf.dispose([real, fake]);
  disposePair(pair);
});

Deno.test("weight clipping clips every discriminator weight to [-c, c] and leaves the rest alone", () => {
  const w = tf.variable(tf.tensor2d([-3, -0.005, 0, 0.2, 7, 0.01], [3, 2]));
  const b = tf.variable(tf.tensor1d([0.5, -0.01]));
  const discriminator: Discriminator = {
    variables: [w, b],
    discriminate: () => {
      throw new Error("weight clipping never runs D");
    },
  };
  const before = tf.memory().numTensors;
  weightClipping.afterDiscriminatorStep!(discriminator, 0.01);
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  const c = Math.fround(0.01);
  assert.deepEqual(Array.from(w.dataSync()), [-c, Math.fround(-0.005), 0, c, c, c]);
  assert.deepEqual(Array.from(b.dataSync()), [c, -c]);
  assert.deepEqual(w.shape, [3, 2]);
  weightClipping.afterDiscriminatorStep!(discriminator, 1);
  assert.deepEqual(Array.from(b.dataSync()), [c, -c], "a looser bound changes nothing");
  tf.dispose([w, b]);
});

Deno.test("weight clipping bounds every weight of an MLP discriminator", () => {
  const options = MlpOptions.parse({ generator: { hidden: [8] }, discriminator: { hidden: [8] } });
  const pair = buildMlp(options, { sampleShape: [2], latentDim: 2, rng: new Rng(8) });
  weightClipping.afterDiscriminatorStep!(pair.discriminator, 0.05);
  for (const v of pair.discriminator.variables) {
    const values = Array.from(v.dataSync());
    assert.ok(values.every((x) => Math.abs(x) <= Math.fround(0.05)), v.name);
    assert.ok(values.some((x) => Math.abs(x) === Math.fround(0.05)), `${v.name} was clipped`);
  }
  disposePair(pair);
});

Deno.test("instance noise adds zero-mean Gaussian noise of std σ, reproducibly", () => {
  const x = tf.fill([20000, 1], 2);
  const noisy = instanceNoise.perturb!(x, 0.5, new Rng(3));
  assert.deepEqual(noisy.shape, x.shape);
  const values = Array.from(noisy.dataSync());
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean - 2) < 0.02 && Math.abs(std - 0.5) < 0.02, `mean ${mean} std ${std}`);
  const again = instanceNoise.perturb!(x, 0.5, new Rng(3));
  assert.deepEqual(again.dataSync(), noisy.dataSync());
  tf.dispose([x, noisy, again]);
});
