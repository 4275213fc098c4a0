/**
 * A small WebAssembly assembler: the instructions the package's hand-written kernels use, a local
 * allocator and a module writer. The kernels are generated in TypeScript (register tiles unrolled
 * by loops here) rather than compiled from C, so that no toolchain is needed to build or change
 * them; no npm package assembles WebAssembly SIMD from code under Deno without a compiler.
 * Private to the package (`relaxed_simd.ts` holds the one probe it exports).
 *
 * @module
 */

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

/** Signed LEB128 (32-bit values). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

/** A length-prefixed vector of encoded items. */
export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const simd = (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates];
/** A memory argument: alignment exponent and byte offset. */
const memarg = (align: number, offset: number) => [align, ...uleb(offset)];

/** The instructions, named after their text format (`f32x4.relaxed_madd` is `f32x4RelaxedMadd`). */
export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  f64Const: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32LtS: [0x48],
  i32LtU: [0x49],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32LeS: [0x4c],
  i32And: [0x71],
  i32Shl: [0x74],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Max: [0xa5],
  f32Load: (offset = 0) => [0x2a, ...memarg(2, offset)],
  f64Load: (offset = 0) => [0x2b, ...memarg(3, offset)],
  f32Store: (offset = 0) => [0x38, ...memarg(2, offset)],
  f64Store: (offset = 0) => [0x39, ...memarg(3, offset)],
  f32Lt: [0x5d],
  f32Gt: [0x5e],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Min: [0x96],
  f32Max: [0x97],
  drop: [0x1a],
  select: [0x1b],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  /** An if whose arms leave one value of `type`. */
  ifValue: (type: number) => [0x04, type],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  memoryFill: [0xfc, ...uleb(11), 0],
  v128Load: (offset = 0) => simd(0x00, ...memarg(4, offset)),
  v128Load32Splat: (offset = 0) => simd(0x09, ...memarg(2, offset)),
  v128Store: (offset = 0) => simd(0x0b, ...memarg(4, offset)),
  v128Zero: simd(0x0c, ...new Array(16).fill(0)),
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f64x2ExtractLane: (lane: number) => simd(0x21, lane),
  i32x4Splat: simd(0x11),
  i32x4Eq: simd(0x37),
  f32x4Lt: simd(0x43),
  f32x4Gt: simd(0x44),
  v128Bitselect: simd(0x52),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  f32x4RelaxedMadd: simd(0x105),
  f64x2RelaxedMadd: simd(0x107),
};

/** Hands out local indices after a function's parameters and declares them in order. */
export class Locals {
  #types: number[] = [];
  #first: number;

  /** @param params the number of parameters (locals are numbered after them) */
  constructor(params: number) {
    this.#first = params;
  }

  /** A new local of `type`. */
  add(type: number): number {
    this.#types.push(type);
    return this.#first + this.#types.length - 1;
  }

  /** `count` new locals of `type`. */
  many(count: number, type: number): number[] {
    return Array.from({ length: count }, () => this.add(type));
  }

  /** The locals' declaration: runs of one type, in index order. */
  declaration(): number[] {
    const runs: number[][] = [];
    let start = 0;
    for (let i = 1; i <= this.#types.length; i++) {
      if (i === this.#types.length || this.#types[i] !== this.#types[start]) {
        runs.push([...uleb(i - start), this.#types[start]]);
        start = i;
      }
    }
    return vector(runs);
  }
}

/** Instructions appended in order. */
export class Code {
  readonly bytes: number[] = [];

  /** Appends instructions. */
  emit(...instructions: number[][]): this {
    for (const instruction of instructions) this.bytes.push(...instruction);
    return this;
  }
}

/** One exported function of a module. */
export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  locals: Locals;
  code: Code;
}

/** A module that imports `env.memory` (at least one page) and exports `functions`. */
export function wasmModule(functions: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const name = (s: string) => vector([...new TextEncoder().encode(s)].map((b) => [b]));
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const types = functions.map((
    f,
  ) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const body = [...f.locals.declaration(), ...f.code.bytes, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, vector(types)),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 1]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(bodies)),
  ]);
}
