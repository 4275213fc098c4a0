/**
 * What a translation model's picture shows, for image domains: a strip of four rows, a | G(a) |
 * F(G(a)) | T(a), over the first held-out sample of each class (so the columns are the digits
 * 0, 1, …, 9). `report/pictures.ts` composes it into a PNG.
 *
 * @module
 */
import type { DomainTranslation } from "../data/dataset.ts";
import { translateSamples, type TranslationNetworks } from "../models/translation.ts";
import type { ImageGrid } from "./latent_pictures.ts";

/** The held-out samples searched for one of each class. */
const SEARCHED = 1000;

/**
 * Indices of the first held-out sample of each class among `labels`, in class order (classes
 * with none are skipped).
 */
export function firstOfEachClass(labels: Int32Array, classes: number): number[] {
  const first = new Array<number>(classes).fill(-1);
  labels.forEach((label, i) => {
    if (first[label] === -1) first[label] = i;
  });
  return first.filter((i) => i >= 0);
}

/**
 * The strip a | G(a) | F(G(a)) | T(a) (rows) over one held-out a of each of `classes` classes
 * (columns).
 */
export async function translationStrip(
  networks: TranslationNetworks,
  translation: DomainTranslation,
  options: { sampleShape: number[]; classes: number },
): Promise<ImageGrid> {
  const { sampleShape, classes } = options;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const heldOut = translation.heldOut(Math.min(SEARCHED, translation.heldOutSize));
  const picked = firstOfEachClass(heldOut.labels, classes);
  const a = new Float32Array(picked.length * size);
  picked.forEach((index, column) =>
    a.set(heldOut.samples.subarray(index * size, (index + 1) * size), column * size)
  );
  const translated = await translateSamples(networks.forward, a, sampleShape);
  const cycled = await translateSamples(networks.backward, translated, sampleShape);
  const rows = [a, translated, cycled, translation.forward(a)];
  const samples = new Float32Array(rows.length * a.length);
  rows.forEach((row, r) => samples.set(row, r * a.length));
  return { samples, rows: rows.length, cols: picked.length };
}
