import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import {
  expectedWeights,
  INCEPTION_FID_FORMAT,
  InceptionFidError,
  inceptionFidFeatures,
  inceptionInput,
  type InceptionProtocol,
  loadInceptionFid,
  LOGIT_CLASSES,
  POOL3_DIM,
} from "./inception_fid.ts";
import { pythonWithTorch } from "../../testing/python.ts";
import { runMain } from "../../testing/cli.ts";
import { Rng } from "../engine/rng.ts";
import { dump } from "npyjs";
import { readNpz } from "../data/npz.ts";
import { resolveExtractor } from "./extractors.ts";

await initBackend("wasm");

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("tf.avgPool leaves SAME padding out of the count and tf.maxPool ignores it (the FID graph's pools)", async () => {
  const ones = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  // Counting the padding would give 4/9 in the corners and 6/9 on the edges.
  assert.deepEqual(Array.from(await tf.avgPool(ones, 3, 1, "same").data()), Array(16).fill(1));
  const negative = tf.fill([1, 3, 3, 1], -2) as tf.Tensor4D;
  assert.deepEqual(Array.from(await tf.maxPool(negative, 3, 1, "same").data()), Array(9).fill(-2));
  tf.dispose([ones, negative]);
});

Deno.test("inceptionInput resizes as TF1 (tf) or with half-pixel centres (pytorch-fid) and scales to [−1, 1]", async () => {
  // A 2x2 grey image whose columns are 0 and 1, stretched to 299x299: each output column against
  // the closed form of each sampling.
  const image = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
  const tfInput = await inceptionInput(image, "tf").data();
  const ptInput = await inceptionInput(image, "pytorch-fid").data();
  assert.equal(tfInput.length, 299 * 299 * 3);
  // Column j of row 0, channel 0 (grey is repeated to three channels).
  const at = (data: Float32Array | Int32Array | Uint8Array, j: number) => data[j * 3];
  for (const j of [0, 1, 100, 149, 150, 298]) {
    // TF1: source x = j · 2/299; lerp between pixel 0 (value 0) and pixel 1 (value 1), clamped.
    const tfValue = Math.min(j * 2 / 299, 1) * 255;
    assert.ok(Math.abs(at(tfInput, j) - (tfValue - 128) / 128) < 1e-5, `tf column ${j}`);
    // Half-pixel: source x = (j + 0.5) · 2/299 − 0.5, clamped to [0, 1].
    const ptValue = Math.min(Math.max((j + 0.5) * 2 / 299 - 0.5, 0), 1);
    assert.ok(Math.abs(at(ptInput, j) - (2 * ptValue - 1)) < 1e-5, `pytorch-fid column ${j}`);
    for (let c = 1; c < 3; c++) assert.equal(tfInput[j * 3 + c], at(tfInput, j), "grey repeated");
  }
  // At 299x299 nothing is resized: only the scaling applies.
  const full = tf.fill([1, 299, 299, 3], 0.5) as tf.Tensor4D;
  assert.equal((await inceptionInput(full, "tf").data())[0], (127.5 - 128) / 128);
  assert.equal((await inceptionInput(full, "pytorch-fid").data())[0], 0);
  tf.dispose([image, full]);
});

/** Writes a converted-model folder holding `tensors` (name → values) under a fresh temp dir. */
async function writeFolder(
  tensors: Record<string, { shape: number[]; values?: Float32Array }>,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir();
  const parts = Object.entries(tensors).map(([name, { shape, values }]) => ({
    name,
    shape,
    values: values ?? new Float32Array(shape.reduce((a, b) => a * b, 1)),
  }));
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.values.byteLength, 0));
  parts.reduce((offset, p) => {
    bytes.set(new Uint8Array(p.values.buffer), offset);
    return offset + p.values.byteLength;
  }, 0);
  await Deno.writeFile(join(dir, "weights.bin"), bytes);
  await Deno.writeTextFile(
    join(dir, "model.json"),
    JSON.stringify({
      format: INCEPTION_FID_FORMAT,
      formatVersion: 1,
      source: { file: "x.pth", sha256: "0".repeat(64), bytes: 1 },
      weightsSha256: createHash("sha256").update(bytes).digest("hex"),
      weightsManifest: [{
        paths: ["weights.bin"],
        weights: parts.map((p) => ({ name: p.name, shape: p.shape, dtype: "float32" })),
      }],
      ...overrides,
    }),
  );
  return dir;
}

async function refusal(dir: string): Promise<string> {
  const error = await loadInceptionFid(dir).then(() => undefined, (e) => e);
  assert.ok(error instanceof InceptionFidError, `refused with a user error: ${error}`);
  assert.ok(!error.message.includes("\n"), "one line");
  return error.message;
}

Deno.test("loadInceptionFid refuses a folder that is missing, of another format, corrupt or incomplete, naming the problem", async () => {
  const empty = await Deno.makeTempDir();
  assert.match(
    await refusal(empty),
    /Cannot read FID Inception model '.*model\.json': no such file \(convert/,
  );
  const shape = expectedWeights().get("fc.bias")!;
  assert.match(
    await refusal(await writeFolder({ "fc.bias": { shape } }, { format: "layers-model" })),
    /format must be 'ganbench-inception-fid' version 1 .*got 'layers-model'/,
  );
  assert.match(
    await refusal(await writeFolder({ "fc.bias": { shape } }, { weightsSha256: "ab" })),
    /weights in '.*' are corrupt: sha256 [0-9a-f]{64}, model\.json says ab/,
  );
  assert.match(
    await refusal(await writeFolder({ "fc.bias": { shape: [7] } })),
    /tensor 'fc\.bias' must be float32 of shape \[1008\], got float32 \[7\]/,
  );
  assert.match(
    await refusal(await writeFolder({ "Mixed_8z.kernel": { shape: [1] } })),
    /holds an unknown tensor 'Mixed_8z\.kernel'/,
  );
  assert.match(
    await refusal(await writeFolder({ "fc.bias": { shape } })),
    /lacks 189 tensor\(s\) of the network, e\.g\. 'Conv2d_1a_3x3\.kernel'/,
  );
});

Deno.test("the network's table has pytorch-fid's 94 convolutions and a 2048 → 1008 output layer", () => {
  const weights = expectedWeights();
  assert.equal(weights.size, 94 * 2 + 2);
  assert.deepEqual(weights.get("Conv2d_1a_3x3.kernel"), [3, 3, 3, 32]);
  assert.deepEqual(weights.get("Mixed_6b.branch7x7_2.kernel"), [1, 7, 128, 128]);
  assert.deepEqual(weights.get("Mixed_7c.branch_pool.kernel"), [1, 1, 2048, 192]);
  assert.deepEqual(weights.get("fc.kernel"), [POOL3_DIM, LOGIT_CLASSES]);
});

const python = pythonWithTorch();
if (!python.ok) {
  console.warn(
    `note: FID Inception parity with PyTorch skipped (${python.reason}); apt-get install python3-torch python3-torchvision to run it`,
  );
}

/** Largest |a − b| over the largest |b|, the float32 parity measure. */
function relativeError(a: ArrayLike<number>, b: number[]): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/**
 * float32 parity, as the largest |difference| over the largest |value| of an output. Both sides
 * compute in float32 (unit roundoff u = 2^−24 ≈ 6e-8) in different summation orders, through 94
 * convolutions of up to 2,048 · 9 terms each, so a difference of tens of u is rounding, not a
 * bug. Measured on wasm with this script's random weights (printed by the test): 3.7e-7 to 7.1e-7
 * (about 6-12 u) for the 32x32, 45x20, 299x299 (no resize) and grey 28x28 inputs, and up to
 * 1.8e-6 (about 30 u) for the 400x350 input downsampled to 299x299, where the resize itself adds
 * rounding. 1e-5 (about 170 u) leaves 5 times the largest; a wrong resize or layer is off by
 * more than 10 times that (asserted below). Other weights scale the activations, so another
 * check can measure more (an independent one measured up to 7e-4 on a downsampled set).
 */
const TOLERANCE = 1e-5;

Deno.test({
  name:
    "ganbench's FID Inception gives PyTorch's pool3 features and logits, resize included, for weights converted by convert_inception.py",
  ignore: !python.ok,
  async fn() {
    const dir = await Deno.makeTempDir();
    const run = await new Deno.Command(python.ok ? python.python : "python3", {
      args: [join(ROOT, "testing/inception_parity.py"), dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    const reference = JSON.parse(await Deno.readTextFile(join(dir, "reference.json")));
    const model = await loadInceptionFid(join(dir, "model"));
    const measured: string[] = [];
    assert.equal(model.source.published, false, "random weights are not the published file");
    for (const entry of reference.images) {
      const [n, height, width, channels] = entry.shape;
      const images = { data: Float32Array.from(entry.data), n, height, width, channels };
      const outputs: Partial<
        Record<InceptionProtocol, Awaited<ReturnType<typeof inceptionFidFeatures>>>
      > = {};
      for (const protocol of ["tf", "pytorch-fid"] as const) {
        const out = await inceptionFidFeatures(model, images, { protocol, batchSize: 2 });
        outputs[protocol] = out;
        const label = `${protocol}, ${entry.shape.join("x")}`;
        assert.equal(out.features.d, POOL3_DIM);
        const errors = [
          relativeError(out.features.data, entry[protocol].pool3),
          relativeError(out.logits!.data, entry[protocol].logits),
        ];
        measured.push(`${label}: ${errors.map((e) => e.toExponential(1)).join(", ")}`);
        assert.ok(errors.every((e) => e < TOLERANCE), `${label}: ${errors.join(", ")}`);
        // The probabilities are the softmax of the logits without the output layer's bias.
        const sum = Array.from(out.probabilities!.data.subarray(0, LOGIT_CLASSES))
          .reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5);
      }
      // The comparison can fail: where images are resized, the two resizes differ by far more
      // than the tolerance (at 299x299 only the scaling to [−1, 1] differs).
      if (height !== 299 || width !== 299) {
        assert.ok(
          relativeError(outputs.tf!.features.data, entry["pytorch-fid"].pool3) > 10 * TOLERANCE,
        );
      }
    }
    console.log(`largest |difference| / largest |value| per input: ${measured.join("; ")}`);
    assert.deepEqual(
      reference.images.map((e: { shape: number[] }) => e.shape.join("x")),
      ["2x32x32x3", "1x45x20x3", "1x299x299x3", "1x400x350x3", "2x28x28x1"],
      "the inputs: CIFAR-sized, non-square, no resize, downsampled, grey",
    );
    // The score command takes the folder: an Inception Score over 1008 classes, and the FID
    // statistics of pool3 (2048-d) written as pytorch-fid's .npz. (Its FID, a 2048 x 2048
    // eigendecomposition, takes tens of seconds: the suites' test covers FID.) It runs through
    // main() in this process, which reuses the network loaded above instead of starting Deno and
    // reading the 95 MB of weights again.
    const rng = new Rng(11);
    // Two images in one split: the fewest that give an Inception Score other than 1.
    const pixels = Uint8Array.from(rng.uniforms(2 * 32 * 32 * 3, 0, 256), Math.floor);
    await Deno.writeFile(join(dir, "a.npy"), new Uint8Array(dump(pixels, [2, 32, 32, 3])));
    /** `score` of a.npy through the converted network: its Inception Score, one split. */
    const scoreIs = (...options: string[]) =>
      runMain(
        "score",
        join(dir, "a.npy"),
        "--features",
        `inception-fid=${join(dir, "model")}`,
        "--metrics",
        "is",
        "--is-splits",
        "1",
        ...options,
        "--json",
      );
    const scored = await scoreIs("--save-stats", join(dir, "a.npz"));
    assert.equal(scored.code, 0, scored.stderr);
    const output = JSON.parse(scored.stdout);
    assert.equal(output.feature_label, "inception");
    assert.equal(output.fid_resize, "tf1", "every FID Inception result says which resize it used");
    const resized = await scoreIs("--fid-resize", "pytorch-fid");
    assert.equal(resized.code, 0, resized.stderr);
    const other = JSON.parse(resized.stdout);
    assert.deepEqual([other.fid_resize, other.feature_label], ["pytorch-fid", "inception-ptfid"]);
    assert.notEqual(other.is.mean, output.is.mean, "the resize changes the figures");
    assert.ok(output.is.mean >= 1 && output.is.mean <= LOGIT_CLASSES);
    const { mu, sigma } = await readNpz(join(dir, "a.npz"));
    assert.deepEqual([mu.shape, sigma.shape], [[POOL3_DIM], [POOL3_DIM, POOL3_DIM]]);
    // The converter refuses a file that is not the published one unless told to.
    const refused = await new Deno.Command(python.ok ? python.python : "python3", {
      args: [
        join(ROOT, "scripts/convert_inception.py"),
        join(dir, "pt_inception-random.pth"),
        join(dir, "again"),
      ],
      stderr: "piped",
    }).output();
    const message = new TextDecoder().decode(refused.stderr).trim();
    assert.equal(refused.code, 1);
    assert.match(
      message,
      /^convert_inception\.py: '.*pt_inception-random\.pth' is not pt_inception-2015-12-05-6726825d\.pth: sha256 [0-9a-f]{64} \(\d+ bytes\), expected 6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2 \(95628359 bytes\)/,
    );
    assert.equal(message.split("\n").length, 1);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("--fid-resize picks the FID Inception's resize, and its figures carry their own label", () => {
  const tf1 = resolveExtractor("inception-fid=/nowhere");
  const pt = resolveExtractor("inception-fid=/nowhere", { fidResize: "pytorch-fid" });
  assert.deepEqual([tf1.resize, tf1.label], ["tf1", "inception"]);
  assert.deepEqual([pt.resize, pt.label], ["pytorch-fid", "inception-ptfid"]);
  assert.equal(
    resolveExtractor("inception-fid", { fidResize: "pytorch-fid" }).label,
    "inception-ptfid",
  );
  assert.match(pt.description, /pytorch-fid's half-pixel bilinear resize/);
  assert.equal(resolveExtractor("mnist", { fidResize: "pytorch-fid" }).resize, undefined);
});
