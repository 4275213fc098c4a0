/**
 * The architecture registry: each entry validates its own suite options and builds a G/D pair.
 *
 * @module
 */
import type { z } from "zod";
import { Registry } from "../registry.ts";
import { buildDcgan, DcganOptions } from "./dcgan.ts";
import { buildDirac, DiracOptions } from "./dirac.ts";
import { buildMlp, MlpOptions } from "./mlp.ts";
import type { BuildContext, GanPair } from "./network.ts";

export type {
  BuildContext,
  Discriminator,
  DiscriminatorOutput,
  GanPair,
  Generator,
} from "./network.ts";
export { disposePair } from "./network.ts";

/** An architecture: its option schema and its builder. */
export interface Architecture {
  description: string;
  // deno-lint-ignore no-explicit-any
  options: z.ZodType<any>;
  // deno-lint-ignore no-explicit-any
  build(options: any, context: BuildContext): GanPair;
}

/** Every architecture a suite may name. */
export const ARCHITECTURES: Registry<Architecture> = new Registry<Architecture>("architecture");
ARCHITECTURES.register("mlp", {
  description: "MLP G (ReLU) and D (LeakyReLU 0.2)",
  options: MlpOptions,
  build: buildMlp,
});
ARCHITECTURES.register("dirac", {
  description: "Dirac-GAN: G(z) = θ, D(x) = ψ·x, starting at (θ, ψ) = (1, 1)",
  options: DiracOptions,
  build: buildDirac,
});
ARCHITECTURES.register("dcgan", {
  description:
    "DCGAN for 28x28: transposed convolutions + batch norm + ReLU, tanh; strided convolutions + LeakyReLU",
  options: DcganOptions,
  build: buildDcgan,
});
