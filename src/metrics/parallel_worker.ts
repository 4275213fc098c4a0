/**
 * Entry of a metric worker thread: registers every job kind (by importing the modules that
 * define them) and works on each batch it is sent (see parallel.ts).
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { workOn } from "./parallel.ts";
import "./kid.ts";
import "./prdc.ts";

parentPort!.on("message", (batch: Parameters<typeof workOn>[0]) => workOn(batch));
