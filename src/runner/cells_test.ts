import assert from "node:assert/strict";
import { DATASETS } from "../data/mod.ts";
import { VARIANTS } from "../losses/mod.ts";
import { TRAINERS } from "../train/mod.ts";
import { buildMatrix, incompatibility } from "./cells.ts";
import { listSuiteNames, loadSuite, type Suite, SuiteError, suiteProfiles } from "./suite.ts";

/** A bundled suite with some fields replaced. */
function variantOf(name: string, changes: Partial<Suite>): Suite {
  return { ...loadSuite(name), ...changes, name: "custom", path: "custom.json" };
}

function assertRefused(suite: Suite, message: string): void {
  assert.throws(
    () => buildMatrix(suite, { profile: "smoke", backend: "cpu" }),
    (error: unknown) => {
      assert.ok(error instanceof SuiteError, String(error));
      assert.equal(error.code, "suite");
      assert.equal(error.message, message);
      return true;
    },
  );
}

Deno.test("buildMatrix refuses a class-conditional variant on unlabelled data before any cell runs", () => {
  assertRefused(
    variantOf("dirac", { variants: ["cgan"] }),
    "Suite 'custom': variant 'cgan' cannot run on dataset 'dirac': it is class-conditional, but dataset 'dirac' has no labels",
  );
});

Deno.test("buildMatrix refuses an architecture that cannot take the dataset or the trainer", () => {
  assertRefused(
    variantOf("mixtures", { architecture: "dcgan", model: {} }),
    "Suite 'custom': variant 'gan' cannot run on dataset 'ring8': architecture 'dcgan' (trainer 'gan'): it needs [28, 28, C] samples, got shape [2]",
  );
  assertRefused(
    variantOf("dirac", { variants: ["vae"] }),
    "Suite 'custom': variant 'vae' cannot run on dataset 'dirac': architecture 'dirac' (trainer 'vae'): its discriminator has 1 output, the trainer needs 2",
  );
  assertRefused(
    variantOf("dirac", { datasets: ["ring8"], metrics: ["modes"], primary: "modes.kl" }),
    "Suite 'custom': variant 'gan-sim' cannot run on dataset 'ring8': architecture 'dirac' (trainer 'gan'): it needs 1-D samples, got shape [2]",
  );
});

Deno.test("buildMatrix refuses a metric that cannot score a dataset", () => {
  assertRefused(
    variantOf("mixtures", { datasets: ["ring8", "dirac"] }),
    "Suite 'custom': variant 'gan' cannot run on dataset 'dirac': metric 'modes' cannot score it: dataset 'dirac' is not a Gaussian mixture",
  );
});

Deno.test("only the selected cells are checked", () => {
  const suite = variantOf("mixtures", {
    variants: ["nsgan", { name: "nsgan", label: "nsgan-dcgan", architecture: "dcgan" }],
    datasets: ["ring8"],
  });
  assert.equal(
    buildMatrix(suite, { profile: "smoke", backend: "cpu", variants: ["nsgan"] }).length,
    2,
  );
  assert.throws(
    () => buildMatrix(suite, { profile: "smoke", backend: "cpu" }),
    /variant 'nsgan-dcgan' cannot run on dataset 'ring8': architecture 'dcgan'/,
  );
});

Deno.test("on the mlp architecture every pair variant runs on every dataset, but conditional ones need labels", () => {
  const base = variantOf("mixtures", { architecture: "mlp", metrics: ["modes"] });
  for (const [datasetName, dataset] of DATASETS.entries()) {
    // A metric every dataset supports, so that only the variant/dataset pair matters.
    const suite = { ...base, metrics: dataset.mixture ? ["modes"] : ["images"] };
    for (const [variantName, variant] of VARIANTS.entries()) {
      const reason = incompatibility(suite, datasetName, variantName);
      // Translation variants (cyclegan) need translation networks: never on mlp.
      const translation = TRAINERS.get(variant.trainer ?? "gan").networks === "translation";
      assert.equal(
        reason === undefined,
        !translation && (!variant.conditional || dataset.classes !== undefined),
        `${variantName} on ${datasetName}: ${reason}`,
      );
    }
  }
});

Deno.test("every bundled suite's every profile passes the checks", () => {
  for (const name of listSuiteNames()) {
    const suite = loadSuite(name);
    for (const profile of suiteProfiles(suite)) {
      assert.ok(buildMatrix(suite, { profile, backend: "wasm" }).length > 0, `${name} ${profile}`);
    }
  }
});
