/**
 * The steps of a cell whose trainer trains translation networks (two translators and a
 * discriminator per domain, `networks: "translation"`), in place of run_cell's generator steps:
 * build the architecture's translation networks from the cell's seed, train them while scoring
 * them at every evaluation step on the dataset's held-out samples (every translator output the
 * metrics read: G(a), F(b), the cycles, the identity mappings), score them at the end, and, for
 * image domains, draw the strip a | G(a) | F(G(a)) | T(a). `run_cell.ts` assembles the result.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { Rng } from "../engine/rng.ts";
import { ganLossOf } from "../losses/mod.ts";
import { dynamicsFigures, sampleMetric } from "../metrics/mod.ts";
import { translationStrip } from "../metrics/translation_pictures.ts";
import {
  ARCHITECTURES,
  disposeTranslation,
  type TranslationNetworks,
  translationOutputs,
} from "../models/mod.ts";
import { imageGridPng } from "../report/pictures.ts";
import type { Progress, TrainOutcome, TranslationTrainOptions } from "../train/mod.ts";
import type { CellConfig } from "./cells.ts";
import type { CheckpointKeeper, NetworkTensors } from "./checkpoints.ts";

/** What a translation cell's run produced, for the result. */
export interface TranslationRun {
  outcome: TrainOutcome;
  /** Empty for a diverged run. */
  final: Record<string, number>;
  /** G(a) of the last evaluation's held-out a. */
  lastSamples?: Float32Array;
  /** `translation`: the strip a | G(a) | F(G(a)) | T(a), for image domains. */
  pictures?: Record<string, Uint8Array>;
}

/** A translation cell ready to train: its trainer's options, and what makes its run of the outcome. */
export interface PreparedTranslationCell {
  options: TranslationTrainOptions;
  /** The run's final figures and pictures after `outcome`. */
  result(outcome: TrainOutcome): Promise<TranslationRun>;
  /** Frees its networks. */
  dispose(): void;
}

/**
 * Builds a translation cell's networks and scorer from its seed, and the trainer's options, whose
 * `evaluate` scores the networks and keeps the translators at each evaluation: what the runner
 * trains alone (its trainer) or in lockstep groups (`trainCycleganLockstep`).
 */
export function prepareTranslationCell(
  cell: { config: CellConfig; dataset: Dataset; rng: Rng; keeper?: CheckpointKeeper },
  onProgress?: (progress: Progress) => void,
): PreparedTranslationCell {
  const { config, dataset, rng, keeper } = cell;
  const translation = dataset.translation!;
  const networks = buildTranslation(config, dataset, rng);
  const score = scorer(config, dataset, networks);
  let lastSamples: Float32Array | undefined;
  const options: TranslationTrainOptions = {
    dataset,
    networks,
    loss: ganLossOf(config.loss, config.trainer)!,
    hyper: config.hyper,
    budget: config.budget,
    trainerOptions: config.trainerOptions ?? {},
    rng,
    async evaluate(at) {
      const snapshot = await keeper?.take(at, translators(networks));
      const { samples, figures } = await score(config.evalSamples);
      if (snapshot) keeper!.keep(snapshot, figures);
      lastSamples = samples;
      return figures;
    },
    onProgress,
  };
  return {
    options,
    async result(outcome) {
      if (outcome.status === "diverged") return { outcome, final: {}, lastSamples };
      const final = await finalTranslationFigures(config, outcome, score);
      const shape = dataset.sampleShape;
      const pictures = shape.length === 3
        ? {
          translation: await imageGridPng(
            await translationStrip(networks, translation, {
              sampleShape: shape,
              classes: dataset.classes ?? 1,
            }),
            shape,
          ),
        }
        : undefined;
      return { outcome, final, lastSamples, pictures };
    },
    dispose: () => disposeTranslation(networks),
  };
}

/** Builds a translation cell's networks from its `init` stream. */
function buildTranslation(config: CellConfig, dataset: Dataset, rng: Rng): TranslationNetworks {
  const architecture = ARCHITECTURES.get(config.architecture);
  // The matrix checks both before any cell starts (cells.ts, incompatibility).
  if (architecture.networks !== "translation" || !dataset.translation) {
    throw new TypeError(`'${config.architecture}' on '${dataset.name}' cannot train translators`);
  }
  return architecture.build(config.model, {
    sampleShape: dataset.sampleShape,
    rng: rng.stream("init"),
  });
}

/** The networks a translation cell keeps: its two translators (the metrics read only them). */
function translators(networks: TranslationNetworks): Record<string, NetworkTensors> {
  return { forward: networks.forward, backward: networks.backward };
}

/**
 * The final figures of a translation run that did not diverge: the last evaluation's metrics (or
 * those of `finalSamples` held-out samples), the metrics' summaries, the dynamics figures.
 */
async function finalTranslationFigures(
  config: CellConfig,
  outcome: TrainOutcome,
  score: TranslationScorer,
): Promise<Record<string, number>> {
  let figures = outcome.evals.at(-1)?.metrics;
  if (config.finalSamples) figures = (await score(config.finalSamples)).figures;
  const metrics = config.metrics.map(sampleMetric);
  return {
    ...figures,
    ...Object.assign({}, ...metrics.map((m) => m.summarise?.(outcome.evals) ?? {})),
    ...dynamicsFigures(outcome.curves),
  };
}

/** Scores a translation cell's networks on n held-out samples: G(a) and the figures. */
type TranslationScorer = (
  n: number,
) => Promise<{ samples: Float32Array; figures: Record<string, number> }>;

/**
 * A translation cell's networks as its seed builds them, for re-scoring: the translators to
 * restore stored values into, scoring on the evaluation samples, the final figures.
 */
export function translationScoringTarget(config: CellConfig, dataset: Dataset, rng: Rng) {
  const networks = buildTranslation(config, dataset, rng);
  const score = scorer(config, dataset, networks);
  return {
    networks: translators(networks),
    evaluate: () => score(config.evalSamples),
    // Scoring translators draws nothing from a stream: an evaluation not re-scored needs nothing.
    skip: () => {},
    final: (outcome: TrainOutcome) => finalTranslationFigures(config, outcome, score),
    dispose: () => disposeTranslation(networks),
  };
}

/**
 * Scores `networks` on the dataset's first n held-out samples a (and b = T(a)) with every metric
 * of the cell: the G(a) and the figures.
 */
function scorer(
  config: CellConfig,
  dataset: Dataset,
  networks: TranslationNetworks,
): TranslationScorer {
  const translation = dataset.translation!;
  const metrics = config.metrics.map(sampleMetric);
  return async (n: number) => {
    const a = translation.heldOut(n).samples;
    const outputs = await translationOutputs(
      networks,
      { a, b: translation.forward(a) },
      dataset.sampleShape,
    );
    const context = { dataset, features: config.features, translations: outputs };
    const figures = await Promise.all(metrics.map((m) => m.evaluate(outputs.forward, context)));
    return {
      samples: outputs.forward,
      figures: Object.assign({}, ...figures) as Record<string, number>,
    };
  };
}
