import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { Rng } from "./rng.ts";

const f = Math.fround;

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`LeakyRelu on ${backend}: output, gradient and gradient of its gradient`, async () => {
    await initBackend(backend);
    const rng = new Rng(31);
    const alpha = 0.2;
    // 37 values (vectors and a tail), exact zeros among them.
    const z = Float32Array.from(rng.normals(37), (v, i) => (i % 6 === 0 ? 0 : v));
    const dy = Float32Array.from(rng.normals(37));
    const [zt, dyt] = [tf.tensor1d(z), tf.tensor1d(dy)];
    const before = tf.memory().numTensors;
    const output = tf.tidy(() => tf.leakyRelu(zt, alpha).dataSync());
    // wasm multiplies by the float32 slope, cpu by the float64 one (in JavaScript).
    const slope = backend === "wasm" ? f(alpha) : alpha;
    assert.deepEqual(output, z.map((v) => (v < 0 ? f(v * slope) : v)), "output");
    const gradient = tf.tidy(() => tf.grad((x) => tf.leakyRelu(x, alpha))(zt, dyt).dataSync());
    assert.deepEqual(gradient, dy.map((d, i) => f(d * (z[i] > 0 ? 1 : f(alpha)))), "gradient");
    // P(w) = Σ (∂/∂x Σ leaky(w·x))² = w²·Σ leaky'(w·x)², so dP/dw = 2w·Σ leaky'(w·x)².
    const w = 1.5;
    const penaltyGradient = tf.tidy(() => {
      const penalty = (scale: tf.Tensor) =>
        tf.sum(tf.square(tf.grad((x) => tf.sum(tf.leakyRelu(tf.mul(x, scale), alpha)))(zt)));
      return tf.grad(penalty)(tf.scalar(w)).dataSync()[0];
    });
    const expected = 2 * w * z.reduce((s, v) => s + (v > 0 ? 1 : alpha) ** 2, 0);
    assert.ok(
      Math.abs(penaltyGradient - expected) <= 1e-5 * expected,
      `${penaltyGradient} vs ${expected}`,
    );
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    tf.dispose([zt, dyt]);
  });
}
