/**
 * Latent vector arithmetic as in DCGAN (Radford et al. 2016), judged by a classifier: which
 * classes a generator's codes land in, and what the classifier calls mean(A) − mean(B) + mean(C).
 * For grey 28x28 generators, the classifier is the suite's feature network (`mnist`, `fashion`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";
import { generateSamples, type Generator } from "../models/mod.ts";
import { classifierFeatures, EXTRACTORS } from "./extractors.ts";
import type { ImageGrid } from "./latent_pictures.ts";

/** Class probabilities (`data`: `[n, d]` row-major, d classes) of `n` generated samples. */
export type Classify = (
  samples: Float32Array,
  n: number,
) => Promise<{ data: ArrayLike<number>; d: number }>;

/** What the vector-arithmetic row shows. */
export interface ArithmeticExample {
  /** Classes of the three exemplar groups A, B, C. */
  a: number;
  b: number;
  c: number;
  /** The classifier's call on the image of mean(A) − mean(B) + mean(C). */
  result: number;
  /** The images of mean(A), mean(B), mean(C) and mean(A) − mean(B) + mean(C), in one row. */
  row: ImageGrid;
}

/** Index of the largest of `values[offset .. offset + d)`, relative to `offset` (first on ties). */
function argmax(values: ArrayLike<number>, offset: number, d: number): number {
  let best = 0;
  for (let c = 1; c < d; c++) if (values[offset + c] > values[offset + best]) best = c;
  return best;
}

/**
 * Latent vector arithmetic: among `pool` codes drawn from `rng`, the three classes `classify`
 * predicts most often (at least 3 codes each; ties to the lower class) give groups A, B, C (the
 * 3 most confident codes each); the row shows the mean code of A, of B, of C, and of
 * mean(A) − mean(B) + mean(C). Undefined when fewer than three classes have 3 codes.
 *
 * @param classify class probabilities of generated samples.
 * @param pool codes to draw.
 * @default {512} pool
 */
export async function vectorArithmetic(
  generator: Generator,
  rng: Rng,
  classify: Classify,
  pool = 512,
): Promise<ArithmeticExample | undefined> {
  const latentDim = generator.latentDim;
  const codes = rng.normals(pool * latentDim);
  const latent = tf.tensor2d(codes, [pool, latentDim]);
  const samples = await generateSamples(generator, latent);
  latent.dispose();
  const probabilities = await classify(samples, pool);
  const predicted = Array.from({ length: pool }, (_, i) => {
    const best = argmax(probabilities.data, i * probabilities.d, probabilities.d);
    return { i, best, confidence: probabilities.data[i * probabilities.d + best] };
  });
  const counts = new Map<number, number>();
  for (const p of predicted) counts.set(p.best, (counts.get(p.best) ?? 0) + 1);
  const top = [...counts.entries()].filter(([, n]) => n >= 3)
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, 3).map(([c]) => c);
  if (top.length < 3) return undefined;
  const meanCode = (label: number) => {
    const members = predicted.filter((p) => p.best === label)
      .sort((x, y) => y.confidence - x.confidence).slice(0, 3);
    const mean = new Float32Array(latentDim);
    for (const { i } of members) {
      for (let j = 0; j < latentDim; j++) mean[j] += codes[i * latentDim + j] / members.length;
    }
    return mean;
  };
  const [a, b, c] = top.map(meanCode);
  const result = a.map((v, j) => v - b[j] + c[j]);
  const row = new Float32Array(4 * latentDim);
  [a, b, c, result].forEach((code, k) => row.set(code, k * latentDim));
  const rowLatent = tf.tensor2d(row, [4, latentDim]);
  const rendered = await generateSamples(generator, rowLatent);
  rowLatent.dispose();
  const call = await classify(rendered.slice(3 * (rendered.length / 4)), 1);
  return {
    a: top[0],
    b: top[1],
    c: top[2],
    result: argmax(call.data, 0, call.d),
    row: { samples: rendered, rows: 1, cols: 4 },
  };
}

/** What {@linkcode classifierArithmetic} needs to know of a cell. */
export interface ArithmeticSetting {
  /** One sample's shape. */
  sampleShape: number[];
  /** The suite's feature extractor, when it names one. */
  features?: string;
  /** Whether the generator is class-conditional (its classes are asked for, not found). */
  conditional?: boolean;
}

/**
 * The vector-arithmetic row of an unconditional generator of grey 28x28 images, judged by the
 * suite's classifier network (`features`); undefined when there is none (raw features, another
 * image shape, a conditional generator) or too few classes appear.
 */
export function classifierArithmetic(
  generator: Generator,
  setting: ArithmeticSetting,
  rng: Rng,
): Promise<ArithmeticExample | undefined> {
  const [height, width, channels] = setting.sampleShape;
  const network = setting.features;
  if (setting.conditional || !network || channels !== 1 || height !== 28 || width !== 28) {
    return Promise.resolve(undefined);
  }
  if (!EXTRACTORS.has(network) || network === "raw") return Promise.resolve(undefined);
  return vectorArithmetic(generator, rng, async (samples, n) => {
    const { probabilities } = await classifierFeatures(network, samples, n);
    return probabilities;
  });
}
