/**
 * A variant is data: a loss, its regularisers with strengths, the hyper-parameters its paper
 * prescribes, and the trainer that runs it. This module holds its zod schema (shared with the
 * per-variant overrides of suite files) and a registry that validates every variant as it is
 * registered.
 *
 * @module
 */
import { z } from "zod";
import { Registry } from "../registry.ts";
import { describeFirstIssue } from "../schema_errors.ts";
import { Normalisation } from "../models/normalisation.ts";

/** Optimisation hyper-parameters of a cell. */
export const Hyper = z.strictObject({
  /** Discriminator steps per generator step. */
  k: z.int().min(1),
  /** `alternating`: D steps, then G against the updated D; `simultaneous`: the last D step and the
   * G step take their gradients at the same point. */
  scheme: z.enum(["alternating", "simultaneous"]),
  optimizer: z.enum(["adam", "rmsprop", "sgd"]),
  lrG: z.number().positive(),
  lrD: z.number().positive(),
  beta1: z.number().min(0).max(1),
  beta2: z.number().min(0).lt(1),
});
/** Optimisation hyper-parameters of a cell. */
export type Hyper = z.infer<typeof Hyper>;

/** What a suite profile defaults to: one alternating D step, Adam with DCGAN's β = (0.5, 0.999). */
export const DEFAULT_HYPER: Hyper = {
  k: 1,
  scheme: "alternating",
  optimizer: "adam",
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
};

/** Some of the hyper-parameters: a variant's defaults, or a suite's overrides of them. */
export const HyperOverrides = Hyper.partial();

/** Regulariser name → strength (≥ 0), in a variant or in a suite's override of it. */
export const RegulariserStrengths = z.record(z.string(), z.number().nonnegative());

/** The fields of a variant, before its names are checked against the registries. */
export const VariantSchema = z.strictObject({
  /** One line for `list`. */
  description: z.string().min(1),
  /**
   * The objective: a registered GAN loss, or the objective of a trainer that computes its own
   * (the VAE's `elbo`, see {@linkcode VariantNames.trainerObjectives}).
   */
  loss: z.string().min(1),
  /** Regularisers of D with their strengths. */
  regularisers: RegulariserStrengths,
  /** Hyper-parameters the method prescribes; they win over the suite profile's defaults. */
  defaults: HyperOverrides,
  /** The trainer that runs it (see src/train/mod.ts); default `gan`. */
  trainer: z.string().optional(),
  /** Whether G and D are conditioned on the class label (needs labelled data). */
  conditional: z.boolean().optional(),
  /**
   * The discriminator normalisation the method prescribes (`sngan`: spectral); it sets the
   * architecture's `discriminator.normalisation` unless the suite's variant entry names one.
   */
  normalisation: Normalisation.optional(),
  /** Options of its trainer (checked against the trainer's own schema, e.g. CycleGAN's loss weights). */
  trainerOptions: z.record(z.string(), z.unknown()).optional(),
});
/** A named GAN variant: objective, regularisers with strengths, and paper defaults. */
export type Variant = z.infer<typeof VariantSchema>;

/** The trainer of variants that name none. */
export const DEFAULT_TRAINER = "gan";

/** A registry a variant's names are checked against. */
type Names = Pick<Registry<unknown>, "has" | "unknownMessage">;

/** What a variant's trainer offers: the schema of its options, if it takes any. */
interface TrainerEntry {
  options?: z.ZodType;
}

/** What a variant's names must refer to. */
export interface VariantNames {
  losses: Names;
  regularisers: Names;
  trainers: Names & Pick<Registry<TrainerEntry>, "get">;
  /**
   * Objectives that trainers compute themselves, by trainer name (the VAE's `elbo`): a variant of
   * such a trainer names that objective as its loss and trains with no GAN loss.
   */
  trainerObjectives: Readonly<Record<string, string>>;
}

/** {@linkcode VariantSchema} with its loss, regulariser and trainer names checked against `names`. */
export function variantSchema(names: VariantNames) {
  return VariantSchema.superRefine((variant, ctx) => {
    const trainer = variant.trainer ?? DEFAULT_TRAINER;
    if (!names.trainers.has(trainer)) {
      ctx.addIssue({
        code: "custom",
        message: names.trainers.unknownMessage(trainer),
        path: ["trainer"],
      });
    }
    const objective = Object.hasOwn(names.trainerObjectives, trainer)
      ? names.trainerObjectives[trainer]
      : undefined;
    if (objective !== undefined && variant.loss !== objective) {
      ctx.addIssue({
        code: "custom",
        message:
          `the '${trainer}' trainer computes its own objective: must be '${objective}', got '${variant.loss}'`,
        path: ["loss"],
      });
    } else if (objective === undefined && !names.losses.has(variant.loss)) {
      ctx.addIssue({
        code: "custom",
        message: names.losses.unknownMessage(variant.loss),
        path: ["loss"],
      });
    }
    if (variant.trainerOptions !== undefined && names.trainers.has(trainer)) {
      const problem = trainerOptionsProblem(
        names.trainers.get(trainer).options,
        trainer,
        variant.trainerOptions,
      );
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["trainerOptions"] });
    }
    for (const name of Object.keys(variant.regularisers)) {
      if (!names.regularisers.has(name)) {
        ctx.addIssue({
          code: "custom",
          message: names.regularisers.unknownMessage(name),
          path: ["regularisers", name],
        });
      }
    }
  });
}

/**
 * Why `options` are not valid options of the trainer named `trainer` whose schema is `schema`
 * (undefined: it takes none), in one line, or undefined when they are.
 */
export function trainerOptionsProblem(
  schema: z.ZodType | undefined,
  trainer: string,
  options: Record<string, unknown>,
): string | undefined {
  if (!schema) {
    return Object.keys(options).length
      ? `the '${trainer}' trainer takes no options, got ${Object.keys(options).join(", ")}`
      : undefined;
  }
  const parsed = schema.safeParse(options, { reportInput: true });
  return parsed.success ? undefined : describeFirstIssue(parsed.error);
}

/**
 * The variant registry: every entry is parsed with {@linkcode variantSchema} as it is registered,
 * so a malformed variant fails at startup (a programming error, `TypeError`), never in a cell.
 */
export class VariantRegistry extends Registry<Variant> {
  #schema: ReturnType<typeof variantSchema>;

  /** @param names the registries a variant's names must refer to. */
  constructor(names: VariantNames) {
    super("variant");
    this.#schema = variantSchema(names);
  }

  /**
   * Validates `entry` and adds it under `name`.
   *
   * @throws {TypeError} "Invalid variant 'x': defaults.k: Too small: expected number to be >=1, got 0"
   */
  override register(name: string, entry: Variant): Variant {
    const parsed = this.#schema.safeParse(entry, { reportInput: true });
    if (!parsed.success) {
      throw new TypeError(`Invalid variant '${name}': ${describeFirstIssue(parsed.error)}`);
    }
    return super.register(name, parsed.data);
  }
}
