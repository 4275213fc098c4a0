/**
 * A worker that runs cells on its own TensorFlow.js backend instance, so that cells run in
 * parallel on several cores (the wasm backend is single-threaded under Deno).
 *
 * Messages in: `{ cell, backend }` (train and score it), or `{ cell, backend, stored, dir }`
 * (re-score `stored`, its result, from the generators stored under the suite/profile folder `dir`). Messages out: `{ type: "progress", progress }`,
 * `{ type: "done", result }` or `{ type: "error", error }`, the error as
 * {@linkcode serializeError} writes it (a user error keeps its class name, code and exit code; an
 * OS error becomes the user error naming its path).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type BackendChoice, initBackend } from "../engine/backend.ts";
import { serializeError, userErrorFromOs } from "../errors.ts";
import type { Cell } from "./cells.ts";
import { describeEnvironment } from "./environment.ts";
import { rescoreCell, runCell } from "./run_cell.ts";
import type { CellResult, Environment } from "./store.ts";

let environment: Environment | undefined;

/** A message to the worker. */
interface CellMessage {
  cell: Cell;
  backend: BackendChoice;
  stored?: CellResult;
  dir?: string;
}

self.onmessage = async (event: MessageEvent<CellMessage>) => {
  try {
    const { cell, stored, dir } = event.data;
    environment ??= describeEnvironment(await initBackend(event.data.backend));
    const result = stored && dir !== undefined
      ? await rescoreCell(cell, stored, dir, environment)
      : await runCell(cell, environment, (progress) => {
        self.postMessage({ type: "progress", progress });
      });
    self.postMessage({ type: "done", result });
  } catch (error) {
    self.postMessage({ type: "error", error: serializeError(userErrorFromOs(error) ?? error) });
  }
};
