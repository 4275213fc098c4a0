/**
 * The networks of unpaired translation between two domains A and B (CycleGAN): a translator each
 * way and a discriminator per domain, and running a translator on given samples.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Discriminator } from "./network.ts";

/** Maps samples of one domain to the other's (both of one sample shape). */
export interface Translator {
  /** Trainable weights. */
  readonly variables: tf.Variable[];
  /** The translations of `x` (`[n, ...sampleShape]`), of the same shape. */
  translate(x: tf.Tensor): tf.Tensor;
}

/** CycleGAN's four networks. */
export interface TranslationNetworks {
  /** G: A → B. */
  forward: Translator;
  /** F: B → A. */
  backward: Translator;
  /** D_A: real A samples against F's translations. */
  discriminatorA: Discriminator;
  /** D_B: real B samples against G's translations. */
  discriminatorB: Discriminator;
}

/** Every variable of `networks`: G's, F's, D_A's, D_B's. */
export function translationVariables(networks: TranslationNetworks): tf.Variable[] {
  return [
    ...networks.forward.variables,
    ...networks.backward.variables,
    ...networks.discriminatorA.variables,
    ...networks.discriminatorB.variables,
  ];
}

/** Disposes every variable of `networks`. */
export function disposeTranslation(networks: TranslationNetworks): void {
  for (const v of translationVariables(networks)) v.dispose();
}

/**
 * Samples per translator call. The translators normalise each sample on its own (instance norm)
 * or not at all, so, unlike a batch-norm generator's, a translation does not depend on it.
 */
const TRANSLATION_CHUNK = 500;

/**
 * `translator`'s translations of `samples` (row-major, `sampleShape` each), run in chunks and read
 * asynchronously, as one flat array.
 */
export async function translateSamples(
  translator: Translator,
  samples: Float32Array,
  sampleShape: number[],
): Promise<Float32Array> {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = samples.length / size;
  const out = new Float32Array(samples.length);
  for (let start = 0; start < n; start += TRANSLATION_CHUNK) {
    const count = Math.min(TRANSLATION_CHUNK, n - start);
    const part = tf.tidy(() =>
      translator.translate(
        tf.tensor(samples.subarray(start * size, (start + count) * size), [count, ...sampleShape]),
      )
    );
    out.set(await part.data() as Float32Array, start * size);
    part.dispose();
  }
  return out;
}

/** What translators G: A → B and F: B → A make of n samples a of A and b of B, row-major. */
export interface TranslationOutputs {
  /** G(a). */
  forward: Float32Array;
  /** F(b). */
  backward: Float32Array;
  /** F(G(a)). */
  cycleA: Float32Array;
  /** G(F(b)). */
  cycleB: Float32Array;
  /** F(a). */
  identityA: Float32Array;
  /** G(b). */
  identityB: Float32Array;
}

/** Runs `networks`' translators on `a` and `b` (row-major, `sampleShape` each) every way. */
export async function translationOutputs(
  networks: TranslationNetworks,
  samples: { a: Float32Array; b: Float32Array },
  sampleShape: number[],
): Promise<TranslationOutputs> {
  const { forward: g, backward: f } = networks;
  const run = (translator: Translator, x: Float32Array) =>
    translateSamples(translator, x, sampleShape);
  const forward = await run(g, samples.a), backward = await run(f, samples.b);
  return {
    forward,
    backward,
    cycleA: await run(f, forward),
    cycleB: await run(g, backward),
    identityA: await run(f, samples.a),
    identityB: await run(g, samples.b),
  };
}
