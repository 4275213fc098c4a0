/**
 * CIFAR-10 (Krizhevsky 2009) from the official binary batches, which the user downloads:
 * `cifar-10-binary.tar.gz` from https://www.cs.toronto.edu/~kriz/cifar.html unpacks into
 * `cifar-10-batches-bin/` with `data_batch_1.bin` … `data_batch_5.bin` (training, 50,000 images)
 * and `test_batch.bin` (10,000). Each file is 10,000 records of 3,073 bytes: one label byte (0-9),
 * then the 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, rows top to bottom.
 * ganbench downloads nothing: the folder comes from `--data DIR` or `GANBENCH_DATA=DIR` (the
 * `cifar-10-batches-bin` folder itself or the folder holding it). Every file's size and record
 * count is checked before use, and a missing or short file is named in one line. The format is a
 * few lines to read, and the npm packages for CIFAR-10 download it themselves, so ganbench reads it
 * here.
 *
 * @module
 */
import { join } from "node:path";
import type { Rng } from "../engine/rng.ts";
import type { Dataset } from "./dataset.ts";
import { DatasetError } from "./images.ts";

/** The environment variable naming the folder of user-supplied datasets (`--data DIR` sets it). */
export const DATA_ENV = "GANBENCH_DATA";
/**
 * Records per batch file the loader expects: 10,000, the official count, unless this variable
 * says otherwise (for the small synthetic batches of the tests).
 */
export const CIFAR10_RECORDS_ENV = "GANBENCH_CIFAR10_RECORDS";
/** The folder name of the unpacked archive. */
export const CIFAR10_FOLDER = "cifar-10-batches-bin";
/** Records in each official batch file. */
export const CIFAR10_RECORDS_PER_FILE = 10_000;
/** Bytes of one record: a label byte and 3 x 32 x 32 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 3073;
/** The training batches, in order. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test batch. */
export const CIFAR10_TEST_FILE = "test_batch.bin";
/** The class names, as `batches.meta.txt` lists them. */
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const WHERE_TO_GET =
  "cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked";

/** A CIFAR-10 split as read: the records of its files, back to back. */
export interface Cifar10Split {
  /** Whole records (label byte + planar RGB), `count` x 3,073 bytes. */
  records: Uint8Array;
  count: number;
}

/** Options of {@linkcode loadCifar10}. */
export interface Cifar10Options {
  /** Records each batch file must hold. @default {CIFAR10_RECORDS_PER_FILE} */
  recordsPerFile?: number;
}

/**
 * The `cifar-10-batches-bin` folder under `root`: `root` itself when it holds the batches, else
 * its `cifar-10-batches-bin` child (which then must exist).
 */
export function cifar10Folder(root: string): string {
  try {
    Deno.statSync(join(root, CIFAR10_TRAIN_FILES[0]));
    return root;
  } catch {
    return join(root, CIFAR10_FOLDER);
  }
}

/** Records per file from {@linkcode CIFAR10_RECORDS_ENV}, or the official count. */
export function recordsPerFileFromEnv(env: Pick<typeof Deno.env, "get"> = Deno.env): number {
  const text = env.get(CIFAR10_RECORDS_ENV);
  if (text === undefined || text === "") return CIFAR10_RECORDS_PER_FILE;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > CIFAR10_RECORDS_PER_FILE) {
    throw new DatasetError(
      `${CIFAR10_RECORDS_ENV} must be an integer from 1 to ${CIFAR10_RECORDS_PER_FILE}, got '${
        text.slice(0, 40)
      }'`,
    );
  }
  return Number(text);
}

/** Reads one batch file, checking its size and labels. */
function readBatch(path: string, records: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? `is missing (expected ${
        CIFAR10_TRAIN_FILES.join(", ")
      } and ${CIFAR10_TEST_FILE}: ${WHERE_TO_GET})`
      : `cannot be read: ${(error as Error).message.split("\n")[0]}`;
    throw new DatasetError(`CIFAR-10: '${path}' ${reason}`);
  }
  const expected = records * CIFAR10_RECORD_BYTES;
  if (bytes.length !== expected) {
    const whole = bytes.length % CIFAR10_RECORD_BYTES === 0
      ? `${bytes.length / CIFAR10_RECORD_BYTES} records`
      : "not a whole number of records (a truncated download?)";
    throw new DatasetError(
      `CIFAR-10: '${path}' has ${bytes.length} bytes, ${whole}; a batch holds ${records} records of ${CIFAR10_RECORD_BYTES} bytes (${expected} bytes)`,
    );
  }
  for (let r = 0; r < records; r++) {
    const label = bytes[r * CIFAR10_RECORD_BYTES];
    if (label > 9) {
      throw new DatasetError(
        `CIFAR-10: '${path}' record ${r} has label ${label}, not 0-9: not a CIFAR-10 batch`,
      );
    }
  }
  return bytes;
}

/**
 * Reads a CIFAR-10 split from `folder` (see {@linkcode cifar10Folder}): the five training batches
 * or the test batch, each checked for its size (`recordsPerFile` records of 3,073 bytes) and labels.
 *
 * @throws {DatasetError} naming the first missing, short or malformed file
 */
export function loadCifar10(
  folder: string,
  split: "train" | "test",
  options: Cifar10Options = {},
): Cifar10Split {
  const recordsPerFile = options.recordsPerFile ?? CIFAR10_RECORDS_PER_FILE;
  const files = split === "train" ? CIFAR10_TRAIN_FILES : [CIFAR10_TEST_FILE];
  const batches = files.map((file) => readBatch(join(folder, file), recordsPerFile));
  const records = new Uint8Array(batches.reduce((sum, b) => sum + b.length, 0));
  batches.reduce((offset, b) => (records.set(b, offset), offset + b.length), 0);
  return { records, count: recordsPerFile * files.length };
}

/** Label of record `index`. */
export function cifar10Label(split: Cifar10Split, index: number): number {
  return split.records[index * CIFAR10_RECORD_BYTES];
}

/**
 * Writes record `index` of `split` into `out` at `offset` as a 32x32x3 image (rows, then columns,
 * then R, G, B: ganbench's layout) scaled from [0, 255] to [−1, 1].
 */
export function cifar10Image(
  split: Cifar10Split,
  index: number,
  out: Float32Array,
  offset: number,
): void {
  const base = index * CIFAR10_RECORD_BYTES + 1;
  const { records } = split;
  for (let p = 0; p < PIXELS; p++) {
    const target = offset + 3 * p;
    out[target] = records[base + p] / 127.5 - 1;
    out[target + 1] = records[base + PIXELS + p] / 127.5 - 1;
    out[target + 2] = records[base + 2 * PIXELS + p] / 127.5 - 1;
  }
}

/** Where {@linkcode cifar10Dataset} finds its files. */
export interface Cifar10Source {
  /** The folder given by the user, or undefined when none was. @default {GANBENCH_DATA} */
  root?(): string | undefined;
  /** @default {recordsPerFileFromEnv} */
  recordsPerFile?(): number;
}

/** What to tell a user who gave no folder. */
export const CIFAR10_MISSING =
  `CIFAR-10 is not on this machine: give its folder with --data DIR or ${DATA_ENV}=DIR (${WHERE_TO_GET}; ganbench downloads nothing)`;

/**
 * The CIFAR-10 training set as a dataset: uniform draws with replacement from the 50,000 training
 * images (their labels too), 32x32x3 in [−1, 1]; the whole set for metrics against it. The files
 * are read on first use.
 */
export function cifar10Dataset(source: Cifar10Source = {}): Dataset {
  const root = source.root ?? (() => Deno.env.get(DATA_ENV) || undefined);
  let cached: Cifar10Split | undefined;
  const train = () => {
    if (cached) return cached;
    const dir = root();
    if (!dir) throw new DatasetError(CIFAR10_MISSING);
    const records = (source.recordsPerFile ?? recordsPerFileFromEnv)();
    return (cached = loadCifar10(cifar10Folder(dir), "train", { recordsPerFile: records }));
  };
  const sampleWithLabels = (n: number, rng: Rng) => {
    const split = train();
    const size = PIXELS * 3;
    const samples = new Float32Array(n * size);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const index = rng.int(split.count);
      cifar10Image(split, index, samples, i * size);
      labels[i] = cifar10Label(split, index);
    }
    return { samples, labels };
  };
  return {
    name: "cifar10",
    description:
      `CIFAR-10, 50k 32x32 colour training images (your ${CIFAR10_FOLDER}, from --data DIR or ${DATA_ENV})`,
    sampleShape: [SIDE, SIDE, 3],
    range: [-1, 1],
    classes: 10,
    sample: (n, rng) => sampleWithLabels(n, rng).samples,
    sampleWithLabels,
    unavailableReason() {
      if (!root()) return CIFAR10_MISSING;
      try {
        train();
        return undefined;
      } catch (error) {
        if (error instanceof DatasetError) return error.message;
        throw error;
      }
    },
    trainingSplit: {
      count: () => train().count,
      samples(start, count) {
        const split = train();
        const out = new Float32Array(count * PIXELS * 3);
        for (let i = 0; i < count; i++) cifar10Image(split, start + i, out, i * PIXELS * 3);
        return out;
      },
    },
  };
}

/** CIFAR-10 from the folder the user gives (`--data DIR` / `GANBENCH_DATA`). */
export const cifar10: Dataset = cifar10Dataset();
