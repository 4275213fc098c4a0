/**
 * The conformance test every registered feature extractor passes: on samples it takes (images of
 * its declared size, in 1 or 3 channels, or any vectors) it returns one row per sample of its
 * declared width, class probabilities exactly when it declares classes, the same on a rerun; it
 * refuses samples it cannot take with one line naming them.
 */
import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { ExtractorInputError, EXTRACTORS, type Samples } from "./extractors.ts";

await initBackend("cpu");

const N = 5;

/** `N` images of `height` x `width` x `channels` pixels in [0, 1], or vectors of `width` values. */
function samples(height: number, width: number, channels?: number): Samples {
  const d = height * width * (channels ?? 1);
  const data = Float64Array.from({ length: N * d }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const features = { data, n: N, d };
  return channels ? { features, image: { height, width, channels } } : { features };
}

Deno.test("feature extractors carry distinct labels", () => {
  const labels = EXTRACTORS.entries().map(([, e]) => e.label);
  assert.equal(new Set(labels).size, labels.length, labels.join(", "));
  assert.ok(labels.every((label) => /^[a-z0-9-]+$/.test(label)), "labels fit in figure keys");
});

for (const [name, extractor] of EXTRACTORS.entries()) {
  // Networks made from files the user supplies (the FID Inception, cifar10-net) are absent here.
  const availability = extractor.availability?.();
  if (availability?.ok === false) {
    console.warn(`note: feature extractor '${name}' not checked here: ${availability.reason}`);
  }
  // The FID Inception (given with GANBENCH_INCEPTION_FID) takes seconds per image on this file's
  // cpu backend; inception_fid_test.ts checks it against PyTorch on wasm.
  const ignore = availability?.ok === false || name === "inception-fid";
  Deno.test({
    name: `feature extractor '${name}' returns its declared width, deterministically`,
    ignore,
  }, async () => {
    assert.ok(extractor.description.length > 0);
    const [height, width] = extractor.imageSize ?? [6, 6];
    // Vectors go only to extractors of no fixed width (raw); networks take images.
    const vectors = extractor.imageSize || extractor.featureDim ? [] : [undefined];
    for (const channels of [1, 3, ...vectors]) {
      const input = samples(height, width, channels);
      const out = await extractor.extract(input, "test samples");
      assert.equal(out.features.n, N, "one row per sample");
      assert.equal(out.features.d, extractor.featureDim ?? input.features.d, "the declared width");
      assert.equal(out.features.data.length, N * out.features.d);
      assert.ok(out.features.data.every(Number.isFinite), "finite features");
      if (extractor.classes === undefined) {
        assert.equal(out.probabilities, undefined, "no probabilities without classes");
      } else {
        const p = out.probabilities!;
        assert.deepEqual([p.n, p.d], [N, extractor.classes], "N x classes probabilities");
        for (let i = 0; i < N; i++) {
          const row = Array.from(p.data.subarray(i * p.d, (i + 1) * p.d));
          assert.ok(row.every((v) => v >= 0 && v <= 1), `row ${i} in [0, 1]`);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${i} sums to 1`);
        }
      }
      assert.deepEqual(await extractor.extract(input, "test samples"), out, "rerun");
    }
  });

  if (!extractor.imageSize) continue;
  Deno.test({
    name: `feature extractor '${name}' refuses samples other than its image size, saying why`,
    ignore,
  }, async () => {
    const [height, width] = extractor.imageSize!;
    for (const input of [samples(height + 1, width, 1), samples(1, height * width)]) {
      await assert.rejects(
        () => extractor.extract(input, "odd samples"),
        (error: Error) => {
          assert.ok(error instanceof ExtractorInputError, `${error}`);
          assert.match(error.message, /'odd samples'/);
          assert.ok(!error.message.includes("\n"));
          return true;
        },
      );
    }
  });
}
