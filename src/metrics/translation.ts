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
import { type Figure, type FigureBounds, type Metric, NON_NEGATIVE, SHARE } from "./metric.ts";
import { modeCoverage } from "./modes.ts";

/** A figure of the metric; every one but the FIDs and mode counts is a mean over samples. */
function figure(
  name: string,
  label: string,
  higherIsBetter: boolean,
  description: string,
  dependsOnSampleSize = false,
  bounds: FigureBounds = NON_NEGATIVE,
): Figure {
  return {
    key: `translation.${name}`,
    label,
    higherIsBetter,
    dependsOnSampleSize,
    bounds,
    description,
  };
}

/** The figures of the `translation` metric, in table order. */
export const TRANSLATION_FIGURES: Figure[] = [
  figure(
    "accuracy",
    "G class ok",
    true,
    "share of held-out a whose translation G(a) has a's class: the feature network's call on T⁻¹(G(a)) (images), G(a)'s nearest mode of B is T of a's mode (points)",
    false,
    SHARE,
  ),
  figure(
    "accuracy-f",
    "F class ok",
    true,
    "share of held-out b = T(a) whose translation F(b) has a's class (as for G)",
    false,
    SHARE,
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
    SHARE,
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
export const translationMetric: Metric = {
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
    const figures: Record<string, number> = {
      "translation.gt-error": meanAbsoluteDifference(samples, truth),
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
      const coverage = modeCoverage(samples, size, b);
      figures["translation.modes"] = coverage.covered;
      figures["translation.mass"] = coverage.mass;
      figures["translation.hq"] = coverage.hq;
      return figures;
    }
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
