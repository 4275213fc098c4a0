/**
 * The `images` metric of the image suites: the feature metrics a suite asks for (by default FID,
 * KID, IS, precision/recall and density/coverage, looked up in the metric registry) of generated
 * samples against as many real training samples (a fixed, seed-independent draw, so that every
 * cell meets the same reference), through the suite's feature extractor. Figure keys and labels
 * carry the extractor's label, e.g. `fid[mnist-net]`, never a bare "FID". For a
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
import { FEATURE_METRIC_DEFAULTS, fidMetric } from "./feature_metrics.ts";
import type { FeatureMatrix } from "./features.ts";
import {
  type FeatureMetric,
  type FeatureSet,
  type Figure,
  figureField,
  type MetricContext,
  NON_NEGATIVE,
  type SampleMetric,
  SHARE,
} from "./metric.ts";
import { trainingStats } from "./reference_stats.ts";

/** Seed of the real reference draw (the same for every cell and seed). */
const REFERENCE_SEED = 20_141_210;

/**
 * The feature metrics `images` computes when the suite names none: the ones every stored image
 * result was computed with.
 */
export const IMAGE_FEATURE_METRICS: readonly string[] = ["fid", "kid", "is", "prc", "dc"];

/** Figure key of the `images` metric for a feature metric's field (`fid`, `precision`, ...). */
export function imageKey(field: string, label: string): string {
  return `images.${field}[${label}]`;
}

/** Figure key: accuracy of the classifier on the labels a conditional generator was asked for. */
export const imageAccuracyKey = (label: string): string => imageKey("accuracy", label);
/** Figure key: mean over classes of the per-class FID (conditional generator). */
export const imageClassFidKey = (label: string): string => imageKey("class-fid", label);
/** Extra key: generated samples scored. */
export const KEY_IMAGES_SAMPLES = "images.samples";
/** Extra key: real samples drawn as the reference. */
export const KEY_IMAGES_REFERENCE = "images.reference";
/** Extra key: training images behind the FID's reference statistics, where it is the whole split. */
export const KEY_IMAGES_FID_REFERENCE = "images.fid-reference";

/**
 * What the `images` metric says of a feature metric's field where it says more than the feature
 * metric itself (the reference it scores against).
 */
const IMAGE_DESCRIPTIONS: Record<string, string> = {
  fid:
    "Fréchet distance to as many real training images, or to the whole training set's statistics where the dataset offers it (CIFAR-10)",
  kid: "kernel inception distance (unbiased MMD², cubic kernel), mean over subsets",
  is: "Inception Score of the classifier's predictions",
};

/** How `images` finds the feature metrics: the registry, given by src/metrics/registry.ts. */
export interface FeatureMetricLookup {
  /** The feature metric registered as `name`; throws for unknown names. */
  get(name: string): FeatureMetric;
  /** Every registered feature metric, in registration order. */
  all(): FeatureMetric[];
}

/** The figures `images` reports for one extractor label. */
function figuresFor(label: string, featureMetrics: FeatureMetric[]): Figure[] {
  const figure = (field: string, base: Omit<Figure, "key" | "label">): Figure => {
    // Direction, bounds and flags as the feature metric declares them; key and label per network.
    const { description, ...flags } = base;
    return {
      key: imageKey(field, label),
      label: `${field}[${label}]`,
      ...flags,
      description: `${IMAGE_DESCRIPTIONS[field] ?? description} (features: ${label})`,
    };
  };
  return [
    ...featureMetrics.flatMap((metric) =>
      metric.figures.map(({ key, label: _, ...f }) => figure(figureField(metric, key), f))
    ),
    figure("accuracy", {
      higherIsBetter: true,
      bounds: SHARE,
      description: "classifier accuracy on the labels a conditional G was asked for",
    }),
    figure("class-fid", {
      higherIsBetter: false,
      bounds: NON_NEGATIVE,
      description: "mean over classes of the per-class FID (conditional G)",
    }),
  ];
}

/** A regular expression matching `text` literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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

/**
 * The `images` metric, finding the feature metrics through `lookup` (the registry: this module
 * cannot import it, since the registry imports this module).
 */
export function imageMetric(lookup: FeatureMetricLookup): SampleMetric {
  let figures: Figure[] | undefined;
  return {
    name: "images",
    description:
      "FID, KID, IS, precision/recall, density/coverage (or the feature metrics the suite names) through the suite's feature network, against as many real training samples",
    inputs: ["samples"],
    // Built on first use, once every feature metric is registered.
    get figures(): Figure[] {
      figures ??= EXTRACTORS.entries().flatMap(([, extractor]) =>
        figuresFor(extractor.label, lookup.all())
      );
      return figures;
    },
    get extraKeys(): (string | RegExp)[] {
      const fields = lookup.all().flatMap((m) => m.figures.map((f) => figureField(m, f.key)));
      return [
        KEY_IMAGES_SAMPLES,
        KEY_IMAGES_REFERENCE,
        KEY_IMAGES_FID_REFERENCE,
        ...EXTRACTORS.entries().flatMap(([, { label }]) => [
          // The std over subsets or splits of a mean ± std figure (KID, IS).
          ...fields.map((field) => imageKey(`${field}-std`, label)),
          new RegExp(`^images\\.fid-class\\d+\\[${literal(label)}\\]$`),
        ]),
      ];
    },
    unsupportedReason: (dataset) =>
      dataset.mixture ? `dataset '${dataset.name}' is a point mixture: use 'modes'` : undefined,
    evaluate: (samples, context) =>
      evaluateImages(
        samples,
        context,
        (context.featureMetrics ?? IMAGE_FEATURE_METRICS).map((name) => lookup.get(name)),
      ),
  };
}

/** The `images` figures of `samples` under `featureMetrics`. */
async function evaluateImages(
  samples: Float32Array,
  context: MetricContext,
  featureMetrics: FeatureMetric[],
): Promise<Record<string, number>> {
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
  // A metric that takes statistics (FID) meets the whole training split's statistics where the
  // dataset offers them (CIFAR-10, as published FIDs are computed), else as many drawn samples.
  const split = context.dataset.trainingSplit;
  const availability = extractor.availability?.();
  const splitStats = async (): Promise<FeatureSet> => ({
    stats: await trainingStats(
      context.dataset,
      extractor,
      availability?.ok ? availability.identity : undefined,
    ),
  });
  const figures: Record<string, number> = {};
  for (const metric of featureMetrics) {
    if (metric.skipReason?.(generated, options)) continue;
    const against = metric.acceptsStatistics && split ? await splitStats() : real;
    const values = metric.compute(generated, against, options);
    for (const [field, value] of Object.entries(values)) {
      if (typeof value === "number") figures[imageKey(field, label)] = value;
      else {
        figures[imageKey(field, label)] = value.mean;
        figures[imageKey(`${field}-std`, label)] = value.std;
      }
    }
  }
  figures[KEY_IMAGES_SAMPLES] = n;
  figures[KEY_IMAGES_REFERENCE] = real.features.n;
  if (split && featureMetrics.some((m) => m.acceptsStatistics)) {
    figures[KEY_IMAGES_FID_REFERENCE] = split.count();
  }
  if (context.labels && generated.probabilities && real.labels) {
    figures[imageAccuracyKey(label)] = classifierAccuracy(generated.probabilities, context.labels);
    const classes = context.dataset.classes ?? 0;
    const perClass: number[] = [];
    for (let c = 0; c < classes; c++) {
      const mine = rowsWithLabel(generated.features, context.labels, c);
      const theirs = rowsWithLabel(real.features, real.labels, c);
      if (mine.n < 2 || theirs.n < 2) continue;
      const value = fidMetric.compute({ features: mine }, { features: theirs }, options).fid;
      figures[imageKey(`fid-class${c}`, label)] = value;
      perClass.push(value);
    }
    if (perClass.length) {
      figures[imageClassFidKey(label)] = perClass.reduce((a, b) => a + b, 0) / perClass.length;
    }
  }
  return figures;
}
