/**
 * Reading NumPy `.npy` arrays (through `npyjs`) as row-major float arrays.
 *
 * @module
 */
import npyjs from "npyjs";

/** A numeric array read from disk. */
export interface FloatArray {
  data: Float64Array;
  shape: number[];
  /** NumPy dtype code as stored (`<f4`, `f8`, `u1`, ...). */
  dtype: string;
}

/** Raised for an unreadable or unsupported array file; its message is one line. */
export class ArrayFileError extends Error {
  override name = "ArrayFileError";
}

/** Reorders a Fortran-ordered (column-major) buffer to row-major. */
function toRowMajor(data: ArrayLike<number>, shape: number[]): Float64Array {
  const out = new Float64Array(data.length);
  const strides = shape.map((_, i) => shape.slice(0, i).reduce((a, b) => a * b, 1)); // column-major
  const index = new Array(shape.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let source = 0;
    for (let d = 0; d < shape.length; d++) source += index[d] * strides[d];
    out[flat] = Number(data[source]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Parses the bytes of a `.npy` file; `path` names it in messages. */
export function parseNpy(bytes: Uint8Array, path: string): FloatArray {
  let parsed;
  try {
    const buffer = bytes.buffer.slice(
      bytes.byteOffset,
      bytes.byteOffset + bytes.byteLength,
    ) as ArrayBuffer;
    parsed = new npyjs().parse(buffer);
  } catch (error) {
    throw new ArrayFileError(`Cannot read '${path}' as a .npy array: ${(error as Error).message}`);
  }
  const raw = parsed.data as unknown as ArrayLike<number | bigint>;
  if (typeof raw[0] === "bigint" || typeof raw.length !== "number") {
    throw new ArrayFileError(
      `Cannot use '${path}': dtype ${parsed.dtype} is not a float or small integer type`,
    );
  }
  const numbers = raw as ArrayLike<number>;
  const data = parsed.fortranOrder ? toRowMajor(numbers, parsed.shape) : Float64Array.from(numbers);
  return { data, shape: parsed.shape, dtype: parsed.dtype };
}

/** Reads a `.npy` file. */
export async function readNpy(path: string): Promise<FloatArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new ArrayFileError(`Cannot read '${path}': ${(error as Error).message}`);
  }
  return parseNpy(bytes, path);
}
