/**
 * The `translation` metric: how close unpaired translators come to the known map T of a
 * translation dataset. It reads the samples it scores as G(a) of the dataset's first n held-out
 * samples a, and, when the context carries them, the translators' other outputs (F(b) for
 * b = T(a), the cycles and the identity mappings).
 *
 * - ground-truth error: mean |G(a) − T(a)| (and |F(b) − T⁻¹(b)|), per value;
 * - accuracy: the share of translations whose class is right: for images, the feature network's
 *   call on T⁻¹(G(a)) (on F(b)) is a's label; for points, G(a)'s nearest mode of B is T of a's
 *   mode (F(b)'s nearest mode of A is a's);
 * - distribution match: for images, FID of T⁻¹(G(a)) against as many other held-out A images
 *   (through the suite's feature network); for points, the modes B's mixture G(a) covers and the
 *   mass it reproduces (as the `modes` metric);
 * - cycle error |F(G(a)) − a| and identity error |G(b) − b| (the other directions are stored too).
 *
 * The first figures can be won by a map that learns nothing: on MNIST a blank image has a lower
 * mean |G(a) − T(a)| than any trained row (most pixels are background), the identity is right on
 * half the ring's modes, and nearest-mode accuracy ignores how far G(a) lies from its mode. So
 * three further figures (new keys: the old ones stay as they were, for stored cells) are scored
 * against trivial maps ({@linkcode TRIVIAL_BASELINES}):
 * - `gt-error-fg` (images): the mean of the error over T(a)'s foreground (pixels where T(a)
 *   differs from T of a blank A image by more than 0.5) and over its background, so a blank image
 *   scores half its foreground error instead of winning;
 * - `gt-error-rel`: G's error over the lowest error of the trivial maps on the same held-out a:
 *   below 1 only where G beats all of them;
 * - `accuracy-3sd` (points): a translation counts as correct only within 3 std of the right mode.
 *
 * @module
 */
import type { Dataset, DomainTranslation } from "../data/dataset.ts";
import {
  classifierAccuracy,
  type Extracted,
  EXTRACTORS,
  samplesForExtractor,
} from "./extractors.ts";
import { FEATURE_METRIC_DEFAULTS, fidMetric } from "./feature_metrics.ts";
import { type Figure, NON_NEGATIVE, type SampleMetric, SHARE } from "./metric.ts";
import { modeCoverage } from "./modes.ts";
import { Rng } from "../engine/rng.ts";

/** A figure of the metric; every one but the FIDs and mode counts is a mean over samples. */
function figure(
  name: string,
  label: string,
  higherIsBetter: boolean,
  description: string,
  dependsOnSampleSize = false,
): Figure {
  // Accuracies and the mass are shares; errors, FIDs and mode counts are >= 0.
  const bounds = /^(accuracy|mass)/.test(name) ? SHARE : NON_NEGATIVE;
  return {
    key: `translation.${name}`,
    label,
    higherIsBetter,
    dependsOnSampleSize,
    description,
    bounds,
  };
}

/** The figures of the `translation` metric, in table order. */
export const TRANSLATION_FIGURES: Figure[] = [
  figure(
    "accuracy",
    "G class ok",
    true,
    "share of held-out a whose translation G(a) has a's class: the feature network's call on T⁻¹(G(a)) (images), G(a)'s nearest mode of B is T of a's mode (points)",
  ),
  figure(
    "accuracy-f",
    "F class ok",
    true,
    "share of held-out b = T(a) whose translation F(b) has a's class (as for G)",
  ),
  figure(
    "gt-error",
    "G error",
    false,
    "ground-truth error of G: mean |G(a) − T(a)| per value over held-out a",
  ),
  figure(
    "gt-error-f",
    "F error",
    false,
    "ground-truth error of F: mean |F(b) − T⁻¹(b)| per value over held-out b = T(a)",
  ),
  ...EXTRACTORS.entries().map(([, { label }]) =>
    figure(
      `fid[${label}]`,
      `fid T⁻¹∘G[${label}]`,
      false,
      `distribution match: FID of T⁻¹(G(a)) against as many other held-out A images (features: ${label})`,
      true,
    )
  ),
  figure(
    "modes",
    "modes of B",
    true,
    "distribution match (points): modes of B's mixture covered by a high-quality G(a) (within 3 std)",
    true,
  ),
  figure(
    "mass",
    "mass of B",
    true,
    "distribution match (points): share of B's probability mass the G(a) reproduce (as modes.mass)",
    true,
  ),
  figure(
    "gt-error-fg",
    "G error fg/bg",
    false,
    "ground-truth error of G, foreground and background weighted equally: ½ mean |G(a) − T(a)| over T(a)'s foreground pixels (|T(a) − T(blank)| > 0.5) + ½ over the others (images)",
  ),
  figure(
    "gt-error-rel",
    "G error ÷ trivial",
    false,
    "G's mean |G(a) − T(a)| over the lowest of the trivial maps' (identity, blank, best constant, permuted modes) on the same held-out a: below 1 only where G beats every one",
  ),
  figure(
    "accuracy-3sd",
    "G within 3σ",
    true,
    "share of held-out a whose G(a) lies within 3 std of T of a's mode (points): right mode and close to it",
  ),
  figure("cycle", "cycle error", false, "cycle error: mean |F(G(a)) − a| per value"),
  figure("identity", "identity error", false, "identity error: mean |G(b) − b| per value"),
];

/** Mean |x − y| over every value. */
function meanAbsoluteDifference(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

/** The share of `points` (x, y, …) whose nearest centre is the one `labels` names. */
function nearestCentreAccuracy(points: Float32Array, centres: number[][], labels: Int32Array) {
  const dim = centres[0].length;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let nearest = 0, nearestDistance = Infinity;
    centres.forEach((centre, m) => {
      let distance = 0;
      for (let d = 0; d < dim; d++) distance += (points[i * dim + d] - centre[d]) ** 2;
      if (distance < nearestDistance) [nearest, nearestDistance] = [m, distance];
    });
    if (nearest === labels[i]) hits++;
  }
  return hits / labels.length;
}

/**
 * The foreground-and-background-balanced error: ½ mean |x − t| over the values where `t` differs
 * from `blank` (T of a blank A sample, {@linkcode blankOf}, tiled per sample) by more than 0.5 (a
 * quarter of the [−1, 1] pixel range), ½ over the rest; with one side empty, the plain mean.
 */
export function balancedError(x: Float32Array, t: Float32Array, blank: Float32Array): number {
  let [fg, nfg, bg, nbg] = [0, 0, 0, 0];
  for (let i = 0; i < t.length; i++) {
    const error = Math.abs(x[i] - t[i]);
    if (Math.abs(t[i] - blank[i % blank.length]) > 0.5) [fg, nfg] = [fg + error, nfg + 1];
    else [bg, nbg] = [bg + error, nbg + 1];
  }
  if (!nfg || !nbg) return (fg + bg) / (nfg + nbg);
  return 0.5 * fg / nfg + 0.5 * bg / nbg;
}

/** The share of `points` within `radius` of the centre `labels` names. */
function withinRadius(
  points: Float32Array,
  centres: number[][],
  labels: Int32Array,
  radius: number,
) {
  const dim = centres[0].length;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let distance = 0;
    for (let d = 0; d < dim; d++) distance += (points[i * dim + d] - centres[labels[i]][d]) ** 2;
    if (distance <= radius * radius) hits++;
  }
  return hits / labels.length;
}

/**
 * T of a blank A sample: for images, every value at the darkest value of the held-out `a` (MNIST's
 * background, −1); for points, the origin. One sample's values.
 */
export function blankOf(translation: DomainTranslation, a: Float32Array, size: number) {
  const value = translation.mixtures ? 0 : a.reduce((m, v) => Math.min(m, v), Infinity);
  return translation.forward(new Float32Array(size).fill(value));
}

/** The trivial maps every translation figure is compared with (see {@linkcode trivialMaps}). */
export const TRIVIAL_BASELINES = ["identity", "blank", "best-constant", "permuted-modes"] as const;
/** One trivial map. */
export type TrivialBaseline = typeof TRIVIAL_BASELINES[number];

/** What each trivial map is, in one line (for pages and the findings). */
export const TRIVIAL_BASELINE_DESCRIPTIONS: Record<TrivialBaseline, string> = {
  identity: "G(a) = a",
  blank:
    "G(a) = T(blank A sample): B's background (a white image for mnist-inverted, black for mnist-rotated, the origin for points)",
  "best-constant":
    "the same output for every a: the per-value median of T(a) over the held-out set, which minimises the mean |G(a) − T(a)| among constant maps",
  "permuted-modes":
    "G(a) = T(a') with a' a held-out sample of class π(class of a), π a seeded random permutation without fixed points (points: a moved to mode π(k) of A, then T): the right distribution, every translation of the wrong class",
};

/** A seeded random permutation of 0..k−1 without fixed points (k ≥ 2). */
function derangement(k: number, seed = 0): number[] {
  // Sattolo's algorithm: a uniformly random cyclic permutation, which has no fixed point.
  const rng = new Rng(seed);
  const p = Array.from({ length: k }, (_, i) => i);
  for (let i = k - 1; i > 0; i--) {
    const j = rng.int(i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * The trivial maps' outputs for the held-out `a` (with `labels`) of `translation`: identity,
 * blank, best constant and permuted modes (see {@linkcode TRIVIAL_BASELINE_DESCRIPTIONS}).
 */
export function trivialMaps(
  translation: DomainTranslation,
  a: Float32Array,
  labels: Int32Array,
  size: number,
): Record<TrivialBaseline, Float32Array> {
  const n = labels.length;
  const truth = translation.forward(a);
  const blank = blankOf(translation, a, size);
  const median = new Float32Array(size);
  const column = new Float32Array(n);
  for (let v = 0; v < size; v++) {
    for (let i = 0; i < n; i++) column[i] = truth[i * size + v];
    column.sort();
    median[v] = n % 2 ? column[(n - 1) / 2] : 0.5 * (column[n / 2 - 1] + column[n / 2]);
  }
  const tile = (one: Float32Array) => {
    const out = new Float32Array(n * size);
    for (let i = 0; i < n; i++) out.set(one, i * size);
    return out;
  };
  const classes = Math.max(...labels) + 1;
  const pi = derangement(classes);
  const permuted = new Float32Array(n * size);
  const mixtures = translation.mixtures;
  for (let i = 0; i < n; i++) {
    if (mixtures) {
      const [from, to] = [mixtures.a.centres[labels[i]], mixtures.a.centres[pi[labels[i]]]];
      for (let d = 0; d < size; d++) permuted[i * size + d] = a[i * size + d] - from[d] + to[d];
      continue;
    }
    // The next held-out sample (cyclically) of class π(label); itself when there is none.
    let j = i;
    for (let step = 1; step < n; step++) {
      if (labels[(i + step) % n] === pi[labels[i]]) {
        j = (i + step) % n;
        break;
      }
    }
    permuted.set(a.subarray(j * size, (j + 1) * size), i * size);
  }
  return {
    identity: a.slice(),
    blank: tile(blank),
    "best-constant": tile(median),
    "permuted-modes": translation.forward(permuted),
  };
}

/** The lowest mean |G(a) − T(a)| of the trivial maps on held-out `a` (cached per dataset and n). */
const trivialErrors = new Map<string, number>();
function lowestTrivialError(dataset: Dataset, a: Float32Array, labels: Int32Array): number {
  const key = `${dataset.name}\u0000${labels.length}`;
  if (!trivialErrors.has(key)) {
    const size = dataset.sampleShape.reduce((x, y) => x * y, 1);
    const truth = dataset.translation!.forward(a);
    const maps = trivialMaps(dataset.translation!, a, labels, size);
    trivialErrors.set(
      key,
      Math.min(...Object.values(maps).map((x) => meanAbsoluteDifference(x, truth))),
    );
  }
  return trivialErrors.get(key)!;
}

const references = new Map<string, Promise<Extracted>>();

/** The features of `n` reference images of `dataset` through `extractor` (cached per process). */
function referenceFeatures(
  dataset: Dataset,
  translation: DomainTranslation,
  extractor: string,
  n: number,
): Promise<Extracted> {
  const key = `${dataset.name}\u0000${extractor}\u0000${n}`;
  if (!references.has(key)) {
    references.set(
      key,
      EXTRACTORS.get(extractor).extract(
        samplesForExtractor(translation.reference(n), dataset.sampleShape),
        `${dataset.name} (held-out A)`,
      ),
    );
  }
  return references.get(key)!;
}

/** The `translation` metric. */
export const translationMetric: SampleMetric = {
  name: "translation",
  inputs: ["samples", "translations"],
  description:
    "unpaired translation against the known map T: ground-truth error, class accuracy, distribution match, cycle and identity errors",
  figures: TRANSLATION_FIGURES,
  extraKeys: [
    "translation.cycle-b",
    "translation.identity-a",
    "translation.hq",
    "translation.samples",
    "translation.reference",
  ],
  unsupportedReason: (dataset) =>
    dataset.translation
      ? undefined
      : `dataset '${dataset.name}' has no second domain and map T to score translations against`,
  async evaluate(samples, context) {
    const { dataset } = context;
    const translation = dataset.translation!;
    const shape = dataset.sampleShape;
    const size = shape.reduce((a, b) => a * b, 1);
    const n = samples.length / size;
    const heldOut = translation.heldOut(n);
    const truth = translation.forward(heldOut.samples);
    const outputs = context.translations;
    const error = meanAbsoluteDifference(samples, truth);
    const figures: Record<string, number> = {
      "translation.gt-error": error,
      "translation.gt-error-rel": error /
        lowestTrivialError(dataset, heldOut.samples, heldOut.labels),
      "translation.samples": n,
    };
    if (outputs) {
      figures["translation.gt-error-f"] = meanAbsoluteDifference(outputs.backward, heldOut.samples);
      figures["translation.cycle"] = meanAbsoluteDifference(outputs.cycleA, heldOut.samples);
      figures["translation.cycle-b"] = meanAbsoluteDifference(outputs.cycleB, truth);
      figures["translation.identity"] = meanAbsoluteDifference(outputs.identityB, truth);
      figures["translation.identity-a"] = meanAbsoluteDifference(
        outputs.identityA,
        heldOut.samples,
      );
    }
    if (translation.mixtures) {
      const { a, b } = translation.mixtures;
      figures["translation.accuracy"] = nearestCentreAccuracy(samples, b.centres, heldOut.labels);
      if (outputs) {
        figures["translation.accuracy-f"] = nearestCentreAccuracy(
          outputs.backward,
          a.centres,
          heldOut.labels,
        );
      }
      figures["translation.accuracy-3sd"] = withinRadius(
        samples,
        b.centres,
        heldOut.labels,
        3 * b.std,
      );
      const coverage = modeCoverage(samples, size, b);
      figures["translation.modes"] = coverage.covered;
      figures["translation.mass"] = coverage.mass;
      figures["translation.hq"] = coverage.hq;
      return figures;
    }
    figures["translation.gt-error-fg"] = balancedError(
      samples,
      truth,
      blankOf(translation, heldOut.samples, size),
    );
    const name = context.features ?? "raw";
    const extractor = EXTRACTORS.get(name);
    const back = await extractor.extract(
      samplesForExtractor(translation.inverse(samples), shape),
      "T⁻¹ of the translations G(a)",
    );
    if (back.probabilities) {
      figures["translation.accuracy"] = classifierAccuracy(back.probabilities, heldOut.labels);
      if (outputs) {
        const fromB = await extractor.extract(
          samplesForExtractor(outputs.backward, shape),
          "translations F(b)",
        );
        figures["translation.accuracy-f"] = classifierAccuracy(
          fromB.probabilities!,
          heldOut.labels,
        );
      }
    }
    const reference = await referenceFeatures(dataset, translation, name, n);
    figures[`translation.fid[${extractor.label}]`] = fidMetric.compute(back, reference, {
      ...FEATURE_METRIC_DEFAULTS,
    }).fid;
    figures["translation.reference"] = reference.features.n;
    return figures;
  },
};
