import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Generator } from "../models/mod.ts";
import { classifierArithmetic, type Classify, vectorArithmetic } from "./vector_arithmetic.ts";

await initBackend("wasm");

/** A generator whose samples are its 2-d codes. */
const identity: Generator = { variables: [], latentDim: 2, generate: (z) => tf.clone(z) };

/** Quadrant of (x, y): 0 (+, +), 1 (−, +), 2 (−, −), 3 (+, −). */
const quadrant = (x: number, y: number) => x >= 0 ? (y >= 0 ? 0 : 3) : (y >= 0 ? 1 : 2);

/** Calls the quadrant of a 2-d sample, the more confidently the farther it is from the origin. */
const byQuadrant: Classify = (samples, n) => {
  const data = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    const confidence = 0.5 + 0.4 * Math.tanh(Math.abs(x) + Math.abs(y));
    data.fill((1 - confidence) / 3, 4 * i, 4 * i + 4);
    data[4 * i + quadrant(x, y)] = confidence;
  }
  return Promise.resolve({ data, d: 4 });
};

Deno.test("vectorArithmetic() shows mean(A) − mean(B) + mean(C) of the most confident codes of the three most called classes", async () => {
  const pool = 60;
  const example = await vectorArithmetic(identity, new Rng(5), byQuadrant, pool);
  assert.ok(example);
  // The same codes, judged here directly.
  const codes = new Rng(5).normals(pool * 2);
  const calls = Array.from({ length: pool }, (_, i) => {
    const [x, y] = [codes[2 * i], codes[2 * i + 1]];
    return { x, y, label: quadrant(x, y), confidence: Math.abs(x) + Math.abs(y) };
  });
  const count = (label: number) => calls.filter((c) => c.label === label).length;
  const ranked = [0, 1, 2, 3].sort((p, q) => count(q) - count(p) || p - q);
  assert.deepEqual([example.a, example.b, example.c], ranked.slice(0, 3));
  const mean = (label: number) => {
    const top = calls.filter((c) => c.label === label)
      .sort((p, q) => q.confidence - p.confidence).slice(0, 3);
    return [0, 1].map((k) => top.reduce((s, c) => s + (k === 0 ? c.x : c.y), 0) / 3);
  };
  const [a, b, c] = ranked.slice(0, 3).map(mean);
  const result = a.map((v, k) => v - b[k] + c[k]);
  assert.deepEqual([example.row.rows, example.row.cols], [1, 4]);
  const shown = Array.from(example.row.samples);
  [...a, ...b, ...c, ...result].forEach((v, k) =>
    assert.ok(Math.abs(shown[k] - v) < 1e-5, `row value ${k}: ${shown[k]} vs ${v}`)
  );
  assert.equal(example.result, quadrant(result[0], result[1]));
});

Deno.test("vectorArithmetic() gives no row when fewer than three classes are called three times", async () => {
  const alwaysZero: Classify = (_samples, n) =>
    Promise.resolve({ data: Float64Array.from({ length: 2 * n }, (_, i) => i % 2 ? 0 : 1), d: 2 });
  assert.equal(await vectorArithmetic(identity, new Rng(1), alwaysZero, 30), undefined);
});

Deno.test("classifierArithmetic() needs an unconditional grey 28x28 generator and a classifier network", async () => {
  const untouchable: Generator = {
    variables: [],
    latentDim: 2,
    generate: () => {
      throw new Error("the generator should not run");
    },
  };
  const grey = [28, 28, 1];
  for (
    const setting of [
      { sampleShape: grey },
      { sampleShape: grey, features: "raw" },
      { sampleShape: grey, features: "inception=model/" },
      { sampleShape: grey, features: "mnist", conditional: true },
      { sampleShape: [28, 28, 3], features: "mnist" },
      { sampleShape: [32, 32, 1], features: "mnist" },
      { sampleShape: [2], features: "mnist" },
    ]
  ) {
    const example = await classifierArithmetic(untouchable, setting, new Rng(0));
    assert.equal(example, undefined, JSON.stringify(setting));
  }
});
