/**
 * NumPy `.npz` archives (a zip of `.npy` files, as `numpy.savez` writes them), read and written
 * with `fflate` (zip) and `npyjs` (the arrays).
 *
 * Reading is bounded before anything is inflated: the zip's central directory is read here (a
 * few dozen lines; fflate exposes neither the CRC-32 nor a size check before it allocates) and
 * each member's declared size is checked against the caller's bound, then each inflated member is
 * checked against its declared size and CRC-32, as `numpy.load` (Python's zipfile) does.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { unzipSync, zipSync } from "fflate";
import { dump } from "npyjs";
import { writeBytesAtomic } from "../atomic_write.ts";
import { byteText, printable, readBoundedFile } from "./input_file.ts";
import {
  ArrayFileError,
  type FloatArray,
  MAX_ARRAY_VALUES,
  MAX_NPY_HEADER,
  parseNpy,
} from "./npy.ts";

/** One member of a zip, as its central directory declares it. */
export interface ZipMember {
  name: string;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  compressedSize: number;
  size: number;
}

/** The largest .npz file read: one array of {@linkcode MAX_ARRAY_VALUES} float64 values. */
export const MAX_NPZ_BYTES = MAX_ARRAY_VALUES * 8 + MAX_NPY_HEADER;

/**
 * The members of the zip `bytes`, from its central directory (ZIP64 sizes included).
 *
 * @throws {ArrayFileError} when `bytes` holds no readable central directory
 */
export function zipMembers(bytes: Uint8Array, path: string): ZipMember[] {
  const fail = (why: string) =>
    new ArrayFileError(`Cannot read '${path}' as an .npz archive: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw fail("it has no zip end record (not a zip file, or a truncated one)");
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  // As fflate and Python's zipfile read them: ZIP64 extra fields count only in a ZIP64 archive.
  const zip64 = (count === 0xffff || offset === 0xffffffff) && end >= 20;
  if (zip64) {
    // ZIP64: the locator just before the end record points at the ZIP64 end record.
    if (view.getUint32(end - 20, true) !== 0x07064b50) throw fail("its ZIP64 locator is missing");
    const record = Number(view.getBigUint64(end - 12, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50) {
      throw fail("its ZIP64 end record is damaged");
    }
    count = Number(view.getBigUint64(record + 32, true));
    offset = Number(view.getBigUint64(record + 48, true));
  }
  const members: ZipMember[] = [];
  for (let i = 0, at = offset; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) {
      throw fail("its central directory is damaged");
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength + extraLength > bytes.length) {
      throw fail("its central directory is damaged");
    }
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    // ZIP64 extra field (id 1): the 64-bit sizes of those that read 0xffffffff, in this order.
    for (let x = at + 46 + nameLength; zip64 && x + 4 <= at + 46 + nameLength + extraLength;) {
      const id = view.getUint16(x, true), length = view.getUint16(x + 2, true);
      if (id === 1) {
        let field = x + 4;
        if (size === 0xffffffff && field + 8 <= x + 4 + length) {
          size = Number(view.getBigUint64(field, true));
          field += 8;
        }
        if (compressedSize === 0xffffffff && field + 8 <= x + 4 + length) {
          compressedSize = Number(view.getBigUint64(field, true));
        }
      }
      x += 4 + length;
    }
    members.push({ name, crc: view.getUint32(at + 16, true), compressedSize, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

/** What {@linkcode readNpz} reads. */
export interface ReadNpzOptions {
  /** The arrays to read, by name (without `.npy`); default: every `.npy` member. */
  arrays?: string[];
  /**
   * The most bytes each array's member may hold uncompressed, by name; checked against the
   * declared size before inflating. Default: {@linkcode MAX_NPZ_BYTES} each.
   */
  maxBytes?: Record<string, number>;
}

/**
 * Reads the arrays of an `.npz` file, by name (without `.npy`): bounded (a regular file of at
 * most {@linkcode MAX_NPZ_BYTES}; each member's declared size within its bound, and all of them
 * within {@linkcode MAX_NPZ_BYTES}, before inflating) and checked (each member's size and CRC-32
 * as declared: a damaged archive is refused, as `numpy.load` refuses it).
 *
 * @throws {ArrayFileError} for a damaged archive, a member over its bound or a malformed array
 */
export async function readNpz(
  path: string,
  options: ReadNpzOptions = {},
): Promise<Record<string, FloatArray>> {
  const bytes = await readBoundedFile(path, MAX_NPZ_BYTES, "an .npz archive");
  const members = zipMembers(bytes, path).filter((member) =>
    member.name.endsWith(".npy") &&
    (!options.arrays || options.arrays.includes(member.name.slice(0, -4)))
  );
  let total = 0;
  for (const member of members) {
    const most = options.maxBytes?.[member.name.slice(0, -4)] ?? MAX_NPZ_BYTES;
    total += member.size;
    if (member.size > most || total > MAX_NPZ_BYTES) {
      throw new ArrayFileError(
        `Cannot use '${path}': its member ${printable(member.name)} holds ${
          byteText(member.size)
        } uncompressed, more than the ${
          byteText(Math.min(most, MAX_NPZ_BYTES))
        } ganbench reads (see docs/inputs.md)`,
      );
    }
  }
  const wanted = new Set(members.map((member) => member.name));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      // What fflate allocates, as it reads the directory: bounded again, whatever it makes of it.
      filter: (file) => {
        if (!wanted.has(file.name)) return false;
        if (file.originalSize > MAX_NPZ_BYTES) throw new RangeError("a member is too large");
        return true;
      },
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ArrayFileError(
        `Cannot use '${path}': a member is larger than the ${
          byteText(MAX_NPZ_BYTES)
        } ganbench reads (see docs/inputs.md)`,
      );
    }
    throw new ArrayFileError(
      `Cannot read '${path}' as an .npz archive: ${printable((error as Error).message)}`,
    );
  }
  const arrays: Record<string, FloatArray> = {};
  for (const member of members) {
    const content = entries[member.name];
    const where = `${path}:${printable(member.name)}`;
    if (!content || content.length !== member.size || (crc32(content) >>> 0) !== member.crc) {
      throw new ArrayFileError(
        `Cannot read '${where}': it fails its CRC-32 check (the archive is damaged; numpy.load refuses it too)`,
      );
    }
    arrays[member.name.slice(0, -4)] = parseNpy(content, where);
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
