/**
 * Whether the WebGPU tests can run here: the webgpu backend that `--backend webgpu` would take
 * and, where it cannot be created, the note the skipped tests carry in their names.
 *
 * @module
 */
import { listBackends } from "../src/engine/backend.ts";

const webgpu = (await listBackends()).find((b) => b.name === "webgpu");

/** True where a webgpu backend can be created (software adapters such as lavapipe included). */
export const WEBGPU_AVAILABLE: boolean = webgpu?.available ?? false;

/**
 * "" where webgpu is available, else " (skipped: why; how to get an adapter)", appended to the
 * names of the tests that `ignore: !WEBGPU_AVAILABLE` skips.
 */
export const WEBGPU_SKIP_NOTE: string = WEBGPU_AVAILABLE
  ? ""
  : ` (skipped: ${
    webgpu?.detail ?? "no webgpu backend"
  }; apt-get install mesa-vulkan-drivers to run it on the CPU)`;
