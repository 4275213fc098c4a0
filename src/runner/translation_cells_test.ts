import assert from "node:assert/strict";
import { buildMatrix } from "./cells.ts";
import { loadSuite, parseSuite } from "./suite.ts";

/** A one-dataset CycleGAN suite with `changes` applied, as JSON text. */
function suiteText(changes: Record<string, unknown> = {}, quick: Record<string, unknown> = {}) {
  const profile = { steps: 10, batchSize: 2, lrG: 2e-4, lrD: 2e-4, evalEvery: 5, evalSamples: 20 };
  return JSON.stringify({
    version: 1,
    description: "test",
    datasets: ["ring8-rotated"],
    architecture: "cyclegan",
    latentDim: 1,
    variants: ["cyclegan"],
    seeds: [0],
    metrics: ["translation"],
    primary: "translation.accuracy",
    profiles: { smoke: profile, quick: { ...profile, ...quick }, full: profile },
    ...changes,
  });
}

/** The message of building `text`'s smoke (or `profile`) matrix, or undefined when it builds. */
function problem(text: string, profile: "smoke" | "quick" = "smoke"): string | undefined {
  try {
    buildMatrix(parseSuite(text, "t", "suites/t.json"), { profile, backend: "cpu" });
  } catch (error) {
    assert.ok(!(error as Error).message.includes("\n"), "one line");
    return (error as Error).message;
  }
  return undefined;
}

Deno.test("a CycleGAN cell records its trainer's options with their defaults, and suite overrides", () => {
  const [cell] = buildMatrix(parseSuite(suiteText(), "t", "suites/t.json"), {
    profile: "smoke",
    backend: "cpu",
  });
  assert.deepEqual(cell.config.trainerOptions, {
    adversarialWeight: 2,
    cycleWeight: 10,
    identityWeight: 5,
    poolSize: 50,
    poolSwap: 0.5,
    constantShare: 0.5,
  });
  const variants = [{ name: "cyclegan", label: "no-pool", trainerOptions: { poolSize: 0 } }];
  const [ablated] = buildMatrix(parseSuite(suiteText({ variants }), "t", "suites/t.json"), {
    profile: "smoke",
    backend: "cpu",
  });
  assert.equal(ablated.config.trainerOptions!.poolSize, 0);
  assert.equal(ablated.config.trainerOptions!.adversarialWeight, 2, "the variant's own stay");
  assert.notEqual(ablated.hash, cell.hash);
  // The bundled suite: every profile builds.
  for (const profile of ["smoke", "quick", "full"] as const) {
    assert.equal(buildMatrix(loadSuite("cyclegan"), { profile, backend: "wasm" }).length % 5, 0);
  }
});

Deno.test("CycleGAN suites that cannot run are refused before any cell starts, in one line", () => {
  assert.match(
    problem(suiteText({ datasets: ["ring8"], metrics: ["modes"], primary: "modes.mass" }))!,
    /variant 'cyclegan' cannot run on dataset 'ring8': trainer 'cyclegan': dataset 'ring8' has no second domain/,
  );
  assert.match(
    problem(suiteText({ architecture: "mlp" }))!,
    /variant 'cyclegan' cannot run on dataset 'ring8-rotated': architecture 'mlp' builds a generator and its discriminator, trainer 'cyclegan' trains translation networks/,
  );
  assert.match(
    problem(suiteText({ variants: ["nsgan"] }))!,
    /architecture 'cyclegan' builds translation networks \(two translators, two discriminators\), trainer 'gan' trains a generator and its discriminator/,
  );
  assert.equal(
    problem(suiteText({ variants: [{ name: "cyclegan", trainerOptions: { cycleWeight: -1 } }] })),
    "Cannot parse suite 'suites/t.json': variant 'cyclegan': trainerOptions: cycleWeight: Too small: expected number to be >=0, got -1",
  );
  assert.match(
    problem(suiteText({
      architecture: "mlp",
      variants: [{ name: "nsgan", trainerOptions: { poolSize: 0 } }],
    }))!,
    /trainerOptions: the 'gan' trainer takes no options, got poolSize/,
  );
  assert.equal(
    problem(
      suiteText({ datasets: ["mnist-inverted"], features: "mnist" }, { evalSamples: 6000 }),
      "quick",
    ),
    "Suite 't' at profile 'quick': dataset 'mnist-inverted' holds 5000 held-out samples to translate, the profile asks for 6000 (evalSamples, finalSamples)",
  );
});
