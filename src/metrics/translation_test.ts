import assert from "node:assert/strict";
import type { Dataset } from "../data/dataset.ts";
import { mnistInverted, ring8Rotated, rotateScalePoints } from "../data/paired_domains.ts";
import { initBackend } from "../engine/backend.ts";
import type { TranslationOutputs } from "../models/translation.ts";
import { balancedError, translationMetric, trivialMaps } from "./translation.ts";

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

Deno.test("balancedError weighs T(a)'s foreground and background equally, so a blank image does not win", () => {
  // 4 values, one foreground (differs from the blank by more than 0.5): t = (1, −1, −1, −1).
  const t = Float32Array.from([1, -1, -1, -1]), blank = Float32Array.from([-1]);
  assert.equal(balancedError(t, t, blank), 0);
  // The blank itself: error 2 on the foreground, 0 elsewhere; the plain mean would be 0.5.
  assert.equal(balancedError(Float32Array.from([-1, -1, -1, -1]), t, blank), 1);
  assert.equal(balancedError(Float32Array.from([1, 1, 1, 1]), t, blank), 1);
  // No foreground at all: the plain mean.
  assert.equal(balancedError(Float32Array.from([0, 0]), Float32Array.from([-1, -1]), blank), 1);
});

Deno.test("trivial maps: on the ring the identity is right on half the modes by nearest mode, on none within 3σ", async () => {
  const n = 800;
  const translation = ring8Rotated.translation!;
  const { samples: a, labels } = translation.heldOut(n);
  const maps = trivialMaps(translation, a, labels, 2);
  const score = (x: Float32Array) => translationMetric.evaluate(x, { dataset: ring8Rotated });
  const identity = await score(maps.identity);
  assert.ok(identity["translation.accuracy"] > 0.4, `${identity["translation.accuracy"]}`);
  assert.equal(identity["translation.accuracy-3sd"], 0);
  const permuted = await score(maps["permuted-modes"]);
  assert.equal(permuted["translation.accuracy"], 0, "every translation on the wrong mode");
  assert.equal(permuted["translation.accuracy-3sd"], 0);
  assert.equal(permuted["translation.modes"], 8, "and yet B's distribution");
  const truth = await score(translation.forward(a));
  assert.equal(truth["translation.gt-error-rel"], 0);
  // Within 3σ of a 2-d Gaussian's centre: 1 − e^(−9/2) = 98.9% of the samples.
  assert.ok(Math.abs(truth["translation.accuracy-3sd"] - (1 - Math.exp(-4.5))) < 0.015);
  const errors = await Promise.all(Object.values(maps).map(score));
  const rel = errors.map((f) => f["translation.gt-error-rel"]);
  assert.equal(Math.min(...rel), 1, "the best trivial map defines the scale");
  assert.ok(rel.every((r) => r >= 1));
});

Deno.test("trivial maps on MNIST inversion: the blank image's low plain error is no longer a win", async () => {
  const n = 300;
  const translation = mnistInverted.translation!;
  const { samples: a, labels } = translation.heldOut(n);
  const maps = trivialMaps(translation, a, labels, 784);
  const context = { dataset: mnistInverted, features: "mnist" };
  const blank = await translationMetric.evaluate(maps.blank, context);
  const identity = await translationMetric.evaluate(maps.identity, context);
  const right = await translationMetric.evaluate(translation.forward(a), context);
  // The blank (white) image beats the identity on the plain error: most pixels are background.
  assert.ok(blank["translation.gt-error"] < 0.3 && identity["translation.gt-error"] > 1);
  // Foreground-weighted, the blank image's error is half its foreground error: far from T's 0.
  assert.equal(right["translation.gt-error-fg"], 0);
  assert.ok(blank["translation.gt-error-fg"] > 0.7, `${blank["translation.gt-error-fg"]}`);
  // Every image is the same (constant maps), and the permuted map gets no digit right.
  assert.deepEqual(maps.blank.subarray(0, 784), maps.blank.subarray(784, 1568));
  assert.deepEqual(
    maps["best-constant"].subarray(0, 784),
    maps["best-constant"].subarray(784, 1568),
  );
  const permuted = await translationMetric.evaluate(maps["permuted-modes"], context);
  assert.ok(permuted["translation.accuracy"] < 0.1, `${permuted["translation.accuracy"]}`);
});
