import assert from "node:assert/strict";
import { Registry, UnknownNameError } from "./registry.ts";

Deno.test("Registry suggests the closest name for a typo", () => {
  const registry = new Registry<number>("variant");
  registry.register("nsgan", 1);
  registry.register("wgan-gp", 2);
  assert.equal(registry.get("nsgan"), 1);
  assert.throws(
    () => registry.get("nsgam"),
    (error: Error) =>
      error instanceof UnknownNameError &&
      error.message === "Unknown variant 'nsgam'. Did you mean 'nsgan'? Available: nsgan, wgan-gp",
  );
});

Deno.test("Registry gives no suggestion for a far-off name", () => {
  const registry = new Registry<number>("dataset");
  registry.register("ring8", 1);
  assert.equal(registry.unknownMessage("imagenet"), "Unknown dataset 'imagenet'. Available: ring8");
});

Deno.test("Registry rejects malformed and duplicate names", () => {
  const registry = new Registry<number>("metric");
  registry.register("modes", 1);
  assert.throws(() => registry.register("modes", 2), TypeError);
  assert.throws(() => registry.register("Bad Name", 2), TypeError);
});

Deno.test("a frozen Registry refuses new entries and keeps its own", () => {
  const registry = new Registry<number>("metric");
  registry.register("modes", 1);
  assert.equal(registry.freeze().frozen, true);
  assert.throws(
    () => registry.register("spread", 2),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === "Cannot register metric 'spread': the registry is frozen",
  );
  assert.deepEqual(registry.names(), ["modes"]);
});
