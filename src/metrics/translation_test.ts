import assert from "node:assert/strict";
import type { Dataset } from "../data/dataset.ts";
import { mnistInverted, ring8Rotated, rotateScalePoints } from "../data/paired_domains.ts";
import { initBackend } from "../engine/backend.ts";
import type { TranslationOutputs } from "../models/translation.ts";
import { translationMetric } from "./translation.ts";

await initBackend("wasm");

/** The outputs of translators that apply `g` and `f` to the first n held-out a and b = T(a). */
function outputsOf(
  dataset: Dataset,
  n: number,
  g: (x: Float32Array) => Float32Array,
  f: (x: Float32Array) => Float32Array,
): TranslationOutputs {
  const a = dataset.translation!.heldOut(n).samples, b = dataset.translation!.forward(a);
  return {
    forward: g(a),
    backward: f(b),
    cycleA: f(g(a)),
    cycleB: g(f(b)),
    identityA: f(a),
    identityB: g(b),
  };
}

const meanAbs = (x: Float32Array) => x.reduce((s, v) => s + Math.abs(v), 0) / x.length;

Deno.test("translation: T itself scores no error and every class right on ring8-rotated", async () => {
  const { forward, inverse } = ring8Rotated.translation!;
  const outputs = outputsOf(ring8Rotated, 500, forward, inverse);
  const figures = await translationMetric.evaluate(outputs.forward, {
    dataset: ring8Rotated,
    translations: outputs,
  });
  assert.equal(figures["translation.gt-error"], 0);
  assert.ok(figures["translation.gt-error-f"] < 1e-6, "T⁻¹(T(a)) = a up to float32 rounding");
  assert.equal(figures["translation.accuracy"], 1);
  assert.equal(figures["translation.accuracy-f"], 1);
  assert.equal(figures["translation.modes"], 8);
  assert.ok(figures["translation.mass"] > 0.95, `mass ${figures["translation.mass"]}`);
  assert.ok(figures["translation.cycle"] < 1e-6, "T⁻¹(T(a)) = a up to float32 rounding");
  // G(b) = T(b) moves b, so the identity error is mean |T(b) − b|, not 0.
  const heldB = forward(ring8Rotated.translation!.heldOut(500).samples);
  const moved = heldB.map((v, i) => outputs.identityB[i] - v);
  assert.ok(Math.abs(figures["translation.identity"] - meanAbs(moved)) < 1e-6);
  assert.equal(figures["translation.samples"], 500);
});

Deno.test("translation: a map onto B's modes that is not T covers every mode but gets no class right", async () => {
  // Rotating by π/8 + π/4 and doubling maps ring8 onto B's 8 modes, each onto the wrong one.
  const wrong = (x: Float32Array) => rotateScalePoints(x, Math.PI / 8 + Math.PI / 4, 2);
  const back = (x: Float32Array) => rotateScalePoints(x, -Math.PI / 8 - Math.PI / 4, 0.5);
  const outputs = outputsOf(ring8Rotated, 500, wrong, back);
  const figures = await translationMetric.evaluate(outputs.forward, {
    dataset: ring8Rotated,
    translations: outputs,
  });
  assert.equal(figures["translation.modes"], 8, "the distribution is matched");
  assert.equal(figures["translation.accuracy"], 0, "the map is not T");
  assert.equal(figures["translation.accuracy-f"], 0);
  assert.ok(figures["translation.gt-error"] > 0.5);
  assert.ok(
    figures["translation.cycle"] < 1e-6,
    "and yet F(G(a)) = a: cycle consistency cannot tell",
  );
});

Deno.test("translation: on MNIST inversion, T is read right by mnist-net and a shuffled T is not, with the same FID", async () => {
  const n = 300;
  const { forward, inverse } = mnistInverted.translation!;
  const perfect = outputsOf(mnistInverted, n, forward, inverse);
  const context = { dataset: mnistInverted, features: "mnist" };
  const right = await translationMetric.evaluate(perfect.forward, {
    ...context,
    translations: perfect,
  });
  assert.equal(right["translation.gt-error"], 0);
  assert.ok(right["translation.accuracy"] > 0.95, `accuracy ${right["translation.accuracy"]}`);
  assert.ok(right["translation.accuracy-f"] > 0.95);
  // G(b) = −b: the identity error is mean |−b − b| = 2 mean |b|.
  const b = forward(mnistInverted.translation!.heldOut(n).samples);
  assert.ok(Math.abs(right["translation.identity"] - 2 * meanAbs(b)) < 1e-6);
  // Every digit translated into the inversion of the next one: B's distribution, wrong digits.
  const size = 784;
  const shifted = (x: Float32Array) => {
    const out = new Float32Array(x.length);
    out.set(x.subarray(size), 0);
    out.set(x.subarray(0, size), x.length - size);
    return forward(out);
  };
  const wrong = await translationMetric.evaluate(
    shifted(mnistInverted.translation!.heldOut(n).samples),
    context,
  );
  assert.ok(wrong["translation.accuracy"] < 0.3, `accuracy ${wrong["translation.accuracy"]}`);
  const fid = (figures: Record<string, number>) => figures["translation.fid[mnist-net]"];
  assert.ok(
    Math.abs(fid(wrong) - fid(right)) < 1e-6 * fid(right),
    "the same digits, in another order: the same distribution",
  );
  // G(a) = a, the identity: T⁻¹(G(a)) = −a are inverted digits, far from real ones.
  const identity = await translationMetric.evaluate(
    mnistInverted.translation!.heldOut(n).samples,
    context,
  );
  assert.ok(fid(identity) > 2 * fid(right), `${fid(identity)} vs ${fid(right)}`);
  assert.equal(wrong["translation.gt-error-f"], undefined, "no F figures without its outputs");
});
