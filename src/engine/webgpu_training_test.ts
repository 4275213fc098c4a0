/**
 * Whole smoke cells trained on webgpu and on wasm from the same seed: the mixture and Dirac-GAN
 * cells must give the same curves and figures within a float32 tolerance, and an image cell (MNIST,
 * DCGAN, scored through mnist-net) must train on webgpu and agree too.
 *
 * They run on whatever adapter `--backend webgpu` takes, software ones included (lavapipe in CI,
 * from Debian's mesa-vulkan-drivers); where none can be created they are skipped with a note.
 * SLOW on lavapipe: about 45 s in all on the 2-core development machine (every kernel is a
 * dispatch and every logged step a read-back), so only a few cells of each suite run: one per loss
 * path and optimiser (Adam, RMSprop with clipping, a gradient penalty, feature matching; instance
 * noise and R1 on the Dirac-GAN).
 *
 * Tolerance (`webgpu_parity.ts`): every logged loss and gradient norm, and every final figure,
 * within 5e-3 · max(1, |wasm value|); statuses, divergence steps and counts (e.g. modes covered)
 * equal. Measured on lavapipe: at most 1e-6 relative for most cells, 1e-3 for the mixture's
 * feature matching, 1e-4 for the Dirac-GAN after 50 steps.
 *
 * Left out: the Dirac-GAN's `wgan-gp-l1-sim`. Its gradient penalty ((|ψ| − 1)², differentiated)
 * flips with the sign of ψ, which passes near 0 at step 43: there the two backends' last-bit
 * differences pick different sides, and the trajectories part (2.1 relative at step 44). That is
 * float32 rounding meeting a discontinuity, not a webgpu error.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildMatrix, type Cell } from "../runner/cells.ts";
import { describeEnvironment } from "../runner/environment.ts";
import { runCell } from "../runner/run_cell.ts";
import type { CellResult } from "../runner/store.ts";
import { loadSuite } from "../runner/suite.ts";
import { WEBGPU_AVAILABLE, WEBGPU_SKIP_NOTE as skipNote } from "../../testing/webgpu.ts";
import { initBackend } from "./backend.ts";
import { compareResults } from "./webgpu_parity.ts";

/** Budget changes to the smoke profile: fewer steps of the same code paths. */
type Budget = Partial<Cell["config"]["budget"]>;

/**
 * The smoke cells of `variants` on `dataset` in `suite`, seed 0, for `backend`, with `budget`
 * changed from the smoke profile's.
 */
function smokeCells(
  suite: string,
  dataset: string,
  variants: string[],
  backend: string,
  budget: Budget = {},
): Cell[] {
  const cells = buildMatrix(loadSuite(suite), { profile: "smoke", variants, seeds: [0], backend })
    .filter((cell) => cell.config.dataset === dataset)
    .map((cell) => ({
      ...cell,
      config: { ...cell.config, budget: { ...cell.config.budget, ...budget } },
    }));
  assert.equal(cells.length, variants.length, `${suite} has ${variants} on ${dataset}`);
  return cells;
}

/** Trains and scores `cells` on `backend`, one after another. */
async function runOn(backend: "wasm" | "webgpu", cells: Cell[]): Promise<CellResult[]> {
  const environment = describeEnvironment(await initBackend(backend));
  const results: CellResult[] = [];
  for (const cell of cells) results.push(await runCell(cell, environment));
  return results;
}

/** Trains the smoke cells on wasm, then on webgpu, and compares each pair. */
async function assertParity(
  suite: string,
  dataset: string,
  variants: string[],
  budget: Budget = {},
) {
  const reference = await runOn("wasm", smokeCells(suite, dataset, variants, "wasm", budget));
  const gpu = await runOn("webgpu", smokeCells(suite, dataset, variants, "webgpu", budget));
  gpu.forEach((result, i) => {
    assert.equal(result.environment.backend.name, "webgpu");
    const cell = `${result.config.dataset}/${result.config.variant}`;
    assert.deepEqual(compareResults(result, reference[i]), [], `${cell}: webgpu against wasm`);
  });
  return gpu;
}

Deno.test({
  name:
    `SLOW (~30 s on lavapipe): mixture smoke cells train to the same curves and figures on webgpu as on wasm${skipNote}`,
  ignore: !WEBGPU_AVAILABLE,
  async fn() {
    // 20 of the smoke profile's 40 steps, still evaluated three times (steps 0, 10, 20): every
    // kernel of the four loss paths runs, at half the dispatches.
    const budget = { steps: 20, evalEvery: 10 };
    await assertParity("mixtures", "ring8", ["nsgan", "wgan", "wgan-gp", "fm"], budget);
  },
});

Deno.test({
  name:
    `SLOW (~10 s on lavapipe): Dirac-GAN smoke cells train to the same trajectories on webgpu as on wasm${skipNote}`,
  ignore: !WEBGPU_AVAILABLE,
  async fn() {
    const variants = [
      "gan-sim",
      "nsgan-alt",
      "wgan-alt",
      "wgan-gp-alt",
      "gan-noise-sim",
      "gan-r1-alt",
    ];
    const gpu = await assertParity("dirac", "dirac", variants);
    // wgan-gp-alt diverges on both: the comparison covers a divergence too.
    assert.ok(
      gpu.some((r) => r.status === "diverged") && gpu.some((r) => r.status === "completed"),
    );
  },
});

Deno.test({
  name:
    `SLOW (~5 s on lavapipe): an MNIST DCGAN smoke cell trains on webgpu, scored through mnist-net, as on wasm${skipNote}`,
  ignore: !WEBGPU_AVAILABLE,
  async fn() {
    const [gpu] = await assertParity("mnist", "mnist", ["nsgan"]);
    assert.equal(gpu.status, "completed");
    assert.equal(gpu.config.architecture, "dcgan");
    assert.ok(Number.isFinite(gpu.final["images.fid[mnist-net]"]), "scored");
    assert.ok(Object.keys(gpu.pictures ?? {}).includes("interpolation"), "pictures drawn");
  },
});
