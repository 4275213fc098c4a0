/**
 * Independent jobs of the feature metrics on every core. A pool of worker threads
 * (`node:worker_threads`, unref'd so that it never keeps a process alive) and the calling thread
 * take jobs from one shared counter; the call blocks (Atomics.wait) until all are done, so the
 * metrics stay plain synchronous functions. Every job writes only its own outputs, computed the
 * same way on any thread, so results do not depend on the number of threads.
 *
 * A job kind is a function registered by name ({@linkcode registerJob}) by the module that
 * defines it; the worker entry (`parallel_worker.ts`) imports those modules.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { deserializeError, serializeError } from "../errors.ts";

/** What a job sees: shared arrays by name and plain numbers. */
export interface JobInputs {
  arrays: Record<string, SharedArrayBuffer>;
  numbers: Record<string, number>;
}

/** Runs job `index` of a batch; `local` is a per-thread cache (workspaces) that outlives batches. */
export type JobFunction = (inputs: JobInputs, index: number, local: Map<string, unknown>) => void;

const JOBS = new Map<string, JobFunction>();

/** Registers a job kind under `name` (once per module load, in every thread). */
export function registerJob(name: string, job: JobFunction): void {
  JOBS.set(name, job);
}

/** Control words of a batch: the next job to take, the jobs finished, then one status per job. */
const NEXT = 0, DONE = 1, STATUS = 2;
/** Job states. */
const TAKEN = 1, FINISHED = 2, FAILED = 3;
/** Seconds without any job finishing after which the caller takes over jobs a worker took. */
const STALL_SECONDS = 60;

/** Multiply-adds of a batch below which the caller runs it alone (workers cost more than they save). */
const PARALLEL_WORK = 5e7;

/** Bytes kept of the first failing job's error (as serializeError's JSON, without the stack). */
const MESSAGE_BYTES = 1024;

/** A batch as posted to the workers. */
interface BatchMessage {
  kind: string;
  inputs: JobInputs;
  count: number;
  control: SharedArrayBuffer;
  /** A claim word, the error's length and its UTF-8 JSON bytes: the first failure (errors.ts). */
  failure: SharedArrayBuffer;
}

const local = new Map<string, unknown>();

/** Runs job `index` of `batch` and records how it ended. */
function runOne(batch: BatchMessage, control: Int32Array, index: number): void {
  const job = JOBS.get(batch.kind);
  let state = FAILED;
  try {
    if (!job) throw new Error(`no job kind '${batch.kind}' in this thread`);
    job(batch.inputs, index, local);
    state = FINISHED;
  } catch (error) {
    const words = new Int32Array(batch.failure, 0, 2);
    if (Atomics.compareExchange(words, 0, 0, 1) === 0) {
      // A user error keeps its class name, code and exit code across threads (errors.ts).
      const serialized = { ...serializeError(error), stack: undefined };
      let kept = new TextEncoder().encode(JSON.stringify(serialized));
      while (kept.length > MESSAGE_BYTES) {
        serialized.message = serialized.message.slice(0, serialized.message.length >> 1);
        kept = new TextEncoder().encode(JSON.stringify(serialized));
      }
      new Uint8Array(batch.failure, 8).set(kept);
      Atomics.store(words, 1, kept.length);
    }
  } finally {
    Atomics.store(control, STATUS + index, state);
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}

/** Takes and runs jobs of `batch` until none is left (the loop every thread runs). */
export function workOn(batch: BatchMessage): void {
  const control = new Int32Array(batch.control);
  for (;;) {
    const index = Atomics.add(control, NEXT, 1);
    if (index >= batch.count) return;
    Atomics.store(control, STATUS + index, TAKEN);
    runOne(batch, control, index);
  }
}

/**
 * Threads the metrics use: `GANBENCH_THREADS` if set, else every core (at most 8); 1 runs every
 * job on the calling thread.
 */
export function metricThreads(): number {
  let setting = NaN;
  try {
    setting = Number(Deno.env.get("GANBENCH_THREADS"));
  } catch {
    // no permission to read the environment: every core
  }
  if (Number.isInteger(setting) && setting >= 1) return setting;
  return Math.max(1, Math.min(8, availableParallelism()));
}

const pool: Worker[] = [];

function workers(count: number): Worker[] {
  while (pool.length < count) {
    const worker = new Worker(new URL("./parallel_worker.ts", import.meta.url));
    worker.unref();
    pool.push(worker);
  }
  return pool.slice(0, count);
}

/**
 * Runs jobs 0..count-1 of `kind` on `inputs` across {@linkcode metricThreads} threads, the caller
 * included, and returns when all are done. With one thread, or a batch whose `work` (its
 * multiply-adds) is below {@linkcode PARALLEL_WORK}, the caller runs them all. Should a worker
 * stop in the middle of a job, the caller runs that job again itself once nothing has finished for
 * a minute (jobs only write their own outputs, so a rerun is harmless).
 *
 * @throws {Error} when a job threw (in any thread)
 */
export function runJobs(
  kind: string,
  inputs: JobInputs,
  count: number,
  options: { work?: number } = {},
): void {
  const batch: BatchMessage = {
    kind,
    inputs,
    count,
    control: new SharedArrayBuffer(4 * (STATUS + count)),
    failure: new SharedArrayBuffer(8 + MESSAGE_BYTES),
  };
  const control = new Int32Array(batch.control);
  const small = options.work !== undefined && options.work < PARALLEL_WORK;
  const threads = small ? 1 : Math.min(metricThreads(), count);
  for (const worker of threads > 1 ? workers(threads - 1) : []) worker.postMessage(batch);
  workOn(batch);
  for (let done = Atomics.load(control, DONE); done < count; done = Atomics.load(control, DONE)) {
    if (Atomics.wait(control, DONE, done, STALL_SECONDS * 1000) !== "timed-out") continue;
    for (let index = 0; index < count; index++) {
      if (Atomics.load(control, STATUS + index) === TAKEN) runOne(batch, control, index);
    }
  }
  const failed = Array.from({ length: count }, (_, i) => i).filter((i) =>
    control[STATUS + i] === FAILED
  );
  if (failed.length) {
    const length = new Int32Array(batch.failure, 0, 2)[1];
    const text = new TextDecoder().decode(new Uint8Array(batch.failure, 8, length).slice());
    throw deserializeError(
      JSON.parse(text),
      `metric job ${kind} failed for ${failed.length} of ${count} parts`,
    );
  }
}

/** `values` as float64 in a new shared buffer. */
export function sharedFloat64(values: ArrayLike<number>): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(8 * values.length);
  new Float64Array(buffer).set(values);
  return buffer;
}

/** `values` as int32 in a new shared buffer. */
export function sharedInt32(values: ArrayLike<number>): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(4 * values.length);
  new Int32Array(buffer).set(values);
  return buffer;
}
