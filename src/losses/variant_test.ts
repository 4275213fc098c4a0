import assert from "node:assert/strict";
import { UnknownNameError } from "../registry.ts";
import { parseSuite } from "../runner/suite.ts";
import { TRAINERS } from "../train/mod.ts";
import {
  ganLossOf,
  LOSSES,
  REGULARISERS,
  TRAINER_OBJECTIVES,
  type Variant,
  VariantRegistry,
  VARIANTS,
  variantSchema,
} from "./mod.ts";

const NAMES = {
  losses: LOSSES,
  regularisers: REGULARISERS,
  trainers: TRAINERS,
  trainerObjectives: TRAINER_OBJECTIVES,
};

const VALID: Variant = {
  description: "a test variant",
  loss: "minimax",
  regularisers: {},
  defaults: {},
};

/** The message of registering `VALID` changed by `changes`, or undefined when it registers. */
function registrationError(changes: Record<string, unknown>): string | undefined {
  const registry = new VariantRegistry(NAMES);
  try {
    registry.register("bad", { ...VALID, ...changes } as Variant);
  } catch (error) {
    assert.ok(error instanceof TypeError, `a TypeError, got ${error}`);
    assert.ok(!error.message.includes("\n"), "one line");
    assert.ok(!registry.has("bad"), "a rejected variant is not registered");
    return error.message;
  }
  return undefined;
}

Deno.test("every registered variant satisfies the variant schema, names and all", () => {
  const schema = variantSchema(NAMES);
  assert.ok(VARIANTS.names().length > 0);
  for (const [name, variant] of VARIANTS.entries()) {
    const parsed = schema.safeParse(variant);
    assert.ok(parsed.success, `${name}: ${parsed.error?.message}`);
    assert.deepEqual(parsed.data, variant, `${name} is stored as parsed`);
  }
});

Deno.test("registering a malformed variant is a TypeError naming the field and the value", () => {
  assert.equal(registrationError({}), undefined);
  assert.equal(
    registrationError({ defaults: { k: 0 } }),
    "Invalid variant 'bad': defaults.k: Too small: expected number to be >=1, got 0",
  );
  assert.equal(
    registrationError({ defaults: { optimizer: "adamw" } }),
    `Invalid variant 'bad': defaults.optimizer: Invalid option: expected one of "adam"|"rmsprop"|"sgd", got "adamw"`,
  );
  assert.match(
    registrationError({ defaults: { beta2: 1 } })!,
    /^Invalid variant 'bad': defaults\.beta2: Too big: expected number to be <1, got 1$/,
  );
  assert.equal(
    registrationError({ regularisers: { "gradient-penalty": -1 } }),
    "Invalid variant 'bad': regularisers.gradient-penalty: Too small: expected number to be >=0, got -1",
  );
  assert.match(registrationError({ description: "" })!, /^Invalid variant 'bad': description: /);
  assert.match(registrationError({ lr: 3 })!, /^Invalid variant 'bad': Unrecognized key: "lr"$/);
  assert.match(registrationError({ conditional: "yes" })!, /conditional: Invalid input/);
});

Deno.test("a variant's loss, regularisers and trainer must be registered names", () => {
  assert.match(
    registrationError({ loss: "non-saturatin" })!,
    /^Invalid variant 'bad': loss: Unknown loss 'non-saturatin'\. Did you mean 'non-saturating'\? Available: minimax, /,
  );
  assert.match(
    registrationError({ regularisers: { r3: 1 } })!,
    /^Invalid variant 'bad': regularisers\.r3: Unknown regulariser 'r3'\. Did you mean 'r1'\?/,
  );
  assert.match(
    registrationError({ trainer: "pix2pix" })!,
    /^Invalid variant 'bad': trainer: Unknown trainer 'pix2pix'\. Available: gan, vae, cyclegan/,
  );
});

Deno.test("a trainer's own objective is the only loss its variants may name, and only its own", () => {
  assert.equal(registrationError({ trainer: "vae", loss: "elbo" }), undefined);
  assert.equal(
    registrationError({ trainer: "vae", loss: "non-saturating" }),
    "Invalid variant 'bad': loss: the 'vae' trainer computes its own objective: must be 'elbo', got 'non-saturating'",
  );
  assert.match(registrationError({ loss: "elbo" })!, /loss: Unknown loss 'elbo'/);
  assert.match(registrationError({ trainer: "gan", loss: "elbo" })!, /loss: Unknown loss 'elbo'/);
});

Deno.test("ganLossOf gives the registered loss, or nothing for a trainer's own objective", () => {
  assert.equal(ganLossOf("hinge"), LOSSES.get("hinge"));
  assert.equal(ganLossOf("hinge", "gan"), LOSSES.get("hinge"));
  assert.equal(ganLossOf("elbo", "vae"), undefined);
  assert.throws(() => ganLossOf("elbo"), UnknownNameError);
  assert.throws(() => ganLossOf("hinj", "gan"), /Unknown loss 'hinj'\. Did you mean 'hinge'\?/);
  for (const [name, variant] of VARIANTS.entries()) {
    const loss = ganLossOf(variant.loss, variant.trainer);
    assert.equal(loss === undefined, variant.trainer === "vae", name);
  }
});

Deno.test("a suite's variant overrides are checked by the same field schemas as variants", () => {
  const suite = (entry: Record<string, unknown>) =>
    JSON.stringify({
      version: 1,
      description: "test",
      datasets: ["ring8"],
      latentDim: 2,
      variants: [{ name: "nsgan", ...entry }],
      seeds: [0],
      metrics: ["modes"],
      primary: "modes.kl",
      profiles: Object.fromEntries(
        ["smoke", "quick", "full"].map((
          p,
        ) => [p, { steps: 10, batchSize: 8, lrG: 1e-3, lrD: 1e-3, evalEvery: 5 }]),
      ),
    });
  const suiteError = (entry: Record<string, unknown>) => {
    try {
      parseSuite(suite(entry), "t", "suites/t.json");
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail("expected an error");
  };
  const cases: [Record<string, unknown>, string][] = [
    [{ k: 0 }, "k"],
    [{ beta2: 1 }, "beta2"],
    [{ lrD: 0 }, "lrD"],
    [{ regularisers: { "gradient-penalty": -1 } }, "regularisers.gradient-penalty"],
  ];
  for (const [override, field] of cases) {
    const asVariant = field.startsWith("regularisers")
      ? registrationError(override)!
      : registrationError({ defaults: override })!;
    const tail = asVariant.slice(asVariant.indexOf(": ", asVariant.indexOf(field)) + 2);
    assert.equal(
      suiteError(override),
      `Cannot parse suite 'suites/t.json': variants[0].${field}: ${tail}`,
    );
  }
});
