/**
 * The one signature every GAN loss shares (compare_gan style).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { DiscriminatorOutput } from "../models/network.ts";

/** A GAN objective: what D minimises and what G minimises, given D's outputs. */
export interface GanLoss {
  /** One line for `list`. */
  readonly description: string;
  /** D's loss on a real and a generated batch. */
  discriminatorLoss(real: DiscriminatorOutput, fake: DiscriminatorOutput): tf.Scalar;
  /** G's loss on a generated batch; `real` is given only when `generatorNeedsReal` is set. */
  generatorLoss(fake: DiscriminatorOutput, real?: DiscriminatorOutput): tf.Scalar;
  /** True when the generator loss reads D's output on real data (feature matching). */
  readonly generatorNeedsReal?: boolean;
}
