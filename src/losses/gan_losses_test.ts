import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import type { DiscriminatorOutput } from "../models/network.ts";
import { LOSSES } from "./mod.ts";

await initBackend("cpu");
const softplus = (x: number) => Math.log1p(Math.exp(x));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const REAL = [2, -0.5, 1];
const FAKE = [-1, 0.3, 3];
const output = (logits: number[], features = [[0, 0]]): DiscriminatorOutput => ({
  logits: tf.tensor2d(logits, [logits.length, 1]),
  features: tf.tensor2d(features),
});

function value(fn: () => tf.Scalar): number {
  return tf.tidy(() => fn().dataSync()[0]);
}

function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);
}

Deno.test("each loss matches its closed form on hand-picked logits", () => {
  const d = (name: string) =>
    value(() => LOSSES.get(name).discriminatorLoss(output(REAL), output(FAKE)));
  const g = (name: string) => value(() => LOSSES.get(name).generatorLoss(output(FAKE)));
  const bce = mean(REAL.map((r) => softplus(-r))) + mean(FAKE.map(softplus));
  close(d("minimax"), bce, "minimax D");
  close(g("minimax"), -mean(FAKE.map(softplus)), "minimax G = log(1 - D(G(z)))");
  close(d("non-saturating"), bce, "nsgan D");
  close(g("non-saturating"), mean(FAKE.map((f) => softplus(-f))), "nsgan G = -log D(G(z))");
  close(
    d("least-squares"),
    0.5 * mean(REAL.map((r) => (r - 1) ** 2)) + 0.5 * mean(FAKE.map((f) => f * f)),
    "lsgan D",
  );
  close(g("least-squares"), 0.5 * mean(FAKE.map((f) => (f - 1) ** 2)), "lsgan G");
  close(d("wasserstein"), mean(FAKE) - mean(REAL), "wgan D");
  close(g("wasserstein"), -mean(FAKE), "wgan G");
  close(
    d("hinge"),
    mean(REAL.map((r) => Math.max(0, 1 - r))) + mean(FAKE.map((f) => Math.max(0, 1 + f))),
    "hinge D",
  );
  close(g("hinge"), -mean(FAKE), "hinge G");
});

Deno.test("feature matching is the squared distance of feature means and needs real features", () => {
  const fm = LOSSES.get("feature-matching");
  const real = output([0, 0], [[1, 2], [3, 4]]);
  const fake = output([0, 0], [[0, 0], [2, 2]]);
  close(value(() => fm.generatorLoss(fake, real)), (2 - 1) ** 2 + (3 - 1) ** 2, "fm G");
  assert.equal(fm.generatorNeedsReal, true);
  assert.throws(() => fm.generatorLoss(fake), /needs D's output on real data/);
});

Deno.test("the logit-space losses stay finite for logits of ±100", () => {
  const extreme = [100, -100];
  for (const name of ["minimax", "non-saturating", "feature-matching"]) {
    const loss = LOSSES.get(name);
    const d = value(() => loss.discriminatorLoss(output(extreme), output(extreme)));
    assert.ok(Number.isFinite(d), `${name} D: ${d}`);
  }
  for (const name of ["minimax", "non-saturating"]) {
    assert.ok(Number.isFinite(value(() => LOSSES.get(name).generatorLoss(output(extreme)))), name);
  }
});
