/**
 * A worker that runs cells on its own TensorFlow.js backend instance, so that cells run in
 * parallel on several cores (the wasm backend is single-threaded under Deno).
 *
 * Messages in: `{ cell, backend }`. Messages out: `{ type: "progress", progress }`,
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
import { runCell } from "./run_cell.ts";
import type { Environment } from "./store.ts";

let environment: Environment | undefined;

self.onmessage = async (event: MessageEvent<{ cell: Cell; backend: BackendChoice }>) => {
  try {
    environment ??= describeEnvironment(await initBackend(event.data.backend));
    const result = await runCell(event.data.cell, environment, (progress) => {
      self.postMessage({ type: "progress", progress });
    });
    self.postMessage({ type: "done", result });
  } catch (error) {
    self.postMessage({ type: "error", error: serializeError(userErrorFromOs(error) ?? error) });
  }
};
