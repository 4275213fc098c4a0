import assert from "node:assert/strict";
import { suiteError, TEST_BUDGET, TEST_SUITE } from "../../testing/suites.ts";
import { buildMatrix } from "./cells.ts";
import { findingsWithoutPage, statesPaperFigures } from "./replication_section.ts";
import {
  listSuiteNames,
  loadSuite,
  parseSuite,
  profileBudget,
  SuiteError,
  suiteProfiles,
} from "./suite.ts";

const REPLICATION = {
  paper: "P",
  protocol: "the paper's code",
  paperProfile: "paper",
  findings: [{
    id: "table-1",
    claim: "nsgan covers every mode",
    source: { paper: "P", table: "Table 1", page: "3" },
    dataset: "ring8",
    runs: 10,
    columns: [{ figure: "modes.covered", label: "modes" }],
    rows: [{ variant: "nsgan", label: "GAN", paper: { "modes.covered": { mean: 8, se: 0 } } }],
  }],
};
/** A replication suite: smoke, replicate and paper profiles, and a replication section. */
const VALID = {
  ...TEST_SUITE,
  profiles: { smoke: TEST_BUDGET, replicate: TEST_BUDGET, paper: { ...TEST_BUDGET, steps: 100 } },
  replication: REPLICATION,
};

type Json = Record<string, unknown>;

function errorFor(mutate: (suite: Json & typeof VALID) => void): string {
  return suiteError(VALID, mutate);
}

Deno.test("a suite declares the profiles it has: smoke and any of quick, full, replicate, paper", () => {
  const suite = parseSuite(JSON.stringify(VALID), "t", "suites/t.json");
  assert.deepEqual(suiteProfiles(suite), ["smoke", "replicate", "paper"]);
  assert.equal(profileBudget(suite, "paper").steps, 100);
  assert.throws(
    () => buildMatrix(suite, { profile: "quick", backend: "cpu" }),
    (error: Error) =>
      error instanceof SuiteError &&
      error.message === "Suite 't' has no profile 'quick'. Its profiles: smoke, replicate, paper",
  );
  assert.equal(
    errorFor((s) => delete (s.profiles as Json).smoke),
    "Cannot parse suite 'suites/t.json': profiles.smoke: Invalid input: expected object, received undefined",
  );
  assert.match(
    errorFor((s) => ((s.profiles as Json).huge = TEST_BUDGET)),
    /^Cannot parse suite 'suites\/t.json': profiles: Unrecognized key: "huge"/,
  );
  for (const name of listSuiteNames()) {
    const profiles = suiteProfiles(loadSuite(name));
    assert.ok(profiles.includes("smoke"), name);
    assert.ok(
      (profiles.includes("quick") && profiles.includes("full")) ||
        (profiles.includes("replicate") && profiles.includes("paper")),
      `${name}: ${profiles}`,
    );
  }
});

Deno.test("the replication section is checked against the suite, one line per problem", () => {
  const finding = (s: Json) => ((s.replication as Json).findings as Json[])[0];
  const cases: [(s: Json & typeof VALID) => void, string][] = [
    [
      (s) => ((s.replication as Json).paperProfile = "full"),
      "replication.paperProfile: the suite has no profile 'full'. Its profiles: smoke, replicate, paper",
    ],
    [
      (s) => (finding(s).dataset = "grid25"),
      "replication.findings[0].dataset: dataset 'grid25' is not one of the suite's (ring8)",
    ],
    [
      (s) => ((finding(s).rows as Json[])[0].variant = "nsgam"),
      "replication.findings[0].rows[0].variant: unknown variant 'nsgam'. Available: nsgan",
    ],
    [
      (s) => {
        (finding(s).columns as Json[])[0].figure = "modes.kll";
        (finding(s).rows as Json[])[0].paper = { "modes.kll": { mean: 8, se: 0 } };
      },
      "replication.findings[0].columns[0].figure: unknown figure 'modes.kll'",
    ],
    [
      (s) => delete finding(s).runs,
      "replication.findings[0].runs: a mean with a standard error needs the finding's runs",
    ],
    [
      (s) => ((finding(s).rows as Json[])[0].paper = { "modes.hq": { mean: 0.9, se: 0.1 } }),
      "replication.findings[0].rows[0].paper.modes.hq: figure 'modes.hq' is not one of the finding's columns (modes.covered)",
    ],
    [
      (s) => ((finding(s).rows as Json[])[0].paper = { "modes.covered": { low: 9, high: 8 } }),
      "replication.findings[0].rows[0].paper.modes.covered: low must be <= high",
    ],
    [
      (s) => (finding(s).source = { paper: "P" }),
      "replication.findings[0].source: must name a table, a figure or a section of the paper",
    ],
    [
      (s) => (finding(s).source = { paper: "P", table: "Table 1" }),
      "replication.findings[0].source: a finding that states the paper's figures or orders must give source.page (or source.pageUnchecked: why not)",
    ],
    [
      (s) => (finding(s).source = { paper: "P", table: "Table 1", page: "p. 3" }),
      "replication.findings[0].source.page: must be a page or a range like 3-4",
    ],
    [
      (s) => (finding(s).orderings = [{ figure: "modes.covered", higher: "nsgan", lower: "gan" }]),
      "replication.findings[0].orderings[0].lower: 'gan' is not one of the finding's rows (nsgan)",
    ],
  ];
  for (const [mutate, expected] of cases) {
    const message = errorFor(mutate);
    assert.ok(
      message.startsWith(`Cannot parse suite 'suites/t.json': ${expected}`),
      `${message}\nexpected: ${expected}`,
    );
  }
});

Deno.test("a replication section changes no configuration hash", () => {
  for (const name of listSuiteNames()) {
    const suite = loadSuite(name);
    const without = { ...suite, replication: undefined };
    for (const profile of suiteProfiles(suite)) {
      const hashes = (s: typeof suite) =>
        buildMatrix(s, { profile, backend: "wasm" }).map((cell) => cell.hash);
      assert.deepEqual(hashes(suite), hashes(without), `${name} ${profile}`);
    }
  }
  const mixtures = loadSuite("mixtures");
  const withSection = parseSuite(
    JSON.stringify({
      ...JSON.parse(Deno.readTextFileSync(new URL("../../suites/mixtures.json", import.meta.url))),
      replication: { ...REPLICATION, paperProfile: "full" },
    }),
    "mixtures",
    "suites/mixtures.json",
  );
  const hashes = (s: typeof mixtures) =>
    buildMatrix(s, { profile: "quick", backend: "wasm" }).map((cell) => cell.hash);
  assert.deepEqual(hashes(withSection), hashes(mixtures));
});

Deno.test("every paper figure in every suite file says where the paper prints it", () => {
  let stated = 0;
  for (const name of listSuiteNames()) {
    const replication = loadSuite(name).replication;
    if (!replication) continue;
    assert.deepEqual(findingsWithoutPage(replication), [], name);
    for (const finding of replication.findings.filter(statesPaperFigures)) {
      const { paper, table, figure, section, page, pageUnchecked } = finding.source;
      assert.ok(paper && (table ?? figure ?? section), `${name} ${finding.id}`);
      assert.ok(page ?? pageUnchecked, `${name} ${finding.id}`);
      stated++;
    }
  }
  assert.ok(stated >= 3, "the PacGAN and Dirac-GAN findings state paper figures");
});

Deno.test("the WGAN-GP toy suite states no figure or order the paper does not print", () => {
  const replication = loadSuite("wgan-gp-toy").replication!;
  assert.deepEqual(replication.findings.filter(statesPaperFigures).map((f) => f.id), []);
  const text = JSON.stringify(replication);
  assert.match(text, /λ = 10/, "the paper's λ is disclosed");
  assert.match(text, /β1 = 0\b/, "the paper's Adam β1 is disclosed");
});

Deno.test("every bundled suite's baseline is one of its variants and changes no configuration hash", () => {
  for (const name of listSuiteNames()) {
    const suite = loadSuite(name);
    assert.ok(
      suite.variants.map((v) => (typeof v === "string" ? v : v.label ?? v.name))
        .includes(suite.baseline!),
      `${name} declares a baseline row among its variants`,
    );
    for (const profile of suiteProfiles(suite)) {
      const hashes = (s: typeof suite) =>
        buildMatrix(s, { profile, backend: "wasm" }).map((cell) => cell.hash);
      assert.deepEqual(hashes(suite), hashes({ ...suite, baseline: undefined }), `${name}`);
    }
  }
});
