/**
 * The conformance test every registered metric passes, looping over the one registry. Every
 * metric is registered under its own name, declares its inputs, and declares its figures: unique
 * keys under its name, a label, a description and valid bounds (a binary flag within [0, 1], a
 * not-converged threshold and a convergence figure that are its own). A metric of samples refuses
 * each dataset it does not support with a one-line reason, and on a tiny valid input (real
 * samples of every dataset it supports) returns only declared keys, all finite, each figure
 * within its bounds, the same on a rerun, and summarises the curve into declared figures. A
 * feature metric returns exactly the figures it declares, finite and within bounds, the same on a
 * rerun; takes Gaussian statistics only if it declares so (then with the same result as from the
 * features); works without a reference only if its inputs say so; refuses too few samples with a
 * RangeError; and the `images` metric computes it alone when a suite names only it. Every
 * committed result's figures are declared by its metrics and lie within their bounds.
 */
import assert from "node:assert/strict";
import { type Dataset, DATASETS } from "../data/mod.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { ARCHITECTURES, disposePair, type GanPair, type PairArchitecture } from "../models/mod.ts";
import { EXTRACTORS } from "./extractors.ts";
import { listResultFiles, listSuiteDirs, readResult } from "../runner/store.ts";
import { FEATURE_METRIC_DEFAULTS } from "./feature_metrics.ts";
import { type FeatureMatrix, gaussianStats } from "./features.ts";
import {
  allFigures,
  declaresKey,
  featureMetrics,
  type Figure,
  figureField,
  isFeatureMetric,
  type MetricContext,
  METRICS,
  needsReference,
  sampleMetrics,
} from "./mod.ts";

await initBackend("cpu");

/** Samples per evaluation: enough for IS's 10 splits, k-NN radii and two samples per class. */
const N = 40;

/** Rounding slack of a bounds check, relative to the bound (IS >= 1 is exp of a sum >= 0). */
const SLACK = 1e-9;

/**
 * `value` lies within `figure`'s bounds; a `max` that names a key is read from `result` (and
 * not checked where `result` lacks it).
 */
function assertInRange(value: number, figure: Figure, result: Record<string, number> = {}) {
  const min = figure.bounds?.min ?? -Infinity;
  const named = figure.bounds?.max;
  const max = typeof named === "string" ? result[named] ?? Infinity : named ?? Infinity;
  const slack = (bound: number) => SLACK * Math.max(1, Math.abs(bound));
  assert.ok(
    value >= min - slack(min) && value <= max + slack(max),
    `${figure.key} = ${value} outside [${min}, ${max}]`,
  );
}

/** A finite number, or a mean and std of finite numbers. */
function assertFinite(value: unknown, what: string) {
  if (typeof value === "number") {
    assert.ok(Number.isFinite(value), `${what} = ${value}`);
    return;
  }
  assert.ok(value && typeof value === "object", `${what} is a number or {mean, std}`);
  assert.deepEqual(Object.keys(value), ["mean", "std"], what);
  for (const [k, v] of Object.entries(value)) assertFinite(v, `${what}.${k}`);
}

/**
 * The extractor an image suite of `dataset` would name: the first whose image size fits, or
 * `raw` for vectors.
 */
function featuresFor(dataset: Dataset): string {
  const [height, width] = dataset.sampleShape;
  const fitting = EXTRACTORS.entries().find(([, e]) =>
    e.imageSize && e.imageSize[0] === height && e.imageSize[1] === width
  );
  return fitting?.[0] ?? "raw";
}

/** A pair of the first architecture that supports `dataset`, for metrics of the game's state. */
function pairFor(dataset: Dataset): GanPair {
  const [, arch] = ARCHITECTURES.entries().find(
    (entry): entry is [string, PairArchitecture] =>
      entry[1].networks !== "translation" && !entry[1].unsupportedReason?.(dataset.sampleShape, 1),
  )!;
  return arch.build(arch.options.parse({}), {
    sampleShape: dataset.sampleShape,
    latentDim: 2,
    rng: new Rng(1),
  });
}

Deno.test("the metric registry is frozen once the command line starts", async () => {
  const { main } = await import("../cli.ts");
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await main(["--help"]), 0);
  } finally {
    console.log = log;
  }
  assert.ok(METRICS.frozen);
  assert.throws(() => METRICS.register("late", featureMetrics()[0]), TypeError);
});

for (const [name, metric] of METRICS.entries()) {
  Deno.test(`metric '${name}' declares its inputs and figures: keys under its name, valid bounds`, () => {
    assert.equal(metric.name, name, "registered under its own name");
    const version = metric.version ?? 1;
    assert.ok(Number.isInteger(version) && version >= 1, `version ${version}`);
    assert.ok(metric.description.length > 0);
    assert.ok(
      metric.inputs.includes(isFeatureMetric(metric) ? "features" : "samples"),
      `inputs ${metric.inputs}`,
    );
    assert.ok(metric.figures.length > 0, "at least one figure");
    const keys = metric.figures.map((f) => f.key);
    assert.equal(new Set(keys).size, keys.length, "unique figure keys");
    const ownKey = (key: string) => key === name || key.startsWith(`${name}.`);
    for (const figure of metric.figures) {
      assert.ok(ownKey(figure.key), `${figure.key} is under '${name}.'`);
      assert.ok(figure.label.length > 0 && figure.description.length > 0, figure.key);
      assert.ok(figure.bounds, `${figure.key} declares its bounds ({} when unbounded)`);
      const { min = -Infinity, max = Infinity } = figure.bounds;
      if (typeof max === "string") {
        assert.ok(declaresKey(metric, max), `${figure.key}'s max '${max}' is one of its keys`);
      } else assert.ok(min <= max && !Number.isNaN(min) && !Number.isNaN(max), `${figure.key}`);
      if (figure.binary) assert.ok(min >= 0 && max === 1, `binary ${figure.key} within [0, 1]`);
      if (figure.notConvergedBelow !== undefined) {
        assertInRange(figure.notConvergedBelow, figure);
      }
    }
    for (const key of metric.extraKeys ?? []) {
      if (typeof key === "string") assert.ok(ownKey(key), `extra key ${key} is under '${name}.'`);
    }
    if (metric.convergence) {
      const flag = metric.figures.find((f) => f.key === metric.convergence!.figure);
      assert.ok(flag?.binary, "its convergence figure is one of its binary figures");
    }
  });
}

for (const [name, metric] of sampleMetrics()) {
  Deno.test(`metric '${name}' refuses unsupported datasets with a one-line reason`, () => {
    let supported = 0;
    for (const [datasetName, dataset] of DATASETS.entries()) {
      const reason = metric.unsupportedReason(dataset);
      if (reason === undefined) supported++;
      else assert.ok(reason.length > 0 && !reason.includes("\n"), `one line for ${datasetName}`);
    }
    assert.ok(supported > 0, "it supports at least one registered dataset");
  });

  for (const [datasetName, dataset] of DATASETS.entries()) {
    if (metric.unsupportedReason(dataset) !== undefined) continue;
    // Data the user supplies (CIFAR-10) is absent here: src/cifar10_suite_test.ts scores it.
    const ignore = dataset.unavailableReason?.() !== undefined;
    Deno.test({
      name: `metric '${name}' returns declared, finite, reproducible figures on '${datasetName}'`,
      ignore,
    }, async () => {
      const drawn = dataset.sampleWithLabels?.(N, new Rng(3)) ??
        { samples: dataset.sample(N, new Rng(3)), labels: undefined };
      const pair = pairFor(dataset);
      const context: MetricContext = {
        dataset,
        discriminator: pair.discriminator,
        features: featuresFor(dataset),
        labels: drawn.labels,
      };
      const figures = await metric.evaluate(drawn.samples, context);
      assert.ok(Object.keys(figures).length > 0);
      const declared = new Map(metric.figures.map((f) => [f.key, f]));
      for (const [key, value] of Object.entries(figures)) {
        assert.ok(declaresKey(metric, key), `'${key}' is not declared by '${name}'`);
        assertFinite(value, key);
        if (declared.has(key)) assertInRange(value, declared.get(key)!, figures);
      }
      assert.ok(metric.figures.some((f) => f.key in figures), "it returns a declared figure");
      assert.deepEqual(await metric.evaluate(drawn.samples, context), figures, "rerun");
      if (metric.summarise) {
        const evals = [0, 1].map((step) => ({ step, seconds: 0, metrics: figures }));
        for (const [key, value] of Object.entries(metric.summarise(evals))) {
          assert.ok(declaresKey(metric, key), `summary '${key}' is not declared by '${name}'`);
          assertFinite(value, key);
          if (declared.has(key)) assertInRange(value, declared.get(key)!, figures);
        }
      }
      disposePair(pair);
    });
  }
}

/** n rows of d smooth pseudo-random features, and their softmax as class probabilities. */
function extracted(n: number, d: number, phase: number) {
  const data = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7 + phase) * 2);
  const features: FeatureMatrix = { data, n, d };
  const probabilities = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = data.subarray(i * d, (i + 1) * d);
    const total = row.reduce((s, v) => s + Math.exp(v), 0);
    row.forEach((v, j) => (probabilities[i * d + j] = Math.exp(v) / total));
  }
  return { features, probabilities: { data: probabilities, n, d } };
}

const OPTIONS = { ...FEATURE_METRIC_DEFAULTS, kidSubsets: 5 };

for (const metric of featureMetrics()) {
  const name = metric.name;
  Deno.test(`feature metric '${name}' returns exactly its declared figures, finite, in range and reproducible`, () => {
    const generated = extracted(N, 4, 0), reference = extracted(N + 5, 4, 1);
    const figures = metric.compute(generated, reference, OPTIONS);
    const fields = metric.figures.map((f) => figureField(metric, f.key));
    assert.deepEqual(Object.keys(figures), fields, "the declared figures, in order");
    metric.figures.forEach((figure, i) => {
      const value = figures[fields[i]];
      assertFinite(value, figure.key);
      assertInRange(typeof value === "number" ? value : value.mean, figure);
    });
    assert.deepEqual(metric.compute(generated, reference, OPTIONS), figures, "rerun");
    if (!needsReference(metric)) {
      assert.deepEqual(metric.compute(generated, undefined, OPTIONS), figures, "no reference");
    }
  });

  Deno.test(`feature metric '${name}' takes Gaussian statistics only when it declares so`, () => {
    const generated = extracted(N, 4, 0), reference = extracted(N + 5, 4, 1);
    const stats = { stats: gaussianStats(generated.features) };
    if (metric.acceptsStatistics) {
      assert.deepEqual(
        metric.compute(stats, { stats: gaussianStats(reference.features) }, OPTIONS),
        metric.compute(generated, reference, OPTIONS),
        "statistics give the figures their features give",
      );
    } else {
      assert.throws(() => metric.compute(stats, reference, OPTIONS), TypeError);
    }
  });

  Deno.test(`feature metric '${name}' refuses sets of a single sample with a RangeError`, () => {
    assert.throws(
      () => metric.compute(extracted(1, 4, 0), extracted(1, 4, 1), OPTIONS),
      RangeError,
    );
  });
}

const mnist = DATASETS.get("mnist");
const mnistSamples = mnist.sample(N, new Rng(3));
const images = sampleMetrics().find(([name]) => name === "images")![1];

for (const metric of featureMetrics()) {
  Deno.test(`the images metric computes '${metric.name}' alone when a suite names only it`, async () => {
    const context = { dataset: mnist, features: "mnist", featureMetrics: [metric.name] };
    const figures = await images.evaluate(mnistSamples, context);
    const label = "mnist-net";
    // A mean ± std figure (KID, IS) is stored as the mean and a `-std` key.
    const shape = metric.compute(extracted(N, 4, 0), extracted(N + 5, 4, 1), OPTIONS);
    const expected = Object.entries(shape).flatMap(([field, value]) =>
      typeof value === "number"
        ? [`images.${field}[${label}]`]
        : [`images.${field}[${label}]`, `images.${field}-std[${label}]`]
    );
    const split = mnist.trainingSplit && metric.acceptsStatistics ? ["images.fid-reference"] : [];
    assert.deepEqual(
      Object.keys(figures).sort(),
      [...expected, ...split, "images.reference", "images.samples"].sort(),
    );
  });
}

Deno.test("every committed result's figures are declared by its metrics and lie within their bounds", async () => {
  const figures = allFigures();
  let checked = 0;
  const root = `${import.meta.dirname}/../../results`;
  for (const [suite, profile] of await listSuiteDirs(root)) {
    for (const path of await listResultFiles(`${root}/${suite}/${profile}`)) {
      const result = (await readResult(path))!;
      const metrics = result.config.metrics.map((name) => METRICS.get(name));
      for (const [key, value] of Object.entries(result.final)) {
        const owner = metrics.find((m) => key.startsWith(`${m.name}.`));
        if (!owner) continue; // dynamics, and figures of metrics since removed
        assert.ok(declaresKey(owner, key), `${path}: '${key}' is not declared by '${owner.name}'`);
        if (figures.has(key)) assertInRange(value, figures.get(key)!, result.final);
        checked++;
      }
    }
  }
  assert.ok(checked > 1000, `${checked} figures checked`);
});
