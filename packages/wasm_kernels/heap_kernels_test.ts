import assert from "node:assert/strict";
import { type ConvGeometry, HeapKernels, type HeapProduct, type WasmHeap } from "./heap_kernels.ts";
import { relaxedSimdAvailable } from "./relaxed_simd.ts";
import { productTestName, TEST_PRODUCTS, TestRng } from "./_testing.ts";

/** A fresh memory with a bump allocator (nothing is freed: each test is small). */
function testHeap(): WasmHeap & {
  f32: () => Float32Array;
  put(values: ArrayLike<number>): number;
} {
  const memory = new WebAssembly.Memory({ initial: 16 });
  let top = 64;
  const malloc = (bytes: number) => {
    const pointer = top;
    top = (top + bytes + 15) & ~15;
    const needed = top - memory.buffer.byteLength;
    if (needed > 0) memory.grow(Math.ceil(needed / 65536));
    return pointer;
  };
  const f32 = () => new Float32Array(memory.buffer);
  return {
    memory,
    malloc,
    free() {},
    f32,
    put(values) {
      const pointer = malloc(4 * values.length);
      f32().set(values, pointer / 4);
      return pointer;
    },
  };
}

function assertClose(actual: Float32Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-5 * scale,
      `${what}: [${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

/** The products under test: the heap's kernels with separate and fused multiply-adds, a BLAS. */
const MATMUL_CASES = [
  { fused: false, label: "separate multiply-adds" },
  {
    fused: true,
    label: "fused multiply-adds",
    skip: relaxedSimdAvailable() ? undefined : "no FMA",
  },
  ...TEST_PRODUCTS.filter((p) => p.label !== TEST_PRODUCTS[0].label).map((p) => ({
    ...p,
    fused: false,
  })),
];

for (const testCase of MATMUL_CASES) {
  const { fused } = testCase;
  Deno.test({
    name: productTestName(
      "HeapKernels.matmul matches float64 loops for every layout, tail and stride",
      testCase,
    ),
    ignore: testCase.skip !== undefined,
    fn() {
      const heap = testHeap();
      const kernels = HeapKernels.for(heap, { fused });
      kernels.product = "product" in testCase ? testCase.product : undefined;
      const rng = new TestRng(fused ? 1 : 2);
      for (let trial = 0; trial < 60; trial++) {
        // Every tenth reduction is longer than one block of the kernels (256 steps).
        const k = trial % 10 === 0 ? 250 + rng.int(400) : rng.int(14);
        const [m, n] = [1 + rng.int(20), 1 + rng.int(21)];
        const [ta, tb, accumulate] = [rng.int(2) === 1, rng.int(2) === 1, rng.int(2) === 1];
        const pad = rng.int(3); // extra floats per stored row
        const [aRows, aCols] = ta ? [k, m] : [m, k];
        const [bRows, bCols] = tb ? [n, k] : [k, n];
        const a = rng.normals(aRows * (aCols + pad));
        const b = rng.normals(bRows * (bCols + pad));
        const c = rng.normals(m * (n + pad));
        const at = (i: number, t: number) => ta ? a[t * (m + pad) + i] : a[i * (k + pad) + t];
        const bt = (t: number, j: number) => tb ? b[j * (k + pad) + t] : b[t * (n + pad) + j];
        const expected = Float64Array.from(c);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let sum = accumulate ? c[i * (n + pad) + j] : 0;
            for (let t = 0; t < k; t++) sum += at(i, t) * bt(t, j);
            expected[i * (n + pad) + j] = sum;
          }
        }
        const [pa, pb, pc] = [heap.put(a), heap.put(b), heap.put(c)];
        kernels.matmul(
          { offset: pa, transposed: ta, ld: aCols + pad },
          { offset: pb, transposed: tb, ld: bCols + pad },
          { offset: pc, ld: n + pad },
          { m, n, k },
          accumulate,
        );
        const what = `${m}x${n}x${k} ta ${ta} tb ${tb} accumulate ${accumulate} pad ${pad}`;
        assertClose(heap.f32().slice(pc / 4, pc / 4 + c.length), expected, what);
      }
    },
  });
}

/** A random convolution geometry (tfjs Conv2DInfo's fields) with its output size. */
function randomGeometry(rng: TestRng): ConvGeometry {
  const [fh, fw] = [1 + rng.int(4), 1 + rng.int(4)];
  const [sh, sw] = [1 + rng.int(3), 1 + rng.int(3)];
  const [dh, dw] = sh === 1 && sw === 1 ? [1 + rng.int(2), 1 + rng.int(2)] : [1, 1];
  const [inHeight, inWidth] = [fh * dh + rng.int(7), fw * dw + rng.int(7)];
  const [top, left] = [rng.int(fh), rng.int(fw)];
  const [bottom, right] = [rng.int(fh), rng.int(fw)];
  const outHeight = Math.floor((inHeight + top + bottom - ((fh - 1) * dh + 1)) / sh) + 1;
  const outWidth = Math.floor((inWidth + left + right - ((fw - 1) * dw + 1)) / sw) + 1;
  return {
    batchSize: 1 + rng.int(3),
    inHeight,
    inWidth,
    inChannels: 1 + rng.int(9),
    outHeight,
    outWidth,
    outChannels: 1 + rng.int(10),
    filterHeight: fh,
    filterWidth: fw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    padInfo: { top, left },
  };
}

/** Every (x index, filter index, y index) that one multiply of the convolution visits. */
function* taps(g: ConvGeometry): Generator<[number, number, number]> {
  for (let b = 0; b < g.batchSize; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        for (let ky = 0; ky < g.filterHeight; ky++) {
          const ih = oh * g.strideHeight - g.padInfo.top + ky * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let kx = 0; kx < g.filterWidth; kx++) {
            const iw = ow * g.strideWidth - g.padInfo.left + kx * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            for (let ci = 0; ci < g.inChannels; ci++) {
              for (let co = 0; co < g.outChannels; co++) {
                yield [
                  ((b * g.inHeight + ih) * g.inWidth + iw) * g.inChannels + ci,
                  ((ky * g.filterWidth + kx) * g.inChannels + ci) * g.outChannels + co,
                  ((b * g.outHeight + oh) * g.outWidth + ow) * g.outChannels + co,
                ];
              }
            }
          }
        }
      }
    }
  }
}

for (const product of TEST_PRODUCTS) {
  Deno.test({
    name: productTestName(
      "HeapKernels convolutions and both gradients match float64 loops (strides, dilations, padding, chunks)",
      product,
    ),
    ignore: product.skip !== undefined,
    fn: () => convolutionsMatchLoops(product.product),
  });
}

function convolutionsMatchLoops(product: HeapProduct | undefined): void {
  const heap = testHeap();
  const kernels = HeapKernels.for(heap);
  kernels.product = product;
  const rng = new TestRng(5);
  for (let trial = 0; trial < 30; trial++) {
    const g = randomGeometry(rng);
    // Small chunks on some trials, so that chunk boundaries (and accumulation over them) are met.
    kernels.patchChunkFloats = trial % 2 ? 1 + rng.int(200) : 4 << 20;
    const xSize = g.batchSize * g.inHeight * g.inWidth * g.inChannels;
    const wSize = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
    const ySize = g.batchSize * g.outHeight * g.outWidth * g.outChannels;
    const [x, w, dy] = [rng.normals(xSize), rng.normals(wSize), rng.normals(ySize)];
    const [y, dx, dw] = [new Float64Array(ySize), new Float64Array(xSize), new Float64Array(wSize)];
    for (const [xi, wi, yi] of taps(g)) {
      y[yi] += x[xi] * w[wi];
      dx[xi] += dy[yi] * w[wi];
      dw[wi] += x[xi] * dy[yi];
    }
    const [px, pw, pdy] = [heap.put(x), heap.put(w), heap.put(dy)];
    const [py, pdx, pdw] = [
      heap.put(rng.normals(ySize)),
      heap.put(rng.normals(xSize)),
      heap.put(rng.normals(wSize)),
    ];
    kernels.conv2d(px, pw, py, g);
    kernels.conv2dBackpropInput(pdy, pw, pdx, g);
    kernels.conv2dBackpropFilter(px, pdy, pdw, g);
    const what = `trial ${trial}: ${JSON.stringify(g)} chunk ${kernels.patchChunkFloats}`;
    const view = heap.f32();
    assertClose(view.slice(py / 4, py / 4 + ySize), y, `conv2d ${what}`);
    assertClose(view.slice(pdx / 4, pdx / 4 + xSize), dx, `input gradient ${what}`);
    assertClose(view.slice(pdw / 4, pdw / 4 + wSize), dw, `filter gradient ${what}`);
  }
}

Deno.test("HeapKernels' filter gradient of an empty batch is zero", () => {
  const heap = testHeap();
  const kernels = HeapKernels.for(heap);
  const g = { ...randomGeometry(new TestRng(8)), batchSize: 0 };
  const size = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
  const dw = heap.put(new Float64Array(size).fill(7));
  kernels.conv2dBackpropFilter(heap.put([0]), heap.put([0]), dw, g);
  assert.deepEqual(Array.from(heap.f32().slice(dw / 4, dw / 4 + size)), new Array(size).fill(0));
});

/** float32 arithmetic, one rounding per operation, as tfjs' composed ops round. */
const f = Math.fround;

Deno.test("HeapKernels.activationGrad gives the bits of dy·act'(y) in float32 (vectors and tails)", () => {
  const heap = testHeap();
  const kernels = HeapKernels.for(heap);
  const rng = new TestRng(7);
  const alpha = 0.2;
  const derivatives = {
    relu: (dy: number, y: number) => f(dy * (y > 0 ? 1 : 0)),
    leakyrelu: (dy: number, y: number) => f(dy * (y > 0 ? 1 : f(alpha))),
    tanh: (dy: number, y: number) => f(dy * f(1 - f(y * y))),
  };
  for (const [kind, derivative] of Object.entries(derivatives)) {
    for (const size of [1, 3, 4, 17, 64]) {
      // Outputs as an activation leaves them, with exact zeros among them.
      const y = Float32Array.from(rng.normals(size), (v, i) => (i % 5 === 0 ? 0 : v));
      const dy = Float32Array.from(rng.normals(size));
      const [py, pdy, out] = [heap.put(y), heap.put(dy), heap.put(new Float32Array(size))];
      kernels.activationGrad(pdy, py, out, size, {
        kind: kind as keyof typeof derivatives,
        alpha,
      });
      const actual = heap.f32().slice(out / 4, out / 4 + size);
      assert.deepEqual(
        actual,
        Float32Array.from(dy, (d, i) => derivative(d, y[i])),
        `${kind} ${size}`,
      );
    }
  }
});

Deno.test("HeapKernels.adam gives the bits of the composed float32 Adam step (vectors and tails)", () => {
  const heap = testHeap();
  const kernels = HeapKernels.for(heap);
  const rng = new TestRng(8);
  const rule = { beta1: 0.5, beta2: 0.999, stepSize: 1e-3 / (1 - 0.5 ** 3), epsilon: 1e-8 };
  const biasCorrection2 = 1 - 0.999 ** 3;
  for (const size of [1, 5, 8, 33]) {
    const [g, m, v, w] = [0, 1, 2, 3].map((i) =>
      Float32Array.from(rng.normals(size), (x) => (i === 2 ? x * x : x))
    );
    const at = { g: heap.put(g), m: heap.put(m), v: heap.put(v), w: heap.put(w) };
    const out = { m: heap.put(m), v: heap.put(v), w: heap.put(w) };
    kernels.adam(at, out, size, { ...rule, biasCorrection2 });
    const read = (p: number) => heap.f32().slice(p / 4, p / 4 + size);
    const [b1, b2] = [f(rule.beta1), f(rule.beta2)];
    const expectedM = m.map((x, i) => f(f(x * b1) + f(g[i] * f(1 - rule.beta1))));
    const expectedV = v.map((x, i) => f(f(x * b2) + f(f(g[i] * g[i]) * f(1 - rule.beta2))));
    const expectedW = w.map((x, i) => {
      const denominator = f(f(Math.sqrt(f(expectedV[i] / f(biasCorrection2)))) + f(rule.epsilon));
      return f(x - f(f(expectedM[i] * f(rule.stepSize)) / denominator));
    });
    assert.deepEqual(read(out.m), expectedM, `m, ${size}`);
    assert.deepEqual(read(out.v), expectedV, `v, ${size}`);
    assert.deepEqual(read(out.w), expectedW, `w, ${size}`);
  }
});

Deno.test("HeapKernels.rmsprop gives the bits of the composed float32 RMSprop step (vectors and tails)", () => {
  const heap = testHeap();
  const kernels = HeapKernels.for(heap);
  const rng = new TestRng(9);
  const rule = { alpha: 0.99, learningRate: 5e-5, epsilon: 1e-8 };
  for (const size of [1, 5, 8, 33]) {
    const [g, v, w] = [0, 1, 2].map((i) =>
      Float32Array.from(rng.normals(size), (x) => (i === 1 ? x * x : x))
    );
    const at = { g: heap.put(g), v: heap.put(v), w: heap.put(w) };
    const out = { v: heap.put(v), w: heap.put(w) };
    kernels.rmsprop(at, out, size, rule);
    const read = (p: number) => heap.f32().slice(p / 4, p / 4 + size);
    const expectedV = v.map((x, i) =>
      f(f(x * f(rule.alpha)) + f(f(g[i] * g[i]) * f(1 - rule.alpha)))
    );
    const expectedW = w.map((x, i) =>
      f(x - f(f(g[i] * f(rule.learningRate)) / f(f(Math.sqrt(expectedV[i])) + f(rule.epsilon))))
    );
    assert.deepEqual(read(out.v), expectedV, `v, ${size}`);
    assert.deepEqual(read(out.w), expectedW, `w, ${size}`);
  }
});
