import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  productTestName,
  TEST_PRODUCTS,
  type TestProduct,
  TestRng,
  useBackend,
} from "./_testing.ts";

/** The product the wasm backend runs in the current test ({@linkcode productTest}). */
let current: TestProduct = TEST_PRODUCTS[0];

/** Registers `fn` once per product (the wasm kernels, the system BLAS), each its own test. */
function productTest(name: string, fn: () => Promise<void>): void {
  for (const product of TEST_PRODUCTS) {
    Deno.test({
      name: productTestName(name, product),
      ignore: product.skip !== undefined,
      async fn() {
        current = product;
        await fn();
      },
    });
  }
}

/** Runs `compute` on the cpu and the wasm backend from the same inputs; returns both outputs. */
async function onBothBackends(
  compute: () => tf.Tensor[],
): Promise<[Float32Array[], Float32Array[]]> {
  const results: Float32Array[][] = [];
  for (const backend of ["cpu", "wasm"] as const) {
    await useBackend(backend, current.product);
    const before = tf.memory().numTensors;
    const outputs = tf.tidy(compute);
    results.push(outputs.map((t) => t.dataSync() as Float32Array));
    tf.dispose(outputs);
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  }
  return [results[0], results[1]];
}

function assertClose(expected: Float32Array[], actual: Float32Array[], what: string) {
  expected.forEach((e, i) => {
    const a = actual[i];
    assert.equal(a.length, e.length, `${what}: output ${i} size`);
    const scale = Math.max(1, ...e.map(Math.abs));
    for (let j = 0; j < e.length; j++) {
      assert.ok(
        Math.abs(a[j] - e[j]) <= 1e-4 * scale,
        `${what}: output ${i}[${j}] ${a[j]} vs ${e[j]}`,
      );
    }
  });
}

const random = (rng: TestRng, shape: number[]) =>
  tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);

type Padding = "same" | "valid" | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

productTest("wasm conv2d gradients (filter and input) match the cpu backend", async () => {
  const rng = new TestRng(42);
  const paddings: Padding[] = ["same", "valid", [[0, 0], [1, 2], [2, 0], [0, 0]]];
  for (let trial = 0; trial < 12; trial++) {
    const stride = 1 + rng.int(2);
    const k = 1 + rng.int(5);
    const size = k + 2 + rng.int(9);
    const batch = 1 + rng.int(4);
    const inC = 1 + rng.int(5);
    const outC = 1 + rng.int(6);
    const pad = paddings[trial % paddings.length];
    const x = rng.normals(batch * size * size * inC);
    const w = rng.normals(k * k * inC * outC);
    const what = `x [${batch},${size},${size},${inC}] k ${k} stride ${stride} pad ${
      JSON.stringify(pad)
    } out ${outC}`;
    const [cpu, wasm] = await onBothBackends(() => {
      const xt = tf.tensor4d(x, [batch, size, size, inC]);
      const wt = tf.tensor4d(w, [k, k, inC, outC]);
      const f = (...[a, b]: tf.Tensor[]) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
      const [dx, dw] = tf.grads(f)([xt, wt]);
      return [tf.conv2d(xt, wt, stride, pad), dx, dw];
    });
    assertClose(cpu, wasm, what);
  }
});

/** One conv2dTranspose case: its output and both gradients on cpu and wasm must agree. */
async function assertTransposeParity(
  rng: TestRng,
  [batch, inSize, inC]: [number, number, number],
  [k, stride, outC]: [number, number, number],
  pad: "same" | "valid",
) {
  const outSize = pad === "same" ? inSize * stride : (inSize - 1) * stride + k;
  const x = rng.normals(batch * inSize * inSize * inC);
  const w = rng.normals(k * k * outC * inC);
  const [cpu, wasm] = await onBothBackends(() => {
    const xt = tf.tensor4d(x, [batch, inSize, inSize, inC]);
    const wt = tf.tensor4d(w, [k, k, outC, inC]);
    const shape: [number, number, number, number] = [batch, outSize, outSize, outC];
    const f = (...[a, b]: tf.Tensor[]) =>
      tf.sum(
        tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, stride, pad)),
      );
    return [tf.conv2dTranspose(xt, wt, shape, stride, pad), ...tf.grads(f)([xt, wt])];
  });
  assertClose(
    cpu,
    wasm,
    `x [${batch},${inSize},${inSize},${inC}] k ${k} stride ${stride} ${pad} out ${outC}`,
  );
}

productTest("wasm conv2dTranspose and its gradients match the cpu backend", async () => {
  const rng = new TestRng(7);
  for (let trial = 0; trial < 8; trial++) {
    const stride = 1 + rng.int(2);
    const k = 2 + rng.int(4);
    const inSize = 2 + rng.int(6);
    const input: [number, number, number] = [1 + rng.int(3), inSize, 1 + rng.int(6)];
    const outC = 1 + rng.int(4);
    await assertTransposeParity(rng, input, [k, stride, outC], trial % 2 ? "same" : "valid");
  }
});

productTest(
  "wasm matMul with transposed operands, and its gradients, match the cpu backend",
  async () => {
    const rng = new TestRng(3);
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      const [m, k, n] = [3 + rng.int(40), 2 + rng.int(30), 1 + rng.int(20)];
      const a = rng.normals(m * k);
      const b = rng.normals(k * n);
      const [cpu, wasm] = await onBothBackends(() => {
        const at = tf.tensor2d(a, transposeA ? [k, m] : [m, k]);
        const bt = tf.tensor2d(b, transposeB ? [n, k] : [k, n]);
        const f = (...[x, y]: tf.Tensor[]) =>
          tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, transposeA, transposeB)));
        return [tf.matMul(at, bt, transposeA, transposeB), ...tf.grads(f)([at, bt])];
      });
      assertClose(cpu, wasm, `transposeA ${transposeA} transposeB ${transposeB}`);
    }
    const [cpu, wasm] = await onBothBackends(() => {
      const x = random(new TestRng(9), [2, 5, 4]);
      const y = random(new TestRng(10), [2, 6, 4]);
      return [tf.matMul(x, y, false, true)];
    });
    assertClose(cpu, wasm, "batched, transposeB");
  },
);

productTest("wasm strided conv2dTranspose (sub-pixel phases) matches the cpu backend", async () => {
  const rng = new TestRng(11);
  // [kernel, stride, input size, padding]: the DCGAN layers (4, 2, same), odd kernels whose
  // phases take different numbers of taps, stride 3, a 1x1 kernel that leaves phases untouched
  // (the upsampling fallback), and explicit paddings.
  const cases: [number, number, number, "same" | "valid"][] = [
    [4, 2, 7, "same"],
    [4, 2, 14, "same"],
    [3, 2, 5, "same"],
    [5, 2, 4, "same"],
    [5, 3, 3, "same"],
    [2, 2, 3, "same"],
    [1, 2, 4, "same"],
    [4, 2, 3, "valid"],
    [6, 3, 2, "valid"],
  ];
  for (const [k, stride, inSize, pad] of cases) {
    await assertTransposeParity(rng, [2, inSize, 3], [k, stride, 2], pad);
  }
});

Deno.test("wasm clone shares data: values survive the original, memory is freed with the last", async () => {
  await useBackend("wasm");
  const backend = tf.backend();
  const dataIds = backend.numDataIds();
  const original = tf.tensor1d([1, 2, 3]);
  const copy = tf.clone(original);
  assert.equal(backend.numDataIds(), dataIds + 1, "a clone must not allocate");
  original.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3]);
  const [initial, next] = [tf.tensor1d([4, 5]), tf.tensor1d([6, 7])];
  const variable = tf.variable(initial);
  const snapshot = tf.clone(variable);
  variable.assign(next);
  assert.deepEqual(Array.from(snapshot.dataSync()), [4, 5], "assign must not reach a clone");
  tf.dispose([copy, variable, snapshot, initial, next]);
  assert.equal(backend.numDataIds(), dataIds, "data leaked");
});

productTest(
  "wasm sums and means over leading axes, splits and concatenations match the cpu backend",
  async () => {
    const rng = new TestRng(13);
    const x = rng.normals(3 * 5 * 4 * 7);
    const ints = Int32Array.from({ length: 6 * 5 }, () => rng.int(100) - 50);
    const [cpu, wasm] = await onBothBackends(() => {
      const t = tf.tensor4d(x, [3, 5, 4, 7]);
      const reductions = [[0], [0, 1], [0, 1, 2], [1], [2, 3], [0, 2]].flatMap((axes) => [
        tf.sum(t, axes),
        tf.mean(t, axes, true),
      ]);
      const pieces = [
        ...tf.split(t, [1, 3, 1], 1),
        ...tf.split(tf.reshape(t, [-1]), [100, 0, 320]),
        ...tf.split(t, 7, 3),
      ];
      const intPieces = tf.split(tf.tensor2d(ints, [6, 5], "int32"), [2, 3], 1).map((p) =>
        tf.cast(p, "float32")
      );
      const joined = [0, 1, 2, 3].map((axis) =>
        tf.concat([
          t,
          tf.mul(t, 2),
          tf.slice(t, [0, 0, 0, 0], axis === 0 ? [1, 5, 4, 7] : [3, 5, 4, 7]),
        ], axis)
      );
      const ragged = tf.concat([tf.reshape(t, [60, 7]), tf.zeros([60, 0]), tf.ones([60, 3])], 1);
      const intJoined = tf.cast(
        tf.concat([tf.tensor2d(ints, [6, 5], "int32"), tf.tensor2d(ints, [6, 5], "int32")], 0),
        "float32",
      );
      return [...reductions, ...pieces, ...intPieces, ...joined, ragged, intJoined];
    });
    assertClose(cpu, wasm, "reductions, splits and concatenations");
  },
);

productTest(
  "wasm fused convolutions and products (bias; every activation) match the cpu backend",
  async () => {
    const rng = new TestRng(19);
    const x = rng.normals(2 * 9 * 9 * 3), w = rng.normals(3 * 3 * 3 * 6), bias = rng.normals(6);
    const a = rng.normals(7 * 5), b = rng.normals(5 * 6);
    const activations = [
      "linear",
      "relu",
      "leakyrelu",
      "prelu",
      "elu",
      "relu6",
      "sigmoid",
    ] as const;
    const [cpu, wasm] = await onBothBackends(() => {
      const xt = tf.tensor4d(x, [2, 9, 9, 3]), wt = tf.tensor4d(w, [3, 3, 3, 6]);
      const biasT = tf.tensor1d(bias), slopes = tf.fill([6], 0.3);
      return activations.flatMap((activation) => {
        const prelu = activation === "prelu" ? { preluActivationWeights: slopes } : {};
        return [
          tf.fused.conv2d({
            x: xt,
            filter: wt,
            strides: 2,
            pad: "same",
            bias: biasT,
            activation,
            ...prelu,
            leakyreluAlpha: 0.1,
          }),
          tf.fused.conv2d({
            x: xt,
            filter: wt,
            strides: 1,
            pad: "valid",
            activation,
            ...prelu,
            leakyreluAlpha: 0.3,
          }),
          tf.fused.matMul({
            a: tf.tensor2d(a, [7, 5]),
            b: tf.tensor2d(b, [5, 6]),
            bias: biasT,
            activation,
            ...prelu,
          }),
          tf.fused.matMul({
            a: tf.tensor2d(a, [5, 7]),
            b: tf.tensor2d(b, [6, 5]),
            transposeA: true,
            transposeB: true,
            bias: biasT,
            activation,
            ...prelu,
          }),
        ];
      });
    });
    assertClose(cpu, wasm, "fused kernels");
  },
);
