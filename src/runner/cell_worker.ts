/**
 * A worker that runs cells on its own TensorFlow.js backend instance, so that cells run in
 * parallel on several cores (the wasm backend is single-threaded under Deno).
 *
 * Messages in: `{ cell, backend }` (train and score it), `{ cell, backend, stored, dir }`
 * (re-score `stored`, its result, from the generators stored under the suite/profile folder `dir`),
 * or `{ cells, backend }` (train and score a lockstep group, see `runCellGroup`). Messages out:
 * `{ type: "progress", progress, index? }` (index: the group's cell), `{ type: "done", result }`
 * (a group's: its results, in order) or `{ type: "error", error }`, the error as
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
import { rescoreCell, runCell, runCellGroup } from "./run_cell.ts";
import type { CellResult, Environment } from "./store.ts";

let environment: Environment | undefined;

/** A message to the worker: one cell to train or re-score, or a lockstep group to train. */
type CellMessage =
  | { cell: Cell; backend: BackendChoice; stored?: CellResult; dir?: string }
  | { cells: Cell[]; backend: BackendChoice };

self.onmessage = async (event: MessageEvent<CellMessage>) => {
  try {
    const message = event.data;
    environment ??= describeEnvironment(await initBackend(message.backend));
    const env = environment;
    const result = "cells" in message
      ? await runCellGroup(message.cells, env, {
        onProgress(member, progress) {
          self.postMessage({ type: "progress", progress, index: message.cells.indexOf(member) });
        },
      })
      : message.stored && message.dir !== undefined
      ? await rescoreCell(message.cell, message.stored, message.dir, env)
      : await runCell(message.cell, env, (progress) => {
        self.postMessage({ type: "progress", progress });
      });
    self.postMessage({ type: "done", result });
  } catch (error) {
    self.postMessage({ type: "error", error: serializeError(userErrorFromOs(error) ?? error) });
  }
};
