/**
 * WebGPU parity of every kernel ganbench registers or relies on for training, against the cpu
 * backend: the kernels whose wasm versions ganbench replaces (products, convolutions and both
 * their gradients, the fused products, LeakyReLU, leading-axis reductions, splits, copies), the
 * fused training ops (composed from tfjs ops on webgpu, which has no kernel of ganbench's), and
 * the `AddN` that ganbench registers on webgpu. A conformance test checks that every kernel
 * ganbench registers, on wasm or on webgpu, has a case here.
 *
 * They run on whatever adapter `--backend webgpu` takes, software ones included (lavapipe in CI,
 * from Debian's mesa-vulkan-drivers); where none can be created they are skipped with a note.
 * About 20 s on lavapipe (most of it compiling shaders).
 *
 * Tolerance: |webgpu − cpu| ≤ 1e-4 · max(1, max |cpu|) per output. Both sides are float32; the
 * shaders add in another order, and WGSL's exp/log/tanh are accurate to a few float32 ulps rather
 * than correctly rounded.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import {
  activationGrad,
  batchedDenseLayer,
  batchNormInference,
  batchNormTraining,
  type DenseActivation,
  denseLayer,
  maxoutPieces,
  registerWasmFusedKernels,
  registerWasmTrainingKernels,
} from "@ganbench/wasm-kernels";
import { flatAdam, flatRmsprop, type Optimizer } from "../train/optimizers.ts";
import { WEBGPU_AVAILABLE, WEBGPU_SKIP_NOTE as skipNote } from "../../testing/webgpu.ts";
import { initBackend } from "./backend.ts";
import { Rng } from "./rng.ts";

/** Kernel configs by name, to tell which ones a registration call replaced or added. */
function kernelConfigs(backend: string): Map<string, tf.KernelConfig> {
  return new Map(tf.getKernelsForBackend(backend).map((config) => [config.kernelName, config]));
}

/** Names whose config `after` has and `before` lacks or had as another object. */
function registeredBetween(
  before: Map<string, tf.KernelConfig>,
  after: Map<string, tf.KernelConfig>,
): string[] {
  return [...after].filter(([name, config]) => before.get(name) !== config).map(([name]) => name);
}

// What ganbench registers on wasm: the stock kernels are registered on import; ganbench's
// registrations replace some and add others (the same calls initBackend("wasm") makes).
const wasmStock = kernelConfigs("wasm");
registerWasmTrainingKernels();
registerWasmFusedKernels();
const wasmRegistered = registeredBetween(wasmStock, kernelConfigs("wasm"));

// What ganbench registers on webgpu: initBackend("webgpu") after the stock kernels.
let webgpuRegistered: string[] = [];
if (WEBGPU_AVAILABLE) {
  await import("@tensorflow/tfjs-backend-webgpu");
  const webgpuStock = kernelConfigs("webgpu");
  await initBackend("webgpu");
  webgpuRegistered = registeredBetween(webgpuStock, kernelConfigs("webgpu"));
}

/** One parity case: the kernels it covers and the outputs to compare (computed inside a tidy). */
interface ParityCase {
  name: string;
  kernels: string[];
  compute(rng: Rng): tf.Tensor[];
}

const tensor = (rng: Rng, shape: number[]) =>
  tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);

/** The outputs of `compute` on one backend, from the same seeded inputs; checks for leaks. */
async function outputsOn(backend: "cpu" | "webgpu", parity: ParityCase): Promise<Float32Array[]> {
  await initBackend(backend);
  // The webgpu backend runs small ops whose inputs are still in host memory on the CPU (tfjs'
  // CPU forwarding): every input here is, so without this the shaders would not run at all.
  if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(() => parity.compute(new Rng(17)));
  const values = await Promise.all(outputs.map((t) => t.data()));
  tf.dispose(outputs);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return values.map((v) => Float32Array.from(v));
}

async function assertParity(parity: ParityCase) {
  const cpu = await outputsOn("cpu", parity);
  const gpu = await outputsOn("webgpu", parity);
  assert.equal(gpu.length, cpu.length);
  cpu.forEach((expected, i) => {
    const actual = gpu[i];
    assert.equal(actual.length, expected.length, `output ${i}: size`);
    const scale = Math.max(1, ...expected.map(Math.abs));
    for (let j = 0; j < expected.length; j++) {
      assert.ok(
        Math.abs(actual[j] - expected[j]) <= 1e-4 * scale,
        `output ${i}[${j}]: webgpu ${actual[j]}, cpu ${expected[j]}`,
      );
    }
  });
}

type Padding = "same" | "valid" | [[number, number], [number, number], [number, number], [
  number,
  number,
]];

/** The outputs and both gradients of sum(f(a, b)²), for a binary op f. */
function withGradients(
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
): tf.Tensor[] {
  const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(f(x, y)));
  return [f(a, b), ...tf.grads(loss)([a, b])];
}

/** Flat-optimiser steps on two weight tensors; returns the weights after each step. */
function optimiserSteps(rng: Rng, make: () => Optimizer): tf.Tensor[] {
  const weights = [tf.variable(tensor(rng, [5, 3])), tf.variable(tensor(rng, [3]))];
  const optimizer = make();
  const out: tf.Tensor[] = [];
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(weights.map((w) => [w.name, tensor(rng, w.shape)]));
    optimizer.applyGradients(grads);
    out.push(...weights.map((w) => tf.clone(w)));
  }
  optimizer.dispose();
  tf.dispose(weights);
  return out;
}

const DENSE_ACTIVATIONS: DenseActivation[] = ["linear", "relu", "leakyrelu", "tanh"];

const CASES: ParityCase[] = [
  {
    name: "conv2d and both its gradients (filter and input)",
    kernels: ["Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"],
    compute(rng) {
      // The DCGAN discriminator's layers (4x4, stride 2, same), odd kernels, explicit padding.
      const cases: [number[], number[], number, Padding][] = [
        [[2, 14, 14, 3], [4, 4, 3, 5], 2, "same"],
        [[3, 9, 9, 2], [3, 3, 2, 4], 1, "valid"],
        [[1, 8, 7, 3], [5, 5, 3, 2], 2, [[0, 0], [1, 2], [2, 0], [0, 0]]],
      ];
      return cases.flatMap(([xShape, wShape, stride, pad]) =>
        withGradients(
          (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
          tensor(rng, xShape),
          tensor(rng, wShape),
        )
      );
    },
  },
  {
    name: "conv2dTranspose (the generator's upsampling) and its gradients",
    kernels: ["Conv2DBackpropInput", "Conv2D", "Conv2DBackpropFilter"],
    compute(rng) {
      const cases: [number[], number[], number[], "same" | "valid"][] = [
        [[2, 7, 7, 6], [4, 4, 3, 6], [2, 14, 14, 3], "same"],
        [[2, 14, 14, 3], [4, 4, 1, 3], [2, 28, 28, 1], "same"],
        [[1, 3, 3, 2], [4, 4, 2, 2], [1, 8, 8, 2], "valid"],
      ];
      return cases.flatMap(([xShape, wShape, outShape, pad]) =>
        withGradients(
          (x, w) =>
            tf.conv2dTranspose(
              x as tf.Tensor4D,
              w as tf.Tensor4D,
              outShape as [number, number, number, number],
              2,
              pad,
            ),
          tensor(rng, xShape),
          tensor(rng, wShape),
        )
      );
    },
  },
  {
    name: "matMul with every transposition, batched, and its gradients",
    kernels: ["BatchMatMul"],
    compute(rng) {
      const out = [[false, false], [true, false], [false, true], [true, true]].flatMap(
        ([transposeA, transposeB]) => {
          const [m, k, n] = [37, 19, 11];
          return withGradients(
            (a, b) => tf.matMul(a, b, transposeA, transposeB),
            tensor(rng, transposeA ? [k, m] : [m, k]),
            tensor(rng, transposeB ? [n, k] : [k, n]),
          );
        },
      );
      out.push(tf.matMul(tensor(rng, [2, 5, 4]), tensor(rng, [2, 6, 4]), false, true));
      return out;
    },
  },
  {
    name: "fused conv2d and matMul with a bias and every activation",
    kernels: ["FusedConv2D", "_FusedMatMul"],
    compute(rng) {
      const x = tensor(rng, [2, 9, 9, 3]) as tf.Tensor4D, w = tensor(rng, [3, 3, 3, 6]);
      const bias = tensor(rng, [6]), slopes = tf.fill([6], 0.3);
      const a = tensor(rng, [7, 5]) as tf.Tensor2D, b = tensor(rng, [5, 6]) as tf.Tensor2D;
      const activations = [
        "linear",
        "relu",
        "leakyrelu",
        "prelu",
        "elu",
        "relu6",
        "sigmoid",
      ] as const;
      const out = activations.flatMap((activation) => {
        const prelu = activation === "prelu" ? { preluActivationWeights: slopes } : {};
        return [
          tf.fused.conv2d({
            x,
            filter: w as tf.Tensor4D,
            strides: 2,
            pad: "same",
            bias,
            activation,
            ...prelu,
            leakyreluAlpha: 0.1,
          }),
          tf.fused.matMul({ a, b, bias, activation, ...prelu, leakyreluAlpha: 0.3 }),
          tf.fused.matMul({
            a: tf.transpose(a),
            b: tf.transpose(b),
            transposeA: true,
            transposeB: true,
            bias,
            activation,
            ...prelu,
          }),
        ];
      });
      // The fused ops' own gradients (tfjs defines them for linear and relu).
      const fusedLoss = (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias, activation: "relu" }),
          ),
        );
      out.push(...tf.grads(fusedLoss)([a, b]));
      return out;
    },
  },
  {
    name: "leakyRelu, ganbench's gradient of it, and that gradient's own gradient",
    kernels: ["LeakyRelu"],
    compute(rng) {
      const x = tensor(rng, [6, 33]);
      const f = (t: tf.Tensor) => tf.sum(tf.square(tf.leakyRelu(t, 0.2)));
      // A gradient penalty differentiates D's gradient again.
      const penalty = (t: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(t)));
      return [tf.leakyRelu(x, 0.2), tf.grad(f)(x), tf.grad(penalty)(x)];
    },
  },
  {
    name: "sums and means over leading and other axes",
    kernels: ["Sum", "Mean"],
    compute(rng) {
      const t = tensor(rng, [3, 5, 4, 7]);
      return [[0], [0, 1], [0, 1, 2], [1], [2, 3], [0, 2]].flatMap((axes) => [
        tf.sum(t, axes),
        tf.mean(t, axes, true),
      ]);
    },
  },
  {
    name: "splits and concatenations (float32 and int32)",
    kernels: ["SplitV", "Concat"],
    compute(rng) {
      const t = tensor(rng, [3, 5, 4, 7]);
      const ints = tf.tensor2d(Int32Array.from({ length: 30 }, () => rng.int(100) - 50), [6, 5]);
      return [
        ...tf.split(t, [1, 3, 1], 1),
        ...tf.split(tf.reshape(t, [-1]), [100, 0, 320]),
        ...tf.split(t, 7, 3),
        ...tf.split(ints, [2, 3], 1).map((p) => tf.cast(p, "float32")),
        ...[0, 1, 2, 3].map((axis) => tf.concat([t, tf.mul(t, 2)], axis)),
        // More pieces than a shader binds storage buffers (8 by default).
        tf.concat(Array.from({ length: 11 }, (_, i) => tf.add(t, i)), 3),
        tf.cast(tf.concat([ints, ints], 0), "float32"),
      ];
    },
  },
  {
    name: "copies: clone, same-dtype and other casts, a clone kept across an assign",
    kernels: ["Identity", "Cast"],
    compute(rng) {
      const x = tensor(rng, [4, 6]);
      const variable = tf.variable(tf.clone(x));
      const snapshot = tf.clone(variable);
      variable.assign(tf.mul(x, 3));
      const out = [
        tf.clone(x),
        tf.cast(x, "float32"),
        tf.cast(tf.cast(tf.mul(x, 10), "int32"), "float32"),
        tf.cast(tf.cast(x, "bool"), "float32"),
        snapshot,
        tf.clone(variable),
      ];
      variable.dispose();
      return out;
    },
  },
  {
    name:
      "the fused dense layer and activation derivative, composed: values, gradients, and the gradients' gradients",
    kernels: ["GanbenchDense", "GanbenchActivationGrad"],
    compute(rng) {
      const x = tensor(rng, [16, 9]), w = tensor(rng, [9, 12]), b = tensor(rng, [12]);
      return DENSE_ACTIVATIONS.flatMap((activation) => {
        const layer = (...[xt, wt, bt]: tf.Tensor[]) =>
          denseLayer(xt as tf.Tensor2D, wt as tf.Tensor2D, bt as tf.Tensor1D, activation, 0.2);
        const loss = (...inputs: tf.Tensor[]) => tf.sum(tf.square(layer(...inputs)));
        // A penalty on the input gradient's norm: the second derivative of the layer.
        const penalty = (...inputs: tf.Tensor[]) =>
          tf.sum(tf.square(tf.grads(loss)([inputs[0], w, b])[0]));
        const y = layer(x, w, b);
        return [
          y,
          ...tf.grads(loss)([x, w, b]),
          ...tf.grads(penalty)([x]),
          ...(activation === "linear" ? [] : [activationGrad(tf.onesLike(y), y, activation, 0.2)]),
        ];
      });
    },
  },
  {
    name: "Adam and RMSprop over flat weights, composed: three steps",
    kernels: ["GanbenchAdam", "GanbenchRmsprop"],
    compute(rng) {
      return [
        ...optimiserSteps(rng, () => flatAdam(1e-2, 0.5, 0.999)),
        ...optimiserSteps(rng, () => flatRmsprop(1e-2)),
      ];
    },
  },
  {
    name: "the maxout over pieces, composed: values and gradients",
    kernels: ["GanbenchMaxout", "GanbenchMaxoutGrad"],
    compute(rng) {
      // Composed on webgpu and cpu (chained maximums), which have no second derivative: the
      // maxout's own kernels, which do, run on wasm alone.
      const x = tensor(rng, [16, 15]) as tf.Tensor2D;
      return [3, 5].flatMap((pieces) => {
        const loss = (xt: tf.Tensor) => tf.sum(tf.square(maxoutPieces(xt as tf.Tensor2D, pieces)));
        return [maxoutPieces(x, pieces), tf.grad(loss)(x)];
      });
    },
  },
  {
    name: "the dense layer over a leading seed axis (lockstep), composed: values and gradients",
    kernels: ["GanbenchBatchedDense"],
    compute(rng) {
      const [x, w] = [tensor(rng, [3, 6, 5]), tensor(rng, [3, 5, 4])] as tf.Tensor3D[];
      const b = tensor(rng, [3, 4]) as tf.Tensor2D;
      return (["linear", "relu", "leakyrelu", "tanh"] as DenseActivation[]).flatMap(
        (activation) => {
          const loss = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) =>
            tf.sum(tf.square(
              batchedDenseLayer(
                xt as tf.Tensor3D,
                wt as tf.Tensor3D,
                bt as tf.Tensor2D,
                activation,
              ),
            ));
          return [batchedDenseLayer(x, w, b, activation), ...tf.grads(loss)([x, w, b])];
        },
      );
    },
  },
  {
    name: "batch norm with running sums and the inference map, composed: values and gradients",
    kernels: ["GanbenchBatchNorm", "GanbenchBatchNormGrad", "GanbenchBatchNormInference"],
    compute(rng) {
      const x = tensor(rng, [9, 7]) as tf.Tensor2D;
      const [scale, shift, mean, stdev] = [0, 1, 2, 3].map(() => tensor(rng, [7])) as tf.Tensor1D[];
      const sums = { mean, stdev: tf.abs(stdev) as tf.Tensor1D };
      return (["linear", "relu"] as const).flatMap((activation) => {
        const trained = batchNormTraining(x, { scale, shift }, sums, { epsilon: 1e-5, activation });
        const loss = (xt: tf.Tensor, st: tf.Tensor, ht: tf.Tensor) =>
          tf.sum(tf.square(
            batchNormTraining(
              xt as tf.Tensor2D,
              {
                scale: st as tf.Tensor1D,
                shift: ht as tf.Tensor1D,
              },
              sums,
              { epsilon: 1e-5, activation },
            ).y,
          ));
        return [
          trained.y,
          trained.sums.mean,
          trained.sums.stdev,
          ...tf.grads(loss)([x, scale, shift]),
          batchNormInference(x, { scale, shift }, sums, activation),
        ];
      });
    },
  },
  {
    name: "addN with more inputs than a shader binds storage buffers",
    kernels: ["AddN"],
    compute(rng) {
      return [1, 2, 7, 8, 9, 20].map((n) =>
        tf.addN(Array.from({ length: n }, () => tensor(rng, [3, 4])))
      );
    },
  },
];

Deno.test(`every kernel ganbench registers on wasm or webgpu has a webgpu parity case${skipNote}`, {
  ignore: !WEBGPU_AVAILABLE,
}, () => {
  const covered = new Set(CASES.flatMap((c) => c.kernels));
  assert.ok(wasmRegistered.includes("Conv2DBackpropFilter"), "the wasm registrations were seen");
  assert.deepEqual(webgpuRegistered, ["AddN"]);
  const missing = [...wasmRegistered, ...webgpuRegistered].filter((name) => !covered.has(name));
  assert.deepEqual(missing, [], "kernels without a webgpu parity case");
});

for (const parity of CASES) {
  Deno.test({
    name: `webgpu matches cpu: ${parity.name}${skipNote}`,
    ignore: !WEBGPU_AVAILABLE,
    fn: () => assertParity(parity),
  });
}
