/**
 * NumPy `.npz` archives (a zip of `.npy` files, as `numpy.savez` writes them), read and written
 * with `fflate` (zip) and `npyjs` (the arrays).
 *
 * @module
 */
import { unzipSync, zipSync } from "fflate";
import { dump } from "npyjs";
import { writeBytesAtomic } from "../atomic_write.ts";
import { userErrorFromOs } from "../errors.ts";
import { ArrayFileError, type FloatArray, parseNpy } from "./npy.ts";

/** Reads every array of an `.npz` file, by name (without `.npy`). */
export async function readNpz(path: string): Promise<Record<string, FloatArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw userErrorFromOs(error, path) ??
      new ArrayFileError(`Cannot read '${path}': ${(error as Error).message}`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new ArrayFileError(
      `Cannot read '${path}' as an .npz archive: ${(error as Error).message}`,
    );
  }
  const arrays: Record<string, FloatArray> = {};
  for (const [name, content] of Object.entries(entries)) {
    if (name.endsWith(".npy")) arrays[name.slice(0, -4)] = parseNpy(content, `${path}:${name}`);
  }
  return arrays;
}

/**
 * Writes float64 arrays as an uncompressed `.npz` (readable by `numpy.load`), atomically: an
 * interrupted or failed write (a full disk) leaves an existing file at `path` as it was.
 */
export async function writeNpz(
  path: string,
  arrays: Record<string, { data: Float64Array; shape: number[] }>,
) {
  const files: Record<string, Uint8Array> = {};
  for (const [name, array] of Object.entries(arrays)) {
    files[`${name}.npy`] = new Uint8Array(dump(array.data, array.shape));
  }
  await writeBytesAtomic(path, zipSync(files, { level: 0 }));
}
