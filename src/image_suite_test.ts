/**
 * End-to-end: the image suite's smoke profile through the command line (DCGAN GAN, conditional
 * GAN, VAE), and `score --features mnist` on real MNIST digits (through `main()` in this process:
 * the same code path less a Deno start-up per call).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, runMain } from "../testing/cli.ts";
import { dump } from "npyjs";
import { loadMnist } from "./data/mnist.ts";

Deno.test("the mnist suite's smoke profile trains a GAN, a cGAN and a VAE, scores them with mnist-net and stores their pictures", async () => {
  const out = await Deno.makeTempDir({ prefix: "ganbench-images-" });
  const run = await cli(
    "suite",
    "mnist",
    "--profile",
    "smoke",
    "--variants",
    "nsgan,cgan,vae",
    "--out",
    out,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /fid\[mnist-net\]/, "tables name the feature network");
  assert.doesNotMatch(run.stdout, /\| FID/);
  const base = join(out, "mnist", "smoke");
  for (const variant of ["nsgan", "cgan", "vae"]) {
    const result = JSON.parse(
      await Deno.readTextFile(join(base, "cells", `mnist__${variant}__seed0.json`)),
    );
    assert.equal(result.status, "completed");
    for (const figure of ["fid", "kid", "is", "precision", "recall", "density", "coverage"]) {
      assert.ok(
        Number.isFinite(result.final[`images.${figure}[mnist-net]`]),
        `${variant}: ${figure}`,
      );
    }
    assert.equal(result.final["images.samples"], 100, "the sample count is recorded");
    assert.equal(result.final["images.reference"], 100);
    assert.ok(result.pictures === undefined, "pictures are stored as files, not in the JSON");
    const names = Object.keys(result.images).sort();
    assert.deepEqual(
      names.filter((n) => n.startsWith("grid")),
      ["grid-step000000", "grid-step000002", "grid-step000004"],
    );
    assert.ok(names.includes("interpolation"));
    for (const path of Object.values(result.images) as string[]) {
      const bytes = await Deno.readFile(join(base, path));
      assert.deepEqual([...bytes.slice(1, 4)], [80, 78, 71], `${path} is a PNG`);
    }
    if (variant === "cgan") {
      assert.ok(Number.isFinite(result.final["images.accuracy[mnist-net]"]));
      assert.ok(Number.isFinite(result.final["images.class-fid[mnist-net]"]));
      assert.ok(!names.includes("arithmetic"), "no arithmetic row for a conditional G");
    }
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("score --features mnist: real test digits against training digits score far better than noise", async () => {
  const dir = await Deno.makeTempDir();
  const images = (set: ReturnType<typeof loadMnist>, start: number, n: number) =>
    new Uint8Array(dump(set.images.slice(start * 784, (start + n) * 784), [n, 28, 28]));
  const train = loadMnist("train"), test = loadMnist("test");
  const noise = new Uint8Array(300 * 784).map((_, i) => (i * 2654435761) % 251);
  await Deno.writeFile(join(dir, "test.npy"), images(test, 0, 300));
  await Deno.writeFile(join(dir, "train.npy"), images(train, 0, 300));
  await Deno.writeFile(join(dir, "noise.npy"), new Uint8Array(dump(noise, [300, 28, 28])));
  const score = async (input: string) => {
    const run = await runMain(
      "score",
      "--metrics",
      "fid,is,prc",
      "--features",
      "mnist",
      "--json",
      join(dir, input),
      join(dir, "train.npy"),
    );
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  const real = await score("test.npy"), fake = await score("noise.npy");
  assert.equal(real.feature_label, "mnist-net");
  assert.ok(real.fid < fake.fid / 10, `fid ${real.fid} vs noise ${fake.fid}`);
  assert.ok(real.is.mean > 8, `IS of real digits over 10 classes: ${real.is.mean}`);
  assert.ok(real.precision > 0.8 && fake.precision < 0.1);
  const flat = await runMain(
    "score",
    "--metrics",
    "fid",
    "--features",
    "mnist",
    join(dir, "test.npy"),
    join(dir, "noise.npy"),
  );
  assert.equal(flat.code, 0, flat.stderr);
  await Deno.writeFile(
    join(dir, "vectors.npy"),
    new Uint8Array(dump(new Float64Array(20), [10, 2])),
  );
  const vectors = await runMain(
    "score",
    "--metrics",
    "fid",
    "--features",
    "mnist",
    join(dir, "vectors.npy"),
    join(dir, "vectors.npy"),
  );
  assert.equal(vectors.code, 1);
  assert.match(vectors.stderr.trim(), /^ganbench: the 'mnist' features need 28x28 images/);
  await Deno.remove(dir, { recursive: true });
});
