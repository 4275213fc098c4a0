/**
 * The `images` metric of the image suites: FID, KID, IS, precision/recall and density/coverage of
 * generated samples against as many real training samples (a fixed, seed-independent draw, so
 * that every cell meets the same reference), through the suite's feature extractor. Figure keys
 * and labels carry the extractor's label, e.g. `fid[mnist-net]`, never a bare "FID". For a
 * class-conditional generator it adds the classifier's accuracy on the requested labels and the
 * mean per-class FID.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import { Rng } from "../engine/rng.ts";
import {
  classifierAccuracy,
  type Extracted,
  EXTRACTORS,
  samplesForExtractor,
} from "./extractors.ts";
import {
  densityCoverageMetric,
  FEATURE_METRIC_DEFAULTS,
  fidMetric,
  inceptionScoreMetric,
  kidMetric,
  precisionRecallMetric,
} from "./feature_metrics.ts";
import type { FeatureMatrix } from "./features.ts";
import { type Figure, type FigureBounds, type Metric, NON_NEGATIVE, SHARE } from "./metric.ts";
import { trainingStats } from "./reference_stats.ts";

/** Seed of the real reference draw (the same for every cell and seed). */
const REFERENCE_SEED = 20_141_210;

/** One figure per extractor label: `images.<name>[<label>]`. */
function figuresFor(label: string): Figure[] {
  const figure = (
    name: string,
    higherIsBetter: boolean,
    description: string,
    bounds?: FigureBounds,
  ): Figure => ({
    key: `images.${name}[${label}]`,
    label: `${name}[${label}]`,
    higherIsBetter,
    description: `${description} (features: ${label})`,
    ...(bounds ? { bounds } : {}),
  });
  return [
    figure(
      "fid",
      false,
      "Fréchet distance to as many real training images, or to the whole training set's statistics where the dataset offers it (CIFAR-10)",
      NON_NEGATIVE,
    ),
    figure(
      "kid",
      false,
      "kernel inception distance (unbiased MMD², cubic kernel), mean over subsets",
    ),
    figure("is", true, "Inception Score of the classifier's predictions", { min: 1 }),
    figure("precision", true, "improved precision (k = 3)", SHARE),
    figure("recall", true, "improved recall (k = 3)", SHARE),
    figure("density", true, "density (k = 5)", NON_NEGATIVE),
    figure("coverage", true, "coverage (k = 5)", SHARE),
    figure(
      "accuracy",
      true,
      "classifier accuracy on the labels a conditional G was asked for",
      SHARE,
    ),
    figure(
      "class-fid",
      false,
      "mean over classes of the per-class FID (conditional G)",
      NON_NEGATIVE,
    ),
  ];
}

const references = new Map<string, Promise<Extracted & { labels?: Int32Array }>>();

/** The features of `n` real training samples of `dataset` (cached per process). */
function reference(dataset: Dataset, extractor: string, n: number) {
  const key = `${dataset.name}\u0000${extractor}\u0000${n}`;
  if (!references.has(key)) {
    references.set(
      key,
      (async () => {
        const rng = new Rng(REFERENCE_SEED).stream(`reference:${dataset.name}`);
        const drawn = dataset.sampleWithLabels?.(n, rng) ??
          { samples: dataset.sample(n, rng), labels: undefined };
        const extracted = await EXTRACTORS.get(extractor).extract(
          samplesForExtractor(drawn.samples, dataset.sampleShape),
          `${dataset.name} (real)`,
        );
        return { ...extracted, labels: drawn.labels };
      })(),
    );
  }
  return references.get(key)!;
}

/** The rows of `x` whose label is `label`. */
function rowsWithLabel(x: FeatureMatrix, labels: Int32Array, label: number): FeatureMatrix {
  const picked: number[] = [];
  labels.forEach((l, i) => l === label && picked.push(i));
  const data = new Float64Array(picked.length * x.d);
  picked.forEach((i, j) => data.set(x.data.subarray(i * x.d, (i + 1) * x.d), j * x.d));
  return { data, n: picked.length, d: x.d };
}

/** The `images` metric. */
export const imageMetric: Metric = {
  description:
    "FID, KID, IS, precision/recall, density/coverage through the suite's feature network, against as many real training samples",
  figures: EXTRACTORS.entries().flatMap(([, extractor]) => figuresFor(extractor.label)),
  extraKeys: [
    "images.samples",
    "images.reference",
    // Training images behind the FID's reference statistics, where it is the whole split.
    "images.fid-reference",
    ...EXTRACTORS.entries().flatMap(([, { label }]) => [
      `images.kid-std[${label}]`,
      `images.is-std[${label}]`,
      new RegExp(`^images\\.fid-class\\d+\\[${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\]$`),
    ]),
  ],
  unsupportedReason: (dataset) =>
    dataset.mixture ? `dataset '${dataset.name}' is a point mixture: use 'modes'` : undefined,
  async evaluate(samples, context) {
    const name = context.features ?? "raw";
    const extractor = EXTRACTORS.get(name);
    const label = extractor.label;
    const generated = await extractor.extract(
      samplesForExtractor(samples, context.dataset.sampleShape),
      "generated samples",
    );
    const n = generated.features.n;
    const real = await reference(context.dataset, name, n);
    const options = { ...FEATURE_METRIC_DEFAULTS, seed: REFERENCE_SEED };
    // FID against the whole training split's statistics where the dataset offers it (CIFAR-10,
    // as published FIDs are computed), else against as many drawn real samples.
    const split = context.dataset.trainingSplit;
    const availability = extractor.availability?.();
    const { fid } = split
      ? fidMetric.compute(generated, {
        stats: await trainingStats(
          context.dataset,
          extractor,
          availability?.ok ? availability.identity : undefined,
        ),
      }, options)
      : fidMetric.compute(generated, real, options);
    const { kid } = kidMetric.compute(generated, real, options);
    const { precision, recall } = precisionRecallMetric.compute(generated, real, options);
    const { density, coverage } = densityCoverageMetric.compute(generated, real, options);
    const figures: Record<string, number> = {
      [`images.fid[${label}]`]: fid,
      [`images.kid[${label}]`]: kid.mean,
      [`images.kid-std[${label}]`]: kid.std,
      [`images.precision[${label}]`]: precision,
      [`images.recall[${label}]`]: recall,
      [`images.density[${label}]`]: density,
      [`images.coverage[${label}]`]: coverage,
      "images.samples": n,
      "images.reference": real.features.n,
      ...(split ? { "images.fid-reference": split.count() } : {}),
    };
    if (generated.probabilities && n >= options.isSplits) {
      const { is } = inceptionScoreMetric.compute(generated, undefined, options);
      figures[`images.is[${label}]`] = is.mean;
      figures[`images.is-std[${label}]`] = is.std;
    }
    if (context.labels && generated.probabilities && real.labels) {
      figures[`images.accuracy[${label}]`] = classifierAccuracy(
        generated.probabilities,
        context.labels,
      );
      const classes = context.dataset.classes ?? 0;
      const perClass: number[] = [];
      for (let c = 0; c < classes; c++) {
        const mine = rowsWithLabel(generated.features, context.labels, c);
        const theirs = rowsWithLabel(real.features, real.labels, c);
        if (mine.n < 2 || theirs.n < 2) continue;
        const value = fidMetric.compute({ features: mine }, { features: theirs }, options).fid;
        figures[`images.fid-class${c}[${label}]`] = value;
        perClass.push(value);
      }
      if (perClass.length) {
        figures[`images.class-fid[${label}]`] = perClass.reduce((a, b) => a + b, 0) /
          perClass.length;
      }
    }
    return figures;
  },
};
