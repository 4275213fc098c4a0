/**
 * The interface every sample metric implements.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { Discriminator } from "../models/network.ts";
import type { EvalPoint } from "../train/train.ts";

/** One number a metric reports, with its direction. */
export interface Figure {
  /** Key in results and tables, `<metric>.<figure>`. */
  key: string;
  /** Short column label. */
  label: string;
  /** true ↑, false ↓, undefined when neither is better. */
  higherIsBetter?: boolean;
  description: string;
}

/** What a metric sees besides the samples. */
export interface MetricContext {
  dataset: Dataset;
  /** The discriminator at the evaluation step, for metrics of the game's state (Dirac-GAN). */
  discriminator?: Discriminator;
  /** The suite's feature extractor (image metrics). */
  features?: string;
  /** The class each sample was generated for, when the generator is conditional. */
  labels?: Int32Array;
}

/** A metric of generated samples. */
export interface Metric {
  description: string;
  figures: Figure[];
  /** Why the metric cannot score `dataset`, or undefined when it can. */
  unsupportedReason(dataset: Dataset): string | undefined;
  /** Scores `samples` (row-major, one sample per `dataset.sampleShape`); keys are figure keys. */
  evaluate(
    samples: Float32Array,
    context: MetricContext,
  ): Record<string, number> | Promise<Record<string, number>>;
  /** Final figures computed from the whole evaluation curve (added to the result's `final`). */
  summarise?(evals: EvalPoint[]): Record<string, number>;
}
