/**
 * Reading NumPy `.npy` arrays (through `npyjs`) as row-major float arrays.
 *
 * npyjs decodes the data but trusts the header: a truncated file reads as fewer values, a shape
 * larger than the data is believed, and complex or string dtypes come back as numbers or strings.
 * So the header is parsed and checked here first, against the file's size and the dtypes ganbench
 * can read as real numbers, before npyjs decodes anything.
 *
 * @module
 */
import npyjs from "npyjs";
import { UserError } from "../errors.ts";
import { printable, readPrefix, regularFileSize } from "./input_file.ts";

/** A numeric array read from disk. */
export interface FloatArray {
  data: Float64Array;
  shape: number[];
  /** NumPy dtype code without the byte order (`f4`, `f8`, `u1`, ...). */
  dtype: string;
}

/** Raised for an unreadable or unsupported array file; its message is one line. */
export class ArrayFileError extends UserError {
  override name = "ArrayFileError";
  override readonly code: string = "array-file";
}

/** The dtypes read as real numbers (bool, integers up to 32 bits, floats): item size, NumPy name. */
const DTYPES: Record<string, { size: number; name: string }> = {
  b1: { size: 1, name: "bool" },
  i1: { size: 1, name: "int8" },
  u1: { size: 1, name: "uint8" },
  i2: { size: 2, name: "int16" },
  u2: { size: 2, name: "uint16" },
  i4: { size: 4, name: "int32" },
  u4: { size: 4, name: "uint32" },
  f2: { size: 2, name: "float16" },
  f4: { size: 4, name: "float32" },
  f8: { size: 8, name: "float64" },
};

/** NumPy's name of a dtype code (`f4` → `float32`); the code itself for one not read. */
export function dtypeName(code: string): string {
  return DTYPES[code]?.name ?? code;
}

/** Why a dtype that is not in {@linkcode DTYPES} cannot be read, by its kind letter. */
const UNREADABLE_KINDS: Record<string, string> = {
  c: "holds complex numbers: score needs real numbers (take .real or np.abs first)",
  U: "holds strings, not numbers",
  S: "holds byte strings, not numbers",
  a: "holds byte strings, not numbers",
  O: "holds Python objects, not numbers",
  V: "holds raw or structured records, not numbers",
  M: "holds dates, not numbers",
  m: "holds time spans, not numbers",
  i: "is an integer type wider than ganbench reads (int8 to int32): save it as float32 or int32",
  u: "is an integer type wider than ganbench reads (uint8 to uint32): save it as float32 or uint32",
};

/** The parsed header of a `.npy` file. */
interface NpyHeader {
  /** The dtype without its byte order, e.g. `f4`. */
  dtype: string;
  fortranOrder: boolean;
  shape: number[];
  /** Where the data starts, in bytes. */
  dataOffset: number;
}

/**
 * The longest header read, in bytes: NumPy's own default `max_header_size` (numpy.lib.format),
 * beyond which `numpy.load` refuses a file too. A longer one is no array NumPy wrote.
 */
export const MAX_NPY_HEADER = 10_000;

/**
 * The most values one array may hold: 200 million, above CIFAR-10's 50,000 training images as
 * one reference set (153.6 million values); read as float64 they take 1.6 GB.
 */
export const MAX_ARRAY_VALUES = 200_000_000;

/** Reads and checks the header of `bytes` (magic, version, dict, dtype). */
function parseHeader(bytes: Uint8Array, path: string): NpyHeader {
  const fail = (reason: string) =>
    new ArrayFileError(`Cannot read '${path}' as a .npy array: ${reason}`);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    throw fail("it does not start with the .npy magic bytes (\\x93NUMPY)");
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unknown format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw fail("the file ends inside its header");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthSize + headerLength;
  if (headerLength > MAX_NPY_HEADER) {
    throw fail(`its header is ${headerLength} bytes long, more than NumPy's ${MAX_NPY_HEADER}`);
  }
  if (dataOffset > bytes.length) {
    throw fail(`its header says it is ${headerLength} bytes long, the file ends before that`);
  }
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(8 + lengthSize, dataOffset),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) {
    throw fail(
      /'descr'\s*:\s*\[/.test(text)
        ? "it holds a structured array (named fields), not numbers"
        : "its header has no 'descr'",
    );
  }
  if (fortran === undefined) throw fail("its header has no 'fortran_order'");
  if (shapeText === undefined) throw fail("its header has no 'shape'");
  const dims = shapeText.split(",").map((s) => s.trim()).filter(Boolean);
  if (dims.some((s) => !/^\d{1,15}L?$/.test(s))) {
    throw fail(`its shape (${printable(shapeText.slice(0, 80))}) is not integers`);
  }
  const order = /^[<>=|]/.test(descr) ? descr[0] : "=";
  const dtype = /^[<>=|]/.test(descr) ? descr.slice(1) : descr;
  if (!(dtype in DTYPES)) {
    const why = UNREADABLE_KINDS[dtype[0]] ??
      "is not a type ganbench reads (bool, int8 to int32, uint8 to uint32, float16/32/64)";
    throw new ArrayFileError(`Cannot use '${path}': dtype ${printable(descr.slice(0, 40))} ${why}`);
  }
  if (order === ">" && DTYPES[dtype].size > 1) {
    throw new ArrayFileError(
      `Cannot use '${path}': dtype ${descr} is big-endian; save it little-endian (a.astype('<${dtype}'))`,
    );
  }
  return {
    dtype,
    fortranOrder: fortran === "True",
    shape: dims.map((s) => parseInt(s)),
    dataOffset,
  };
}

/** "[3, 784]"; for messages. */
function shapeText(shape: number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * The position of the value at row-major index `flat` of an array of `shape`, for messages:
 * "row 3, column 5" for a matrix, "index [3, 5, 7]" otherwise.
 */
export function describePosition(shape: number[], flat: number): string {
  const index = shape.map(() => 0);
  for (let d = shape.length - 1, rest = flat; d >= 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return shape.length === 2 ? `row ${index[0]}, column ${index[1]}` : `index ${shapeText(index)}`;
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

/**
 * Refuses a header whose data is not `held` bytes long (a truncated file, or one longer than its
 * header says), or whose shape holds more than {@linkcode MAX_ARRAY_VALUES} values.
 */
function checkDataSize(header: NpyHeader, held: number, path: string): void {
  const { dtype, shape } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * DTYPES[dtype].size;
  if (held !== needed) {
    const what = held < needed ? "is truncated" : "is longer than its header says";
    throw new ArrayFileError(
      `Cannot read '${path}': the file ${what}: shape ${shapeText(shape)} of ${
        dtypeName(dtype)
      } needs ${needed} bytes of data, it holds ${held}`,
    );
  }
  if (count > MAX_ARRAY_VALUES) {
    throw new ArrayFileError(
      `Cannot use '${path}': its shape ${
        shapeText(shape)
      } holds ${count} values, more than the ${MAX_ARRAY_VALUES} ganbench reads (see docs/inputs.md)`,
    );
  }
}

/**
 * Parses the bytes of a `.npy` file; `path` names it in messages. The header is checked against
 * the data's size before anything is allocated: a truncated file, or one whose header promises
 * more (or fewer) values than it holds, is refused, as are dtypes that are not real numbers.
 *
 * @throws {ArrayFileError} for a malformed, truncated or non-numeric array
 */
export function parseNpy(bytes: Uint8Array, path: string): FloatArray {
  const header = parseHeader(bytes, path);
  checkDataSize(header, bytes.length - header.dataOffset, path);
  const { dtype, shape } = header;
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
  const numbers = parsed.data as unknown as ArrayLike<number>;
  const data = header.fortranOrder ? toRowMajor(numbers, shape) : Float64Array.from(numbers);
  return { data, shape, dtype };
}

/** What {@linkcode readNpy} checks besides the format. */
export interface ReadNpyOptions {
  /**
   * Called with the header's shape before the data is read, to refuse a shape the caller cannot
   * use (throw a one-line user error) without reading it.
   */
  checkShape?: (shape: number[]) => void;
}

/**
 * Reads a `.npy` file (see {@linkcode parseNpy}), bounded before it is read: the path must be a
 * regular file (a FIFO or `/dev/zero` is refused), and its header is read first and checked
 * against the file's size and {@linkcode MAX_ARRAY_VALUES}, so that a header promising 10^12
 * values, or a sparse file of gigabytes, is refused without reading its data.
 *
 * @throws {ArrayFileError} for a malformed array; a one-line user error for an unreadable path
 */
export async function readNpy(path: string, options: ReadNpyOptions = {}): Promise<FloatArray> {
  const most = 10 + 2 + MAX_NPY_HEADER + MAX_ARRAY_VALUES * 8;
  const size = await regularFileSize(path, most, "a .npy array");
  const header = parseHeader(await readPrefix(path, Math.min(size, 12 + MAX_NPY_HEADER)), path);
  options.checkShape?.(header.shape);
  checkDataSize(header, size - header.dataOffset, path);
  return parseNpy(await readPrefix(path, size), path);
}
