import assert from "node:assert/strict";
import { buildMatrix } from "./cells.ts";
import { suiteError, TEST_BUDGET, TEST_SUITE } from "../../testing/suites.ts";
import { loadSuite, parseSuite } from "./suite.ts";

const VALID = {
  ...TEST_SUITE,
  variants: ["nsgan", { name: "wgan-gp", label: "wgan-gp-k1", k: 1 }],
};

function errorFor(mutate: (suite: typeof VALID & Record<string, unknown>) => void): string {
  return suiteError(VALID, mutate);
}

Deno.test("parseSuite accepts a valid suite and fills defaults", () => {
  const suite = parseSuite(JSON.stringify(VALID), "t", "suites/t.json");
  assert.equal(suite.architecture, "mlp");
  assert.equal(suite.profiles.quick!.beta1, 0.5);
  assert.equal(suite.profiles.quick!.evalSamples, 2500);
});

Deno.test("parseSuite names the field of a bad budget", () => {
  assert.equal(
    errorFor((s) => (s.profiles.quick.steps = -3)),
    "Cannot parse suite 'suites/t.json': profiles.quick.steps: Too small: expected number to be >0, got -3",
  );
});

Deno.test("parseSuite suggests the closest variant for a typo", () => {
  assert.match(
    errorFor((s) => (s.variants[0] = "nsgam")),
    /^Cannot parse suite 'suites\/t\.json': variants\[0\]: Unknown variant 'nsgam'\. Did you mean 'nsgan'\?/,
  );
});

Deno.test("parseSuite rejects unknown datasets, metrics, fields and malformed JSON", () => {
  assert.match(
    errorFor((s) => (s.datasets = ["imagenet"])),
    /datasets\[0\]: Unknown dataset 'imagenet'/,
  );
  assert.match(errorFor((s) => (s.metrics = ["fidd"])), /metrics\[0\]: Unknown metric 'fidd'/);
  assert.match(errorFor((s) => (s.seedz = [1])), /Unrecognized key: "seedz"/);
  assert.match(errorFor((s) => (s.primary = "modes.x")), /primary: unknown figure 'modes\.x'/);
  assert.match(
    errorFor((s) => (s.profiles.smoke.evalEvery = 50)),
    /profiles\.smoke\.evalEvery: must be <= steps/,
  );
  assert.throws(
    () => parseSuite("{ nope", "t", "suites/t.json"),
    /Cannot parse suite 'suites\/t\.json': invalid JSON/,
  );
});

Deno.test("loadSuite reports a missing suite with the available ones", () => {
  assert.throws(
    () => loadSuite("nosuch"),
    /Unknown suite 'nosuch': no file suites\/nosuch\.json\. Available: .*mixtures/,
  );
});

Deno.test("buildMatrix resolves hyper-parameters: profile < variant defaults < suite overrides", () => {
  const suite = parseSuite(JSON.stringify(VALID), "t", "suites/t.json");
  const cells = buildMatrix(suite, { profile: "quick", backend: "cpu" });
  assert.equal(cells.length, 4);
  const nsgan = cells.find((c) => c.config.variant === "nsgan")!.config;
  const wgangp = cells.find((c) => c.config.variant === "wgan-gp-k1")!.config;
  assert.deepEqual(nsgan.hyper, {
    k: 1,
    scheme: "alternating",
    optimizer: "adam",
    lrG: 1e-3,
    lrD: 1e-3,
    beta1: 0.5,
    beta2: 0.999,
  });
  assert.deepEqual(wgangp.hyper, {
    k: 1,
    scheme: "alternating",
    optimizer: "adam",
    lrG: 1e-3,
    lrD: 1e-3,
    beta1: 0,
    beta2: 0.9,
  });
  assert.deepEqual(wgangp.regularisers, { "gradient-penalty": 10 });
  assert.equal(wgangp.variantName, "wgan-gp");
});

Deno.test("buildMatrix gives distinct, stable hashes and honours variant and seed selection", () => {
  const suite = parseSuite(JSON.stringify(VALID), "t", "suites/t.json");
  const a = buildMatrix(suite, { profile: "quick", backend: "cpu" });
  const b = buildMatrix(suite, { profile: "quick", backend: "cpu" });
  assert.deepEqual(a.map((c) => c.hash), b.map((c) => c.hash));
  assert.equal(new Set(a.map((c) => c.hash)).size, a.length);
  const other = buildMatrix(suite, { profile: "quick", backend: "wasm" });
  assert.notEqual(other[0].hash, a[0].hash);
  const picked = buildMatrix(suite, {
    profile: "quick",
    backend: "cpu",
    variants: ["nsgan"],
    seeds: [7],
  });
  assert.deepEqual(picked.map((c) => [c.config.variant, c.config.seed]), [["nsgan", 7]]);
  assert.throws(
    () => buildMatrix(suite, { profile: "quick", backend: "cpu", variants: ["nope"] }),
    /Unknown variant 'nope' in suite 't'/,
  );
});

Deno.test("the bundled suites all parse", async () => {
  for await (const entry of Deno.readDir(new URL("../../suites/", import.meta.url))) {
    if (entry.name.endsWith(".json")) loadSuite(entry.name.replace(/\.json$/, ""));
  }
});

Deno.test("a suite's headline figures are checked by name and change no cell's configuration hash", () => {
  assert.match(
    errorFor((s) => (s.headline = ["modes.hq", "modes.x"])),
    /headline\[1\]: unknown figure 'modes\.x'/,
  );
  const plain = parseSuite(JSON.stringify(VALID), "t", "suites/t.json");
  const withHeadline = parseSuite(
    JSON.stringify({ ...VALID, primary: "modes.mass", headline: ["modes.covered", "modes.hq"] }),
    "t",
    "suites/t.json",
  );
  assert.deepEqual(withHeadline.headline, ["modes.covered", "modes.hq"]);
  const hashes = (suite: typeof plain) =>
    buildMatrix(suite, { profile: "quick", backend: "cpu" }).map((c) => c.hash);
  assert.deepEqual(hashes(withHeadline), hashes(plain));
});

Deno.test("a profile's dataset budget changes that dataset's cells only, and is checked by name", () => {
  const two = { ...VALID, datasets: ["ring8", "grid25"] };
  const plain = buildMatrix(parseSuite(JSON.stringify(two), "t", "suites/t.json"), {
    profile: "quick",
    backend: "cpu",
  });
  const withRing = structuredClone(two) as typeof two & Record<string, unknown>;
  (withRing.profiles.quick as Record<string, unknown>).datasets = {
    ring8: { steps: 40, batchSize: 16, seeds: [0, 1, 2, 3] },
  };
  const cells = buildMatrix(parseSuite(JSON.stringify(withRing), "t", "suites/t.json"), {
    profile: "quick",
    backend: "cpu",
  });
  const of = (list: typeof cells, dataset: string) =>
    list.filter((c) => c.config.dataset === dataset);
  assert.deepEqual(
    of(cells, "grid25").map((c) => c.hash),
    of(plain, "grid25").map((c) => c.hash),
    "the other dataset's cells keep their configurations",
  );
  const ring = of(cells, "ring8");
  assert.equal(ring.length, 2 * 4, "2 variants x the ring's 4 seeds");
  assert.ok(ring.every((c) => c.config.budget.steps === 40 && c.config.budget.batchSize === 16));
  assert.equal(ring[0].config.budget.evalEvery, TEST_BUDGET.evalEvery, "the rest is the profile's");
  const picked = buildMatrix(parseSuite(JSON.stringify(withRing), "t", "suites/t.json"), {
    profile: "quick",
    backend: "cpu",
    seeds: [1, 3],
  });
  assert.deepEqual(
    picked.map((c) => `${c.config.dataset}/${c.config.seed}`).sort(),
    ["grid25/1", "grid25/1", "ring8/1", "ring8/1", "ring8/3", "ring8/3"],
    "a seed only the ring's budget names runs on the ring alone",
  );
  assert.match(
    suiteError(two, (s) => ((s.profiles.quick as Record<string, unknown>).datasets = { rng8: {} })),
    /profiles\.quick\.datasets\.rng8: Unknown dataset 'rng8' in the suite's datasets\. Did you mean 'ring8'\?/,
  );
  assert.match(
    suiteError(
      two,
      (s) => ((s.profiles.quick as Record<string, unknown>).datasets = { ring8: { steps: 4 } }),
    ),
    /profiles\.quick\.datasets\.ring8\.evalEvery: must be <= steps \(4\)/,
  );
  assert.match(
    suiteError(
      two,
      (s) => ((s.profiles.quick as Record<string, unknown>).datasets = { ring8: { model: {} } }),
    ),
    /profiles\.quick\.datasets\.ring8: Unrecognized key: "model"/,
  );
});

Deno.test("parseSuite keeps feature metrics out of metrics and sample metrics out of featureMetrics", () => {
  assert.match(
    errorFor((s) => (s.metrics = ["fid"])),
    /metrics\[0\]: metric 'fid' scores feature sets: a suite names it in 'featureMetrics' and adds 'images' to its metrics/,
  );
  assert.match(
    errorFor((s) => (s.featureMetrics = ["kid"])),
    /featureMetrics: featureMetrics chooses what the 'images' metric computes: add 'images' to metrics$/,
  );
  assert.match(
    errorFor((s) => {
      s.metrics = ["images"];
      s.featureMetrics = ["modes"];
    }),
    /featureMetrics\[0\]: metric 'modes' scores a generator's samples: name it in 'metrics'/,
  );
  assert.match(
    errorFor((s) => {
      s.metrics = ["images"];
      s.featureMetrics = ["kdi"];
    }),
    /featureMetrics\[0\]: Unknown metric 'kdi'\. Did you mean 'kid'\?/,
  );
});

Deno.test("a suite's featureMetrics enter its cells' scoring key only when set, never the training hash", () => {
  const mnist = loadSuite("mnist");
  const [plain] = buildMatrix(mnist, { profile: "smoke", backend: "cpu", seeds: [0] });
  assert.ok(!("featureMetrics" in plain.config), "unset: the stored cells' hashes are kept");
  const [chosen] = buildMatrix({ ...mnist, featureMetrics: ["fid", "prc"] }, {
    profile: "smoke",
    backend: "cpu",
    seeds: [0],
  });
  assert.deepEqual(chosen.config.featureMetrics, ["fid", "prc"]);
  assert.equal(chosen.hash, plain.hash, "what images computes changes no training");
  assert.notEqual(chosen.scoreKey, plain.scoreKey, "it changes the scores: a re-score");
});
