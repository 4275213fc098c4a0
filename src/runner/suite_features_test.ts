/**
 * A suite's list of feature extractors: the first that can run here is used, its identity enters
 * the cells' configuration, the primary and headline figures follow its label, and a run says in
 * one line which features it uses (or why none can run).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../engine/backend.ts";
import { ExtractorInputError, resolveExtractor } from "../metrics/extractors.ts";
import { INCEPTION_FID_FORMAT, InceptionFidError } from "../metrics/inception_fid.ts";
import { buildMatrix } from "./cells.ts";
import { parseSuite, suiteUnavailableReason } from "./suite.ts";
import { writeUntrainedCifar10Net } from "../../testing/cifar10.ts";

await initBackend("wasm");

/** A one-variant image suite on MNIST (always present) scored through `features`. */
function suiteText(features: unknown): string {
  const profile = { steps: 2, batchSize: 4, lrG: 1e-3, lrD: 1e-3, evalEvery: 2, evalSamples: 10 };
  return JSON.stringify({
    version: 1,
    description: "test",
    datasets: ["mnist"],
    architecture: "dcgan",
    latentDim: 4,
    features,
    variants: ["nsgan"],
    seeds: [0],
    metrics: ["images"],
    primary: "images.fid[inception]",
    headline: ["images.is[inception]"],
    profiles: { smoke: profile, quick: profile, full: profile },
  });
}

/** Runs `fn` with the environment variables `vars` set ("" removes one), then restores them. */
async function withEnv(vars: Record<string, string>, fn: () => unknown) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [key, value] of Object.entries(vars)) {
    if (value) Deno.env.set(key, value);
    else Deno.env.delete(key);
  }
  try {
    await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(key);
      else Deno.env.set(key, value);
    }
  }
}

/** A converted-model folder whose model.json names `sha256` as its source (no weights needed). */
async function fakeInceptionFolder(sha256: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(dir, "model.json"),
    JSON.stringify({
      format: INCEPTION_FID_FORMAT,
      formatVersion: 1,
      source: { file: "x.pth", sha256, bytes: 1 },
    }),
  );
  return dir;
}

const FEATURES = ["inception-fid", "cifar10"];

Deno.test("a suite uses the FID Inception when its converted folder is given, and records its weights' identity", async () => {
  const published = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2";
  await withEnv({ GANBENCH_INCEPTION_FID: await fakeInceptionFolder(published) }, () => {
    const suite = parseSuite(suiteText(FEATURES), "t", "t.json");
    assert.equal(suite.features, "inception-fid");
    assert.equal(suite.primary, "images.fid[inception]");
    assert.equal(suite.featuresModel, "6726825d0af5f729");
    assert.match(
      suite.featuresNote!,
      /^features: FID Inception-v3 from .* \(pytorch-fid's published weights, sha256 6726825d…\)/,
    );
    const [cell] = buildMatrix(suite, { profile: "smoke", backend: "wasm" });
    assert.equal(cell.config.featuresModel, "6726825d0af5f729");
  });
  await withEnv({ GANBENCH_INCEPTION_FID: await fakeInceptionFolder("ab".repeat(32)) }, () => {
    const suite = parseSuite(suiteText(FEATURES), "t", "t.json");
    assert.match(
      suite.featuresNote!,
      /NOT the published weights .*not comparable with published ones/,
    );
    assert.equal(suite.featuresModel, "ab".repeat(8), "other weights, other cells");
  });
});

Deno.test("without the FID Inception a suite falls back to cifar10-net, relabelling its primary and headline figures", async () => {
  const nets = await Deno.makeTempDir();
  await writeUntrainedCifar10Net(nets);
  await withEnv({ GANBENCH_INCEPTION_FID: "", GANBENCH_FEATURE_NETS: nets }, () => {
    const suite = parseSuite(suiteText(FEATURES), "t", "t.json");
    assert.equal(suite.features, "cifar10");
    assert.equal(suite.primary, "images.fid[cifar10-net]");
    assert.deepEqual(suite.headline, ["images.is[cifar10-net]"]);
    assert.match(suite.featuresModel!, /^[0-9a-f]{16}$/);
    assert.match(suite.featuresNote!, /^features: cifar10-net, .*not Inception/);
    assert.equal(suiteUnavailableReason(suite), undefined);
  });
});

Deno.test("a suite none of whose extractors can run says why for each", async () => {
  await withEnv(
    { GANBENCH_INCEPTION_FID: "", GANBENCH_FEATURE_NETS: await Deno.makeTempDir() },
    () => {
      const suite = parseSuite(suiteText(FEATURES), "t", "t.json");
      assert.equal(suite.features, "inception-fid");
      assert.match(
        suiteUnavailableReason(suite)!,
        /^none of its feature extractors can run: inception-fid: no FID Inception model given: .*; cifar10: no cifar10-net in '/,
      );
    },
  );
  // A single registered name needs nothing and adds nothing to the configuration.
  const plain = parseSuite(suiteText("mnist").replace(/inception/g, "mnist-net"), "t", "t.json");
  assert.equal(plain.features, "mnist");
  assert.equal(plain.featuresModel, undefined);
  assert.equal(plain.featuresNote, undefined);
});

Deno.test("inception-fid=DIR names a missing folder, and refuses feature vectors, in one line", async () => {
  const extractor = resolveExtractor("inception-fid=/nonexistent/fid");
  assert.equal(extractor.label, "inception");
  const images = { features: { data: new Float64Array(12), n: 1, d: 12 } };
  await assert.rejects(
    () => extractor.extract({ ...images, image: { height: 2, width: 2, channels: 3 } }, "x"),
    (error: Error) =>
      error instanceof InceptionFidError &&
      /^Cannot read FID Inception model '\/nonexistent\/fid\/model\.json': no such file/.test(
        error.message,
      ),
  );
  await assert.rejects(
    () => extractor.extract(images, "vectors.npy"),
    (error: Error) =>
      error instanceof ExtractorInputError &&
      error.message === "'vectors.npy' holds feature vectors, not images: use --features raw",
  );
});

Deno.test("a suite's fidResize 'pytorch-fid' feeds the FID Inception as pytorch-fid does, under its own label and configuration", async () => {
  const published = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2";
  await withEnv({ GANBENCH_INCEPTION_FID: await fakeInceptionFolder(published) }, () => {
    const text = (resize?: string) =>
      JSON.stringify({
        ...JSON.parse(suiteText(FEATURES)),
        ...(resize ? { fidResize: resize } : {}),
      });
    const tf1 = parseSuite(text("tf1"), "t", "t.json");
    const pt = parseSuite(text("pytorch-fid"), "t", "t.json");
    assert.deepEqual([tf1.features, tf1.primary], ["inception-fid", "images.fid[inception]"]);
    assert.deepEqual([pt.features, pt.primary], [
      "inception-fid-pytorch",
      "images.fid[inception-ptfid]",
    ]);
    assert.deepEqual(pt.headline, ["images.is[inception-ptfid]"]);
    assert.match(pt.featuresNote!, /resize: pytorch-fid's half-pixel bilinear resize/);
    assert.match(tf1.featuresNote!, /resize: TF1 bilinear resize/);
    const cell = (s: typeof pt) => buildMatrix(s, { profile: "smoke", backend: "wasm" })[0];
    const key = (s: typeof pt) => `${cell(s).hash} ${cell(s).scoreKey}`;
    assert.equal(cell(pt).hash, cell(tf1).hash, "the resize of the scoring network trains nothing");
    assert.notEqual(cell(pt).scoreKey, cell(tf1).scoreKey, "other figures: a re-score");
    assert.equal(key(tf1), key(parseSuite(text(), "t", "t.json")), "tf1 is the default");
    assert.throws(() => parseSuite(text("bicubic"), "t", "t.json"), /fidResize/);
  });
});
