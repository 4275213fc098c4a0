/**
 * FID statistics (mean, covariance) of a dataset's whole training split through a feature
 * extractor: the reference published CIFAR-10 FIDs are computed against (TTUR, the SN-GAN paper,
 * clean-fid's "train" statistics: all 50,000 training images). Computing them takes one pass of
 * the extractor over the split (hours for the Inception network on a CPU), so they are computed
 * once and cached on disk as pytorch-fid's `.npz` (`mu`, `sigma`: what `score --save-stats` writes),
 * named after the dataset, the split's size, the extractor and its weights' identity, and written
 * atomically; a cache file that cannot be read is recomputed and replaced.
 *
 * @module
 */
import { join } from "node:path";
import { Matrix } from "ml-matrix";
import type { Dataset } from "../data/dataset.ts";
import { readNpz, writeNpz } from "../data/npz.ts";
import { type FeatureExtractor, samplesForExtractor } from "./extractors.ts";
import { type GaussianStats, gaussianStats } from "./features.ts";

/** The environment variable naming the cache folder. */
export const CACHE_ENV = "GANBENCH_CACHE";

/** Samples per extraction pass (the Inception network batches them again, 16 at a time). */
const CHUNK = 500;

/** The cache folder: `GANBENCH_CACHE`, else `$XDG_CACHE_HOME/ganbench`, else `~/.cache/ganbench`. */
export function cacheDir(env: Pick<typeof Deno.env, "get"> = Deno.env): string {
  const explicit = env.get(CACHE_ENV);
  if (explicit) return explicit;
  const xdg = env.get("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "ganbench");
  return join(env.get("HOME") ?? ".", ".cache", "ganbench");
}

/** The cache file of `dataset`'s training statistics through `extractor` (of weights `identity`). */
export function statsCachePath(
  dataset: string,
  count: number,
  extractor: FeatureExtractor,
  identity?: string,
): string {
  const name = `${dataset}-train${count}-${extractor.label}${identity ? `-${identity}` : ""}.npz`;
  return join(cacheDir(), name);
}

/** Reads a cache file written by {@linkcode trainingStats}; undefined when it cannot. */
async function readCached(path: string, count: number): Promise<GaussianStats | undefined> {
  try {
    const { mu, sigma } = await readNpz(path);
    const d = mu?.data.length ?? 0;
    if (!mu || !sigma || d < 1 || sigma.data.length !== d * d) return undefined;
    const covariance = new Matrix(d, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) covariance.set(i, j, sigma.data[i * d + j]);
    }
    return { mean: Float64Array.from(mu.data), covariance, n: count };
  } catch {
    return undefined;
  }
}

const computed = new Map<string, Promise<GaussianStats>>();

/**
 * The FID statistics of `dataset`'s whole training split through `extractor`, from the cache or
 * computed (then cached); once per process and cache file.
 *
 * @param identity the extractor's weights' identity (part of the cache file's name)
 * @throws {TypeError} when the dataset has no training split
 */
export function trainingStats(
  dataset: Dataset,
  extractor: FeatureExtractor,
  identity?: string,
): Promise<GaussianStats> {
  const split = dataset.trainingSplit;
  if (!split) throw new TypeError(`dataset '${dataset.name}' has no training split`);
  const count = split.count();
  const path = statsCachePath(dataset.name, count, extractor, identity);
  if (!computed.has(path)) {
    computed.set(
      path,
      (async () => {
        const cached = await readCached(path, count);
        if (cached) return cached;
        let features: Float32Array | undefined;
        let d = 0;
        for (let start = 0; start < count; start += CHUNK) {
          const n = Math.min(CHUNK, count - start);
          const out = await extractor.extract(
            samplesForExtractor(split.samples(start, n), dataset.sampleShape),
            `${dataset.name} (training split)`,
          );
          d = out.features.d;
          features ??= new Float32Array(count * d);
          features.set(out.features.data, start * d);
        }
        const stats = gaussianStats({ data: features!, n: count, d });
        await writeNpz(path, {
          mu: { data: stats.mean, shape: [d] },
          sigma: { data: Float64Array.from(stats.covariance.to1DArray()), shape: [d, d] },
        });
        return stats;
      })(),
    );
    computed.get(path)!.catch(() => computed.delete(path));
  }
  return computed.get(path)!;
}
