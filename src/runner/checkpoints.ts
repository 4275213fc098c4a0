/**
 * Stored generators: the networks of a cell at some of its evaluation steps, kept so that its
 * scores can be recomputed under another metric configuration without training it again.
 *
 * Format: one little-endian float32 file per cell, `cells/<cell>/generators.bin`, with its index in
 * the result JSON (`checkpoints`: the file, its size and sha256, and per stored step each
 * network's offset and tensor shapes, trainable variables first, then untrained state such as
 * batch norm's running averages). The values are exact (float32, as trained), so that a re-scored
 * generator gives the original figures bit for bit on the same backend.
 *
 * What is kept: the generator at the last evaluation and at the evaluation where the suite's
 * primary figure was best; at every evaluation when all of them fit in
 * {@linkcode ALL_POINTS_BYTES}. The discriminator is kept beside it when it is small
 * ({@linkcode SMALL_DISCRIMINATOR} values or fewer: the metrics of the game's state read it, as
 * the Dirac-GAN's do).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { UserError, userErrorFromOs } from "../errors.ts";

/** The file name of a cell's stored generators, in its folder beside its pictures. */
export const GENERATORS_FILE = "generators.bin";

/** Every evaluation's networks are kept when they take this many bytes or fewer in all. */
export const ALL_POINTS_BYTES = 256 * 1024;

/** A discriminator of this many values or fewer is kept beside the generator. */
export const SMALL_DISCRIMINATOR = 4096;

/** One network at one step: where its values start in the file, and its tensors' shapes. */
export interface StoredNetwork {
  /** Offset in float32 values (not bytes) from the start of the file. */
  offset: number;
  /** Shapes of its variables, then of its state, in the order the architecture builds them. */
  shapes: number[][];
}

/** The networks of one evaluation step. */
export interface CheckpointPoint {
  step: number;
  /** `generator`, and `discriminator` when it is small. */
  networks: Record<string, StoredNetwork>;
}

/** The index of a cell's stored generators, kept in its result JSON. */
export interface CheckpointIndex {
  /** Path of the file, relative to the suite/profile folder. */
  file: string;
  dtype: "float32";
  bytes: number;
  sha256: string;
  points: CheckpointPoint[];
}

/** A network's tensors: its trainable variables, then its untrained state. */
export interface NetworkTensors {
  variables: readonly tf.Variable[];
  state?: readonly tf.Variable[];
}

/** What a cell that keeps no stored generator says, after its name. */
export const NO_GENERATOR =
  "no stored generator (computed before generators were kept, or by a trainer that keeps none); --force retrains it";

/** Raised when a cell's stored generator is absent or unreadable; its message is one line. */
export class StoredGeneratorError extends UserError {
  override name = "StoredGeneratorError";
  override readonly code: string = "stored-generator";
}

/** A copy of networks' values at one step. */
interface Snapshot {
  step: number;
  networks: Record<string, { shapes: number[][]; values: Float32Array }>;
}

function tensorsOf(network: NetworkTensors): readonly tf.Variable[] {
  return [...network.variables, ...(network.state ?? [])];
}

/** The number of values of `network`. */
export function valueCount(network: NetworkTensors): number {
  return tensorsOf(network).reduce((sum, v) => sum + v.size, 0);
}

/** Options of {@linkcode CheckpointKeeper}. */
export interface KeeperOptions {
  /** Evaluations the run will make at most (every `evalEvery` steps, step 0 and the last). */
  evaluations: number;
  /** The figure whose best evaluation is kept, and its direction; without one, only the last. */
  primary?: { key: string; higherIsBetter: boolean };
}

/**
 * Keeps copies of a run's networks at its evaluations: every one when they fit in
 * {@linkcode ALL_POINTS_BYTES}, else the last and the best by the primary figure.
 */
export class CheckpointKeeper {
  #options: KeeperOptions;
  #all: Snapshot[] = [];
  #last?: Snapshot;
  #best?: { snapshot: Snapshot; value: number };

  constructor(options: KeeperOptions) {
    this.#options = options;
  }

  /**
   * Copies the values of `networks` at evaluation step `step` (before sampling from them). Reads
   * asynchronously: WebGPU under Deno cannot read a tensor synchronously.
   */
  async take(step: number, networks: Record<string, NetworkTensors>): Promise<Snapshot> {
    const copies: Snapshot["networks"] = {};
    for (const [name, network] of Object.entries(networks)) {
      const tensors = tensorsOf(network);
      const values = new Float32Array(valueCount(network));
      let offset = 0;
      for (const tensor of tensors) {
        values.set(await tensor.data() as Float32Array, offset);
        offset += tensor.size;
      }
      copies[name] = { shapes: tensors.map((t) => [...t.shape]), values };
    }
    return { step, networks: copies };
  }

  /** Keeps `snapshot` as the last one, and as the best when `figures` beat the best so far. */
  keep(snapshot: Snapshot, figures: Record<string, number>): void {
    const size = Object.values(snapshot.networks).reduce((s, n) => s + n.values.byteLength, 0);
    if (size * this.#options.evaluations <= ALL_POINTS_BYTES) this.#all.push(snapshot);
    this.#last = snapshot;
    const primary = this.#options.primary;
    const value = primary && figures[primary.key];
    if (primary && typeof value === "number" && Number.isFinite(value)) {
      const better = !this.#best ||
        (primary.higherIsBetter ? value > this.#best.value : value < this.#best.value);
      if (better) this.#best = { snapshot, value };
    }
  }

  /** The kept snapshots, by step. */
  snapshots(): Snapshot[] {
    if (this.#all.length && this.#all.at(-1) === this.#last) return this.#all;
    const kept = [this.#best?.snapshot, this.#last].filter((s): s is Snapshot => s !== undefined);
    return [...new Set(kept)].sort((a, b) => a.step - b.step);
  }

  /** The file's bytes and its index (without `file`, which the store sets), or undefined. */
  encode(): { bytes: Uint8Array; index: Omit<CheckpointIndex, "file"> } | undefined {
    const snapshots = this.snapshots();
    if (!snapshots.length) return undefined;
    const total = snapshots.reduce(
      (sum, s) => sum + Object.values(s.networks).reduce((n, net) => n + net.values.length, 0),
      0,
    );
    const values = new Float32Array(total);
    let offset = 0;
    const points: CheckpointPoint[] = snapshots.map((snapshot) => {
      const networks: Record<string, StoredNetwork> = {};
      for (const [name, network] of Object.entries(snapshot.networks)) {
        networks[name] = { offset, shapes: network.shapes };
        values.set(network.values, offset);
        offset += network.values.length;
      }
      return { step: snapshot.step, networks };
    });
    const bytes = littleEndian(values);
    return {
      bytes,
      index: { dtype: "float32", bytes: bytes.length, sha256: sha256(bytes), points },
    };
  }
}

/** The bytes of `values`, little-endian whatever the machine. */
function littleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The shape of a stored index, checked before the file is read. */
const StoredIndex = z.object({
  file: z.string(),
  dtype: z.literal("float32"),
  bytes: z.int().nonnegative(),
  sha256: z.string(),
  points: z.array(z.object({
    step: z.int().nonnegative(),
    networks: z.record(
      z.string(),
      z.object({
        offset: z.int().nonnegative(),
        shapes: z.array(z.array(z.int().nonnegative())),
      }),
    ),
  })),
});

/** A cell's stored generators, read and checked. */
export class StoredGenerators {
  readonly index: CheckpointIndex;
  #values: Float32Array;

  constructor(index: CheckpointIndex, values: Float32Array) {
    this.index = index;
    this.#values = values;
  }

  /** The stored steps. */
  get steps(): number[] {
    return this.index.points.map((p) => p.step);
  }

  /** Whether the networks of step `step` are stored. */
  has(step: number): boolean {
    return this.index.points.some((p) => p.step === step);
  }

  /**
   * Writes the values stored for step `step` into `networks` (those it stores; the others are
   * left as they are).
   *
   * @throws {StoredGeneratorError} when a network's shapes differ from those stored
   */
  restore(step: number, networks: Record<string, NetworkTensors>, label: string): void {
    const point = this.index.points.find((p) => p.step === step);
    if (!point) throw new RangeError(`no stored generator at step ${step}`);
    for (const [name, stored] of Object.entries(point.networks)) {
      const network = networks[name];
      if (!network) continue;
      const tensors = tensorsOf(network);
      const shapes = tensors.map((t) => t.shape.join("x")).join(",");
      if (shapes !== stored.shapes.map((s) => s.join("x")).join(",")) {
        throw new StoredGeneratorError(
          `${label}: the stored ${name} has shapes ${
            stored.shapes.map((s) => s.join("x")).join(",")
          }, the cell's ${shapes}`,
        );
      }
      let offset = stored.offset;
      for (const tensor of tensors) {
        const values = this.#values.subarray(offset, offset + tensor.size);
        tf.tidy(() => tensor.assign(tf.tensor(values, tensor.shape, "float32")));
        offset += tensor.size;
      }
    }
  }
}

/**
 * Reads the stored generators a result's `checkpoints` index names, from the suite/profile folder
 * `dir`, checking size and sha256.
 *
 * @throws {StoredGeneratorError} "ring8 gan seed 0: no stored generator ..." when the result has
 *   no index, the file is missing, or its size or sha256 differ from the index's
 */
export async function readStoredGenerators(
  dir: string,
  index: CheckpointIndex | undefined,
  label: string,
): Promise<StoredGenerators> {
  if (!index) {
    throw new StoredGeneratorError(`${label}: ${NO_GENERATOR}`);
  }
  const parsed = StoredIndex.safeParse(index);
  const fits = parsed.success &&
    parsed.data.points.every((point) =>
      Object.values(point.networks).every(({ offset, shapes }) =>
        (offset + shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0)) * 4 <=
          parsed.data.bytes
      )
    );
  if (!fits) {
    throw new StoredGeneratorError(
      `${label}: the stored generators' index in its result is malformed${
        parsed.success
          ? " (a network reaches past the file's end)"
          : `: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`
      }; --force retrains it`,
    );
  }
  const path = join(dir, index.file);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new StoredGeneratorError(
        `${label}: stored generator file '${path}' is missing; --force retrains it`,
      );
    }
    throw userErrorFromOs(error, path) ?? error;
  }
  if (bytes.length !== index.bytes || sha256(bytes) !== index.sha256) {
    throw new StoredGeneratorError(
      `${label}: stored generator file '${path}' is corrupt (${bytes.length} bytes, sha256 ${
        sha256(bytes).slice(0, 12)
      }; its result expects ${index.bytes} bytes, sha256 ${
        index.sha256.slice(0, 12)
      }); --force retrains it`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return new StoredGenerators(index, values);
}
