/**
 * End-to-end: the `cifar10` suite's smoke profile through the command line, on synthetic CIFAR-10
 * batches in the official format (the real files cannot be downloaded here) and an untrained
 * cifar10-net (no Inception weights either): every variant on both 32x32 networks, FID against the
 * whole training split's cached statistics, the line saying which features were used; and the one
 * line a machine without CIFAR-10 gets.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "./engine/backend.ts";
import { writeSyntheticCifar10, writeUntrainedCifar10Net } from "../testing/cifar10.ts";
import { ROOT, runDeno } from "../testing/cli.ts";

// The untrained network is written with TF.js layers, on a backend chosen here.
await initBackend("wasm");

/** Runs the command line with `env` added to (or, for "", removed from) this process's. */
function cliWith(env: Record<string, string>, ...args: string[]) {
  return runDeno(["run", "-A", join(ROOT, "src/cli.ts"), ...args], env);
}

const RECORDS = 4;
const VARIANTS = ["nsgan", "hinge", "wgan-gp", "lsgan", "sngan"];

Deno.test("the cifar10 suite's smoke profile trains every variant on DCGAN-32 and SNDCGAN and scores them against the training split's statistics", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "ganbench-cifar10-" });
  await writeSyntheticCifar10(join(tmp, "data"), RECORDS);
  await writeUntrainedCifar10Net(join(tmp, "nets"));
  const out = join(tmp, "results");
  const run = await cliWith(
    {
      GANBENCH_CIFAR10_RECORDS: String(RECORDS),
      GANBENCH_FEATURE_NETS: join(tmp, "nets"),
      GANBENCH_CACHE: join(tmp, "cache"),
      GANBENCH_INCEPTION_FID: "",
    },
    "suite",
    "cifar10",
    "--profile",
    "smoke",
    "--data",
    join(tmp, "data"),
    "--out",
    out,
    "--jobs",
    "2",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^features: cifar10-net, ganbench's own CIFAR-10 classifier .*not Inception: its FIDs are not comparable with published ones/m,
  );
  assert.match(run.stdout, /fid\[cifar10-net\]/);
  const cells = join(out, "cifar10", "smoke", "cells");
  for (const variant of [...VARIANTS, ...VARIANTS.map((v) => `${v}-sndcgan`)]) {
    const result = JSON.parse(
      await Deno.readTextFile(join(cells, `cifar10__${variant}__seed0.json`)),
    );
    assert.equal(result.status, "completed", variant);
    assert.equal(result.config.architecture, variant.endsWith("sndcgan") ? "sndcgan" : "dcgan32");
    assert.equal(result.config.features, "cifar10");
    assert.match(result.config.featuresModel, /^[0-9a-f]{16}$/, "the network's identity");
    assert.equal(
      result.config.model.discriminator.normalisation,
      variant.startsWith("sngan") ? "spectral" : undefined,
    );
    for (const figure of ["fid", "is", "kid", "precision"]) {
      assert.ok(Number.isFinite(result.final[`images.${figure}[cifar10-net]`]), figure);
    }
    assert.equal(result.final["images.fid-reference"], 5 * RECORDS, "the whole training split");
    assert.equal(result.final["images.samples"], 20);
  }
  const cached = [...Deno.readDirSync(join(tmp, "cache"))].map((e) => e.name);
  assert.equal(cached.length, 1, "the training statistics are computed once");
  assert.match(cached[0], /^cifar10-train20-cifar10-net-[0-9a-f]{16}\.npz$/);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("the cifar10 suite without CIFAR-10 stops with one line saying what to give", async () => {
  const run = await cliWith(
    { GANBENCH_DATA: "", GANBENCH_INCEPTION_FID: "" },
    "suite",
    "cifar10",
    "--profile",
    "smoke",
    "--out",
    await Deno.makeTempDir(),
  );
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr.trim(),
    "ganbench: Suite 'cifar10' cannot run here: CIFAR-10 is not on this machine: give its folder with --data DIR or GANBENCH_DATA=DIR (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked; ganbench downloads nothing)",
  );
});
