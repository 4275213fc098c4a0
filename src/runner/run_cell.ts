/**
 * Runs one cell, one step after another: build its networks from its seed, train them under its
 * budget while scoring the generator at every evaluation step, score the final generator, and
 * assemble the result. Image cells also get their pictures (a sample grid per evaluation, then
 * interpolation strips and a vector-arithmetic row), composed as PNG by `report/pictures.ts`.
 * A trainer of translation networks (not one generator) runs its cell through
 * `translation_cell.ts` instead, and its result is assembled here the same way.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { DATASETS } from "../data/mod.ts";
import type { Dataset } from "../data/dataset.ts";
import { trainingData } from "../data/training_set.ts";
import { Rng } from "../engine/rng.ts";
import { UserError } from "../errors.ts";
import { ganLossOf, REGULARISERS } from "../losses/mod.ts";
import {
  disposePictureInputs,
  interpolationStrips,
  type PictureInputs,
  pictureInputs,
  sampleGrid,
} from "../metrics/latent_pictures.ts";
import { allFigures, declaresKey, dynamicsFigures, sampleMetric } from "../metrics/mod.ts";
import { classifierArithmetic } from "../metrics/vector_arithmetic.ts";
import { buildConditional } from "../models/conditional.ts";
import {
  ARCHITECTURES,
  disposePair,
  type GanPair,
  generateSamples,
  type Generator,
} from "../models/mod.ts";
import { imageGridPng } from "../report/pictures.ts";
import {
  type Progress,
  TRAINERS,
  type TrainOptions,
  type TrainOutcome,
  type TranslationTrainOptions,
} from "../train/mod.ts";
import { trainLockstep } from "../train/lockstep.ts";
import { trainCycleganLockstep } from "../train/lockstep_cyclegan.ts";
import type { Cell, CellConfig } from "./cells.ts";
import { scoringConfig } from "./cell_keys.ts";
import {
  CheckpointKeeper,
  readStoredGenerators,
  SMALL_DISCRIMINATOR,
  StoredGeneratorError,
  valueCount,
} from "./checkpoints.ts";
import type { CellResult, Environment } from "./store.ts";
import { prepareTranslationCell, translationScoringTarget } from "./translation_cell.ts";

/** Generated points stored with a result of a 2-D dataset, for scatter plots. */
const STORED_POINTS = 500;

/** Raised when a cell cannot be built (e.g. a conditional variant on unlabelled data); one line. */
export class CellSetupError extends UserError {
  override name = "CellSetupError";
  override readonly code: string = "cell-setup";
}

/** Trains and scores `cell`, reporting training progress to `onProgress`. */
export async function runCell(
  cell: Cell,
  environment: Environment,
  onProgress?: (progress: Progress) => void,
): Promise<CellResult> {
  const { config } = cell;
  const started = performance.now();
  const trainer = TRAINERS.get(config.trainer ?? "gan");
  if (trainer.networks === "translation") {
    // Not one generator: the translation networks' own steps build, train, score and picture them.
    const prepared = prepareTranslationRunCell(cell, environment, { started, onProgress });
    try {
      return await prepared.result(await trainer.train(prepared.options));
    } finally {
      prepared.dispose();
    }
  }
  const prepared = preparePairCell(cell, environment, { started, onProgress });
  try {
    return await prepared.result(await trainer.train(prepared.options));
  } finally {
    prepared.dispose();
  }
}

/**
 * Trains and scores the cells of one row (the same suite, profile, dataset and variant; seeds
 * differ) as one batched model (`trainLockstep`, train/lockstep.ts; CycleGAN's point networks:
 * `trainCycleganLockstep`), each cell prepared, scored and assembled exactly as
 * {@linkcode runCell} does alone: its own seeded source, evaluation batch, checkpoints and pictures.
 * A group of one cell is {@linkcode runCell}.
 *
 * @param options `onProgress` receives each cell's training progress; `train` trains a group of
 *   pairs (default `trainLockstep`; tests give a stand-in)
 * @returns the cells' results, in the order of `cells`, each recording the group's size in
 *   `timing.lockstep`
 */
export async function runCellGroup(
  cells: Cell[],
  environment: Environment,
  options: {
    onProgress?: (cell: Cell, progress: Progress) => void;
    train?: (group: TrainOptions[]) => Promise<TrainOutcome[]>;
  } = {},
): Promise<CellResult[]> {
  const { onProgress, train = trainLockstep } = options;
  if (cells.length === 1) {
    const [cell] = cells;
    return [await runCell(cell, environment, onProgress && ((p) => onProgress(cell, p)))];
  }
  const started = performance.now();
  const run = (cell: Cell) => ({
    started,
    onProgress: onProgress && ((p: Progress) => onProgress(cell, p)),
    lockstep: cells.length,
  });
  const trainer = cells[0].config.trainer ?? "gan";
  if (TRAINERS.get(trainer).networks === "translation") {
    if (trainer !== "cyclegan") {
      throw new TypeError(`trainer '${trainer}' cannot train in lockstep`);
    }
    return await runPreparedGroup(
      cells.map((cell) => () => prepareTranslationRunCell(cell, environment, run(cell))),
      trainCycleganLockstep,
    );
  }
  return await runPreparedGroup(
    cells.map((cell) => () => {
      if (TRAINERS.get(cell.config.trainer ?? "gan").networks === "translation") {
        throw new TypeError(`trainer '${cell.config.trainer}' cannot train in lockstep`);
      }
      return preparePairCell(cell, environment, run(cell));
    }),
    train,
  );
}

/**
 * Prepares each cell of a group in turn, trains their options together with `train`, then turns
 * each outcome into its cell's result; every cell prepared is freed, whatever happens.
 */
async function runPreparedGroup<O>(
  prepare: (() => PreparedCell<O>)[],
  train: (group: O[]) => Promise<TrainOutcome[]>,
): Promise<CellResult[]> {
  const prepared: PreparedCell<O>[] = [];
  try {
    for (const next of prepare) prepared.push(next());
    const outcomes = await train(prepared.map((p) => p.options));
    const results: CellResult[] = [];
    for (const [i, p] of prepared.entries()) results.push(await p.result(outcomes[i]));
    return results;
  } finally {
    for (const p of prepared) p.dispose();
  }
}

/** A cell ready to train: its trainer's options, and what turns the outcome into its result. */
interface PreparedCell<O = TrainOptions> {
  options: O;
  /** The cell's final figures and pictures after `outcome`, and its assembled result. */
  result(outcome: TrainOutcome): Promise<CellResult>;
  /** Frees its networks, evaluation batch and picture inputs. */
  dispose(): void;
}

/**
 * A translation cell (`networks: "translation"`) ready to train: `prepareTranslationCell`'s
 * networks, scorer and options with the cell's checkpoint keeper, its result assembled as a pair
 * cell's is.
 *
 * @param run `started`: when the cell's run began (for its wall time); `lockstep`: the size of
 *   the group it trains in, when more than one
 */
function prepareTranslationRunCell(
  cell: Cell,
  environment: Environment,
  run: { started: number; onProgress?: (progress: Progress) => void; lockstep?: number },
): PreparedCell<TranslationTrainOptions> {
  const { config } = cell;
  const dataset = DATASETS.get(config.dataset);
  const keeper = checkpointKeeper(cell);
  const prepared = prepareTranslationCell(
    { config, dataset, rng: new Rng(config.seed), keeper },
    run.onProgress,
  );
  return {
    options: prepared.options,
    async result(outcome) {
      const translated = await prepared.result(outcome);
      return assembleResult(cell, translated.outcome, {
        final: translated.final,
        points: pointsToStore(translated.lastSamples, dataset.sampleShape),
        pictures: translated.pictures,
        generators: keeper.encode(),
        wallSeconds: (performance.now() - run.started) / 1000,
        lockstep: run.lockstep,
        environment,
      });
    },
    dispose: prepared.dispose,
  };
}

/**
 * Builds a pair cell's networks, scorer, checkpoint keeper and pictures from its seed, and the
 * trainer's options, whose `evaluate` scores, keeps and pictures the generator at each evaluation.
 *
 * @param run `started`: when the cell's run began (for its wall time); `lockstep`: the size of
 *   the group it trains in, when more than one
 */
function preparePairCell(
  cell: Cell,
  environment: Environment,
  run: { started: number; onProgress?: (progress: Progress) => void; lockstep?: number },
): PreparedCell {
  const { config } = cell;
  const dataset = DATASETS.get(config.dataset);
  const { context, score, evaluation } = scoringSetup(config, dataset, new Rng(config.seed));
  const { pair } = context;
  const pictures = dataset.sampleShape.length === 3 ? new CellPictures(context) : undefined;
  const keeper = checkpointKeeper(cell);
  let lastSamples: Float32Array | undefined;
  const options = trainOptions(context, {
    async evaluate(generator, at) {
      const snapshot = await keeper.take(at, keptNetworks(pair));
      const { samples, figures } = await score(generator, evaluation);
      keeper.keep(snapshot, figures);
      lastSamples = samples;
      await pictures?.addGrid(generator, at);
      return figures;
    },
    onProgress: run.onProgress,
  });
  return {
    options,
    async result(outcome) {
      const diverged = outcome.status === "diverged";
      const final = diverged ? {} : await finalFigures(context, outcome, score);
      const arithmetic = diverged ? undefined : await pictures?.addFinal();
      return assembleResult(cell, outcome, {
        final,
        points: pointsToStore(lastSamples, dataset.sampleShape),
        pictures: pictures?.images,
        arithmetic,
        generators: keeper.encode(),
        wallSeconds: (performance.now() - run.started) / 1000,
        lockstep: run.lockstep,
        environment,
      });
    },
    dispose() {
      disposeBatch(evaluation);
      pictures?.dispose();
      disposePair(pair);
    },
  };
}

/**
 * A cell's networks as its seed builds them, its scorer, and its evaluation batch (from its
 * `eval` stream): what training and re-scoring score with alike.
 */
function scoringSetup(config: CellConfig, dataset: Dataset, rng: Rng) {
  const context: CellContext = { config, dataset, pair: buildPair(config, dataset, rng), rng };
  const evaluation = evaluationBatch(config.evalSamples, rng.stream("eval"), {
    latentDim: config.latentDim,
    classes: context.pair.classes,
  });
  return { context, score: scorer(context), evaluation };
}

/** The keeper of a cell's generators: every evaluation when small, else the last and the best. */
function checkpointKeeper({ config, primary }: Cell): CheckpointKeeper {
  const higherIsBetter = primary ? allFigures().get(primary)?.higherIsBetter : undefined;
  return new CheckpointKeeper({
    evaluations: Math.floor(config.budget.steps / config.budget.evalEvery) + 2,
    ...(primary && higherIsBetter !== undefined
      ? { primary: { key: primary, higherIsBetter } }
      : {}),
  });
}

/** The networks a cell keeps: its generator, and its discriminator when that is small. */
function keptNetworks(pair: GanPair) {
  return {
    generator: pair.generator,
    ...(valueCount(pair.discriminator) <= SMALL_DISCRIMINATOR
      ? { discriminator: pair.discriminator }
      : {}),
  };
}

/**
 * Re-scores `stored`, a result of `cell`'s training (same training hash), under `cell`'s metric
 * configuration from its stored generators (read from the suite/profile folder `dir`): every
 * evaluation whose networks are stored is scored again with every metric; at the others, the
 * figures of the metrics whose configuration did not change are kept and the rest dropped; the
 * final figures come from the last evaluation's networks. Training's curves, timing, pictures and
 * environment are kept.
 *
 * @throws {StoredGeneratorError} one line, when the cell's generators are not stored or unreadable
 */
export async function rescoreCell(
  cell: Cell,
  stored: CellResult,
  dir: string,
  environment: Environment,
): Promise<CellResult> {
  const { config } = cell;
  const started = performance.now();
  const label = `${config.dataset} ${config.variant} seed ${config.seed}`;
  const generators = await readStoredGenerators(dir, stored.checkpoints, label);
  const last = stored.evals.at(-1)?.step;
  if (last === undefined || !generators.has(last)) {
    throw new StoredGeneratorError(
      `${label}: the generator of its last evaluation (step ${last}) is not stored; --force retrains it`,
    );
  }
  const dataset = DATASETS.get(config.dataset);
  const rng = new Rng(config.seed);
  const target = TRAINERS.get(config.trainer ?? "gan").networks === "translation"
    ? translationScoringTarget(config, dataset, rng)
    : pairScoringTarget(config, dataset, rng);
  const carried = unchangedMetrics(stored, config);
  try {
    let lastSamples: Float32Array | undefined;
    const evals = [];
    for (const point of stored.evals) {
      if (!generators.has(point.step)) {
        target.skip();
        const kept = Object.entries(point.metrics).filter(([key]) =>
          carried.some((metric) => declaresKey(metric, key))
        );
        evals.push({ ...point, metrics: Object.fromEntries(kept) });
        continue;
      }
      generators.restore(point.step, target.networks, label);
      const { samples, figures } = await target.evaluate();
      lastSamples = samples;
      evals.push({ ...point, metrics: figures });
    }
    const outcome: TrainOutcome = {
      status: stored.status,
      ...(stored.divergence ? { divergence: stored.divergence } : {}),
      steps: stored.steps,
      curves: stored.curves,
      evals,
      trainSeconds: stored.timing.trainSeconds,
      evalSeconds: stored.timing.evalSeconds,
    };
    const final = stored.status === "diverged" ? {} : await target.final(outcome);
    const points = pointsToStore(lastSamples, dataset.sampleShape);
    return {
      ...stored,
      hash: cell.hash,
      scoreKey: cell.scoreKey,
      scoring: scoringConfig(config),
      config,
      final,
      evals,
      ...(points ? { samples: points } : {}),
      rescored: {
        at: new Date().toISOString(),
        seconds: (performance.now() - started) / 1000,
        ...(environment.commit ? { commit: environment.commit } : {}),
        steps: generators.steps,
      },
    };
  } finally {
    target.dispose();
  }
}

/**
 * A pair cell's networks as its seed builds them, for re-scoring: the generator and discriminator
 * to restore stored values into, scoring on the evaluation batch, the final figures.
 */
function pairScoringTarget(config: CellConfig, dataset: Dataset, rng: Rng) {
  const { context, score, evaluation } = scoringSetup(config, dataset, rng);
  const { pair } = context;
  return {
    networks: { generator: pair.generator, discriminator: pair.discriminator },
    evaluate: () => score(pair.generator, evaluation),
    // What an evaluation draws besides its batch (PacGAN's refresh of its running averages) is
    // drawn for the evaluations not re-scored too, so that the next one draws what training drew;
    // the restore that precedes it overwrites the averages the refresh changed.
    skip: () => pair.generator.prepareSampling?.(),
    final: (outcome: TrainOutcome) => finalFigures(context, outcome, score),
    dispose() {
      disposeBatch(evaluation);
      disposePair(pair);
    },
  };
}

/**
 * The metrics of `config` whose figures in `stored` are still valid: the same metric at the same
 * version, scored on as many samples with the same features.
 */
function unchangedMetrics(stored: CellResult, config: CellConfig) {
  const before = stored.scoring ?? scoringConfig(stored.config, () => 1);
  const now = scoringConfig(config);
  const same = before.evalSamples === now.evalSamples && before.features === now.features &&
    before.featuresModel === now.featuresModel &&
    String(before.featureMetrics) === String(now.featureMetrics);
  return same
    ? config.metrics.filter((name) => before.metrics[name] === now.metrics[name]).map(sampleMetric)
    : [];
}

/** What the steps of a cell share: its configuration, dataset, networks and seeded source. */
export interface CellContext {
  config: CellConfig;
  dataset: Dataset;
  pair: GanPair;
  /** The cell's seeded source; each step draws from its own named streams. */
  rng: Rng;
}

/** Builds the cell's networks from its `init` stream: the architecture's pair, conditional when the variant is. */
export function buildPair(config: CellConfig, dataset: Dataset, rng: Rng): GanPair {
  const architecture = ARCHITECTURES.get(config.architecture);
  if (architecture.networks === "translation") {
    throw new TypeError(
      `architecture '${config.architecture}' builds no generator/discriminator pair`,
    );
  }
  const context = {
    sampleShape: dataset.sampleShape,
    latentDim: config.latentDim,
    rng: rng.stream("init"),
    outputs: TRAINERS.get(config.trainer ?? "gan").discriminatorOutputs?.(config.latentDim),
  };
  if (!config.conditional) return architecture.build(config.model, context);
  if (!dataset.classes) {
    throw new CellSetupError(
      `variant '${config.variant}' is class-conditional, but dataset '${dataset.name}' has no labels`,
    );
  }
  return buildConditional(architecture.build, config.model, context, dataset.classes);
}

/** Fixed latent codes to score a generator on, with balanced labels for a conditional one. */
interface EvaluationBatch {
  latent: tf.Tensor2D;
  /** The requested classes 0, 1, …, classes − 1, 0, 1, … (conditional pairs only). */
  labels?: Int32Array;
  labelTensor?: tf.Tensor1D;
}

/** `n` latent codes from `rng`, with balanced labels when `classes` is set. */
function evaluationBatch(
  n: number,
  rng: Rng,
  options: { latentDim: number; classes?: number },
): EvaluationBatch {
  const { latentDim, classes } = options;
  const labels = classes ? Int32Array.from({ length: n }, (_, i) => i % classes) : undefined;
  return {
    latent: tf.tensor2d(rng.normals(n * latentDim), [n, latentDim]),
    labels,
    labelTensor: labels && tf.tensor1d(labels, "int32"),
  };
}

/** Frees the tensors of `batch`. */
function disposeBatch(batch: EvaluationBatch): void {
  tf.dispose([batch.latent, ...(batch.labelTensor ? [batch.labelTensor] : [])]);
}

/** Scores a generator on a batch: its samples and the figures of every metric of the cell. */
type Scorer = (
  generator: Generator,
  batch: EvaluationBatch,
) => Promise<{ samples: Float32Array; figures: Record<string, number> }>;

/** The cell's {@linkcode Scorer}: its metrics, with the cell's dataset, discriminator and features. */
function scorer({ config, dataset, pair }: CellContext): Scorer {
  const metrics = config.metrics.map(sampleMetric);
  return async (generator, batch) => {
    const samples = await generateSamples(generator, batch.latent, batch.labelTensor);
    const context = {
      dataset,
      discriminator: pair.discriminator,
      features: config.features,
      featureMetrics: config.featureMetrics,
      labels: batch.labels,
    };
    const figures = await Promise.all(metrics.map((m) => m.evaluate(samples, context)));
    return { samples, figures: Object.assign({}, ...figures) as Record<string, number> };
  };
}

/** Trains the cell's pair with its trainer, loss, regularisers, hyper-parameters and budget. */
export function trainPair(
  context: CellContext,
  hooks: Pick<TrainOptions, "evaluate" | "onProgress">,
): Promise<TrainOutcome> {
  const { config } = context;
  const trainer = TRAINERS.get(config.trainer ?? "gan");
  if (trainer.networks === "translation") {
    throw new TypeError(`trainer '${config.trainer}' trains no generator/discriminator pair`);
  }
  return trainer.train(trainOptions(context, hooks));
}

/** What the cell's trainer is given: its data, pair, loss, regularisers, hyper-parameters and budget. */
export function trainOptions(
  { config, dataset, pair, rng }: CellContext,
  hooks: Pick<TrainOptions, "evaluate" | "onProgress">,
): TrainOptions {
  return {
    // A dataset with a fixed training set draws it once per run, from the run's own stream.
    dataset: trainingData(dataset, rng.stream("training-set")),
    pair,
    // undefined for a trainer's own objective (the VAE's elbo); an unknown loss throws.
    loss: ganLossOf(config.loss, config.trainer),
    regularisers: Object.entries(config.regularisers).map(([name, weight]) => ({
      name,
      regulariser: REGULARISERS.get(name),
      weight,
    })),
    hyper: config.hyper,
    budget: config.budget,
    rng,
    evaluate: hooks.evaluate,
    onProgress: hooks.onProgress,
  };
}

/**
 * The final figures of a run that did not diverge: the last evaluation's metrics (or, when the
 * cell asks for more final samples, the metrics on a fresh batch of that size from its `final`
 * stream), the metrics' summaries over the evaluations, and the training-dynamics figures.
 */
async function finalFigures(
  { config, pair, rng }: CellContext,
  outcome: TrainOutcome,
  score: Scorer,
): Promise<Record<string, number>> {
  let figures = outcome.evals.at(-1)?.metrics;
  if (config.finalSamples) {
    const batch = evaluationBatch(config.finalSamples, rng.stream("final"), {
      latentDim: config.latentDim,
      classes: pair.classes,
    });
    try {
      figures = (await score(pair.generator, batch)).figures;
    } finally {
      disposeBatch(batch);
    }
  }
  const metrics = config.metrics.map(sampleMetric);
  return {
    ...figures,
    ...Object.assign({}, ...metrics.map((m) => m.summarise?.(outcome.evals) ?? {})),
    ...dynamicsFigures(outcome.curves),
  };
}

/**
 * The pictures of an image cell, as PNG bytes by name: `grid-stepNNNNNN` at every evaluation,
 * then `interpolation` and (when the suite's classifier can judge it) `arithmetic` of the final
 * generator. Their latent codes are drawn once, from the cell's `pictures` stream.
 */
class CellPictures {
  /** The PNG files so far, in the order they were made. */
  readonly images: Record<string, Uint8Array> = {};
  #context: CellContext;
  #shape: number[];
  #inputs: PictureInputs;

  constructor(context: CellContext) {
    this.#context = context;
    this.#shape = context.dataset.sampleShape;
    this.#inputs = pictureInputs(
      context.config.latentDim,
      context.pair.classes,
      context.rng.stream("pictures"),
    );
  }

  /** Adds the sample grid of `generator` at generator step `step`. */
  async addGrid(generator: Generator, step: number): Promise<void> {
    const grid = await sampleGrid(generator, this.#inputs);
    this.images[`grid-step${String(step).padStart(6, "0")}`] = await imageGridPng(
      grid,
      this.#shape,
    );
  }

  /**
   * Adds the interpolation strips and the vector-arithmetic row of the trained generator (the
   * row's codes from the cell's `arithmetic` stream); resolves to the row's classes, or undefined
   * without a row.
   */
  async addFinal(): Promise<CellResult["arithmetic"]> {
    const { config, pair, rng } = this.#context;
    const strips = await interpolationStrips(pair.generator, this.#inputs);
    this.images.interpolation = await imageGridPng(strips, this.#shape);
    const example = await classifierArithmetic(pair.generator, {
      sampleShape: this.#shape,
      features: config.features,
      conditional: config.conditional,
    }, rng.stream("arithmetic"));
    if (!example) return undefined;
    this.images.arithmetic = await imageGridPng(example.row, this.#shape);
    return { a: example.a, b: example.b, c: example.c, result: example.result };
  }

  /** Frees the pictures' latent codes. */
  dispose(): void {
    disposePictureInputs(this.#inputs);
  }
}

/** The first `STORED_POINTS` 2-D samples, rounded to 1e-4, or undefined for other shapes. */
function pointsToStore(
  samples: Float32Array | undefined,
  sampleShape: number[],
): number[][] | undefined {
  if (!samples || sampleShape.length !== 1 || sampleShape[0] !== 2) return undefined;
  const count = Math.min(STORED_POINTS, samples.length / 2);
  const points: number[][] = [];
  for (let i = 0; i < count; i++) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      points.push([Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]);
    }
  }
  return points;
}

/** What a cell's run adds to its training outcome in the stored result. */
interface ResultParts {
  /** The stored generators (checkpoints.ts), when the cell keeps them. */
  generators?: CellResult["generators"];
  /** Empty for a diverged run. */
  final: Record<string, number>;
  points?: number[][];
  pictures?: Record<string, Uint8Array>;
  arithmetic?: CellResult["arithmetic"];
  wallSeconds: number;
  /** The size of the lockstep group it trained in, when more than one. */
  lockstep?: number;
  environment: Environment;
}

/** The stored result of `cell` (its keys in the order the result files have always had). */
function assembleResult(cell: Cell, outcome: TrainOutcome, parts: ResultParts): CellResult {
  const { pictures, points, arithmetic, generators } = parts;
  return {
    hash: cell.hash,
    scoreKey: cell.scoreKey,
    scoring: scoringConfig(cell.config),
    config: cell.config,
    status: outcome.status,
    ...(outcome.divergence ? { divergence: outcome.divergence } : {}),
    steps: outcome.steps,
    final: parts.final,
    curves: outcome.curves,
    evals: outcome.evals,
    timing: {
      wallSeconds: parts.wallSeconds,
      trainSeconds: outcome.trainSeconds,
      evalSeconds: outcome.evalSeconds,
      stepsPerSecond: outcome.trainSeconds > 0 ? outcome.steps / outcome.trainSeconds : 0,
      ...(parts.lockstep ? { lockstep: parts.lockstep } : {}),
    },
    ...(points ? { samples: points } : {}),
    ...(pictures && Object.keys(pictures).length ? { pictures } : {}),
    ...(arithmetic ? { arithmetic } : {}),
    ...(generators ? { generators } : {}),
    environment: parts.environment,
    finishedAt: new Date().toISOString(),
  };
}
