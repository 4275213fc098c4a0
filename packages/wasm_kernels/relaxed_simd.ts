/**
 * Whether this engine runs relaxed SIMD, which decides the last bits of every product the kernels
 * compute (and which ganbench records with each result).
 *
 * @module
 */
import { Code, Locals, op, wasmModule } from "./_wasm_asm.ts";

let relaxedSimd: boolean | undefined;

/**
 * Whether this engine runs relaxed SIMD (`f32x4.relaxed_madd`, `f64x2.relaxed_madd`): a fused
 * multiply-add with one rounding on hardware with FMA. Kernels that use it give the same bits on
 * every run of one machine, not across machines with and without FMA.
 *
 * @returns true where a module using `f32x4.relaxed_madd` validates
 *
 * @example Choosing the multiply-add of the float64 kernels
 * ```ts
 * import { relaxedSimdAvailable, RowProducts } from "@ganbench/wasm-kernels";
 *
 * const products = new RowProducts(0, { fused: relaxedSimdAvailable() });
 * ```
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd === undefined) {
    const locals = new Locals(0);
    const code = new Code().emit(op.v128Zero, op.v128Zero, op.v128Zero, op.f32x4RelaxedMadd);
    code.emit(op.drop);
    relaxedSimd = WebAssembly.validate(
      wasmModule([{ name: "probe", params: [], results: [], locals, code }]),
    );
  }
  return relaxedSimd;
}
