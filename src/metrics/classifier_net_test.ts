import assert from "node:assert/strict";
import { join } from "node:path";
import { loadFashion } from "../data/fashion.ts";
import { loadMnist } from "../data/mnist.ts";
import { initBackend } from "../engine/backend.ts";
import { FEATURE_NET_DIR, FeatureNetError, loadFeatureNet } from "./classifier_net.ts";
import { classifierFeatures } from "./extractors.ts";

await initBackend("wasm");

for (
  const [name, load, target] of [["mnist", loadMnist, 0.99], ["fashion", loadFashion, 0.9]] as const
) {
  Deno.test(`the committed '${name}' network loads, meets its accuracy target and gives 128-d features`, async () => {
    const net = await loadFeatureNet(name);
    assert.ok(
      net.manifest.testAccuracy >= target,
      `manifest accuracy ${net.manifest.testAccuracy}`,
    );
    assert.equal(net.manifest.label, `${name}-net`);
    const test = load("test");
    const n = test.count;
    const images = Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 127.5 - 1);
    const { features, probabilities } = await classifierFeatures(name, images, n);
    assert.equal(features.d, 128);
    assert.equal(probabilities.d, 10);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(probabilities.data.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) hits++;
    }
    // The whole test split, as the manifest measured it (same backend: the same figure).
    assert.ok(hits / n >= target, `accuracy ${hits / n}`);
    assert.equal(hits / n, net.manifest.testAccuracy);
  });
}

Deno.test("a feature network whose weights fail their checksum is refused with one line", async () => {
  const dir = await Deno.makeTempDir();
  for (const file of ["manifest.json", "model.json", "weights.bin"]) {
    await Deno.copyFile(join(FEATURE_NET_DIR, "mnist", file), join(dir, file));
  }
  const weights = await Deno.readFile(join(dir, "weights.bin"));
  weights[100] ^= 1;
  await Deno.writeFile(join(dir, "weights.bin"), weights);
  await assert.rejects(
    () => loadFeatureNet("mnist", dir),
    (error: Error) =>
      error instanceof FeatureNetError && /'weights.bin' is corrupt/.test(error.message) &&
      !error.message.includes("\n"),
  );
  await Deno.remove(join(dir, "manifest.json"));
  await assert.rejects(() => loadFeatureNet("mnist", join(dir, "missing")), /is missing/);
  await Deno.remove(dir, { recursive: true });
});
