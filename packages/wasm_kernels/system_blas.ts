/**
 * The system's BLAS through Deno's FFI, for the float32 products of the heap kernels: OpenBLAS on
 * Linux (found by its soname, `libopenblas.so.0`: Debian/Ubuntu `libopenblas0`), Accelerate on
 * macOS (the framework's path). Only `cblas_sgemm` is called, on float32 data that stays in the
 * WebAssembly heap: each operand is passed as a view of the memory's current buffer, so nothing is
 * copied. The call is synchronous and runs no JavaScript or WebAssembly, so the memory cannot grow
 * (and its buffer cannot move) while the library reads and writes it; a view is made afresh for
 * every call, after any growth.
 *
 * One BLAS thread: cells already run in parallel, one per core. OpenBLAS reads its kernel choice
 * (`OPENBLAS_CORETYPE`) and cache size (`OPENBLAS_L2_SIZE`) from the environment once, when it
 * loads. Some machines set them for old OpenBLAS builds that picked wrong kernels on new CPUs; on
 * an AVX-512 CPU they slow every product to a quarter (Haswell kernels: 20-30 GFLOP/s on one
 * core instead of about 150). So when the library is a release from {@linkcode
 * OPENBLAS_TRUSTED_SINCE} on (read from its file name before it loads), they are removed from
 * this process's environment for the load only, and put back at once; older releases load with
 * them. Whatever loaded, a product is checked against float64 loops before the library is used
 * ({@linkcode SystemBlas.selfCheck}): a library that computes wrong results is not used.
 *
 * `GANBENCH_BLAS` in the environment names another library file to load (an OpenBLAS build, or
 * Accelerate's framework), or `none` for no system BLAS.
 *
 * Accelerate is implemented to the same signature but untested (no macOS machine here).
 *
 * @module
 */

/** A float32 product operand in a heap: byte offset, stored transposed, row stride in floats. */
export interface BlasOperand {
  offset: number;
  transposed?: boolean;
  ld?: number;
}

/** What ran the products, as recorded with every result. */
export interface BlasInfo {
  /** `OpenBLAS` or `Accelerate`. */
  name: string;
  /** The library's release (OpenBLAS: from `openblas_get_config()`), or "unknown". */
  version: string;
  /** The kernels the library chose (`openblas_get_corename()`: "SkylakeX", "Haswell", ...). */
  coreName: string;
  /** The BLAS's threads. */
  threads: number;
  /** The file loaded. */
  library: string;
  /** Inherited variables removed for the library's load (see the module's documentation). */
  unset?: string[];
  /** Inherited variables that stayed set at the load, with their values. */
  kept?: Record<string, string>;
}

/** OpenBLAS releases from this one on are trusted to pick the right kernels themselves. */
export const OPENBLAS_TRUSTED_SINCE = [0, 3, 21] as const;

/** The variables that pin OpenBLAS to other kernels (and their cache sizes). */
export const OPENBLAS_PINNING = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"] as const;

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

const SGEMM = {
  parameters: [
    "i32", // order
    "i32", // transA
    "i32", // transB
    "i32", // m
    "i32", // n
    "i32", // k
    "f32", // alpha
    "buffer", // A
    "i32", // lda
    "buffer", // B
    "i32", // ldb
    "f32", // beta
    "buffer", // C
    "i32", // ldc
  ],
  result: "void",
} as const;

const OPENBLAS_SYMBOLS = {
  cblas_sgemm: SGEMM,
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_get_corename: { parameters: [], result: "pointer" },
  openblas_get_config: { parameters: [], result: "pointer" },
} as const;

type Sgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** Where a library is looked for, per OS: OpenBLAS by soname, Accelerate by its framework path. */
export const BLAS_CANDIDATES: Partial<Record<typeof Deno.build.os, string[]>> = {
  linux: ["libopenblas.so.0"],
  darwin: ["/System/Library/Frameworks/Accelerate.framework/Accelerate"],
};

/** The environment variable that names the library to load (`none`: no system BLAS). */
export const BLAS_VARIABLE = "GANBENCH_BLAS";

/** Where Debian's alternatives put OpenBLAS, to read its release from the file name. */
const OPENBLAS_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"];

/** Parses "0.3.21" (or "r0.3.21", "0.3.21.dev") into numbers; undefined when it is not one. */
export function parseVersion(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

/** Whether `version` is `floor` or later. */
export function atLeast(version: readonly number[], floor: readonly number[]): boolean {
  for (let i = 0; i < floor.length; i++) {
    if ((version[i] ?? 0) !== floor[i]) return (version[i] ?? 0) > floor[i];
  }
  return true;
}

/**
 * The OpenBLAS release that `libopenblas.so.0` resolves to, from the real file's name
 * (`libopenblas-r0.3.21.so`, `libopenblasp-r0.3.21.so`), before it is loaded; undefined when not
 * found.
 */
export function openBlasFileVersion(soname = "libopenblas.so.0"): number[] | undefined {
  const dirs = soname.includes("/") ? [""] : OPENBLAS_DIRS.map((dir) => `${dir}/`);
  for (const dir of dirs) {
    try {
      const real = Deno.realPathSync(`${dir}${soname}`);
      const version = parseVersion(real.slice(real.lastIndexOf("/") + 1));
      if (version) return version;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The part of `Deno.env` the load reads and writes. */
export interface BlasEnv {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Runs `body` with `names` removed from `env`, restoring them afterwards. */
function without<T>(env: BlasEnv, names: readonly string[], body: () => T): T {
  const saved = names.map((name) => [name, env.get(name)] as const);
  for (const [name, value] of saved) if (value !== undefined) env.delete(name);
  try {
    return body();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) env.set(name, value);
  }
}

/** Runs `body` with `values` set in `env` where unset, restoring them afterwards. */
function withDefaults<T>(env: BlasEnv, values: Record<string, string>, body: () => T): T {
  const added = Object.keys(values).filter((name) => env.get(name) === undefined);
  for (const name of added) env.set(name, values[name]);
  try {
    return body();
  } finally {
    for (const name of added) env.delete(name);
  }
}

function cString(pointer: Deno.PointerValue): string {
  return pointer ? new Deno.UnsafePointerView(pointer).getCString() : "";
}

/** A loaded BLAS, its `sgemm` callable on float32 data in a WebAssembly heap. */
export class SystemBlas {
  /** What ran, for the results' environment. */
  readonly info: BlasInfo;
  #sgemm: Sgemm;

  private constructor(info: BlasInfo, sgemm: Sgemm) {
    this.info = info;
    this.#sgemm = sgemm;
  }

  /**
   * Loads the system BLAS (once per thread; the library itself once per process), with one
   * thread, and checks a product against float64 loops.
   *
   * @param options.env the environment to read and, for the load only, adjust (default Deno.env)
   * @param options.candidates the files to try (default: `GANBENCH_BLAS`'s, else this OS's
   *   {@linkcode BLAS_CANDIDATES})
   * @returns the library, or why none can be used (one line)
   */
  static load(
    options: { env?: BlasEnv; candidates?: string[] } = {},
  ): { ok: true; blas: SystemBlas } | { ok: false; reason: string } {
    const env = options.env ?? Deno.env;
    const named = env.get(BLAS_VARIABLE);
    if (named === "none") return { ok: false, reason: `${BLAS_VARIABLE}=none` };
    const candidates = options.candidates ?? (named ? [named] : BLAS_CANDIDATES[Deno.build.os]) ??
      [];
    if (!candidates.length) {
      return { ok: false, reason: `no system BLAS known on ${Deno.build.os}` };
    }
    const reasons: string[] = [];
    for (const library of candidates) {
      let blas: SystemBlas;
      try {
        blas = library.includes("Accelerate")
          ? SystemBlas.#loadAccelerate(library, env)
          : SystemBlas.#loadOpenBlas(library, env);
      } catch (error) {
        reasons.push(`${library}: ${(error as Error).message.split("\n")[0]}`);
        continue;
      }
      const problem = blas.selfCheck();
      if (problem) {
        reasons.push(`${library} (${blas.describe()}) fails its self-check: ${problem}`);
        continue;
      }
      return { ok: true, blas };
    }
    return { ok: false, reason: reasons.join("; ") };
  }

  static #loadOpenBlas(library: string, env: BlasEnv): SystemBlas {
    const version = openBlasFileVersion(library);
    const trusted = version !== undefined && atLeast(version, OPENBLAS_TRUSTED_SINCE);
    const inherited = OPENBLAS_PINNING.filter((name) => env.get(name) !== undefined);
    // Threads: one, from the load on (OpenBLAS starts its pool when it loads).
    const load = () =>
      withDefaults(
        env,
        { OPENBLAS_NUM_THREADS: "1" },
        () => Deno.dlopen(library, OPENBLAS_SYMBOLS),
      );
    const { symbols } = trusted ? without(env, inherited, load) : load();
    symbols.openblas_set_num_threads(1);
    const config = cString(symbols.openblas_get_config());
    const info: BlasInfo = {
      name: "OpenBLAS",
      version: parseVersion(config)?.join(".") ?? version?.join(".") ?? "unknown",
      coreName: cString(symbols.openblas_get_corename()) || "unknown",
      threads: symbols.openblas_get_num_threads(),
      library,
    };
    if (trusted && inherited.length) info.unset = [...inherited];
    if (!trusted && inherited.length) {
      info.kept = Object.fromEntries(inherited.map((name) => [name, env.get(name)!]));
    }
    return new SystemBlas(info, symbols.cblas_sgemm as unknown as Sgemm);
  }

  static #loadAccelerate(library: string, env: BlasEnv): SystemBlas {
    // vecLib reads its thread count from this variable when it loads.
    const { symbols } = withDefaults(
      env,
      { VECLIB_MAXIMUM_THREADS: "1" },
      () => Deno.dlopen(library, { cblas_sgemm: SGEMM }),
    );
    const info: BlasInfo = {
      name: "Accelerate",
      version: `macOS ${Deno.osRelease()}`,
      coreName: Deno.build.arch,
      threads: Number(env.get("VECLIB_MAXIMUM_THREADS") ?? 1),
      library,
    };
    return new SystemBlas(info, symbols.cblas_sgemm as unknown as Sgemm);
  }

  /** One line: "OpenBLAS 0.3.21 (SkylakeX kernels, 1 thread)". */
  describe(): string {
    const { name, version, coreName, threads } = this.info;
    return `${name} ${version} (${coreName} kernels, ${threads} thread${threads === 1 ? "" : "s"})`;
  }

  /**
   * C (m x n, row stride `c.ld` ?? n) = A·B, or C += A·B with `accumulate`, float32 in `memory`
   * at the operands' byte offsets; A is m x k (stored k x m when transposed), B k x n (n x k).
   */
  sgemm(
    memory: ArrayBufferLike,
    a: BlasOperand,
    b: BlasOperand,
    c: BlasOperand,
    shape: { m: number; n: number; k: number },
    accumulate = false,
  ): void {
    const { m, n, k } = shape;
    const lda = a.ld ?? (a.transposed ? m : k);
    const ldb = b.ld ?? (b.transposed ? k : n);
    const ldc = c.ld ?? n;
    const view = (operand: BlasOperand, rows: number, ld: number, cols: number) =>
      new Float32Array(memory, operand.offset, Math.max(0, (rows - 1) * ld + cols));
    this.#sgemm(
      ROW_MAJOR,
      a.transposed ? TRANS : NO_TRANS,
      b.transposed ? TRANS : NO_TRANS,
      m,
      n,
      k,
      1,
      a.transposed ? view(a, k, lda, m) : view(a, m, lda, k),
      Math.max(1, lda),
      b.transposed ? view(b, n, ldb, k) : view(b, k, ldb, n),
      Math.max(1, ldb),
      accumulate ? 1 : 0,
      view(c, m, ldc, n),
      Math.max(1, ldc),
    );
  }

  /**
   * Checks products of every transposition against float64 loops (shapes with odd tails and a
   * reduction long enough for the library's blocking); returns the first problem, or undefined.
   */
  selfCheck(): string | undefined {
    const shapes = [[7, 9, 5], [33, 70, 300], [48, 80, 288]];
    let seed = 1;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 1073741824 - 1;
    };
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = Float32Array.from({ length: m * k }, next);
        const b = Float32Array.from({ length: k * n }, next);
        const memory = new ArrayBuffer(4 * (m * k + k * n + m * n));
        const heap = new Float32Array(memory);
        heap.set(a, 0);
        heap.set(b, m * k);
        this.sgemm(
          memory,
          { offset: 0, transposed: ta },
          { offset: 4 * m * k, transposed: tb },
          { offset: 4 * (m * k + k * n) },
          { m, n, k },
        );
        const c = heap.subarray(m * k + k * n);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let sum = 0, size = 0;
            for (let t = 0; t < k; t++) {
              const product = (ta ? a[t * m + i] : a[i * k + t]) *
                (tb ? b[j * k + t] : b[t * n + j]);
              sum += product;
              size += Math.abs(product);
            }
            if (!(Math.abs(c[i * n + j] - sum) <= 1e-5 * Math.max(1, size))) {
              return `${m}x${k}x${n} (transposed A ${ta}, B ${tb}) gives ${
                c[i * n + j]
              } at [${i}, ${j}] where float64 loops give ${sum}`;
            }
          }
        }
      }
    }
    return undefined;
  }
}

let loaded: ReturnType<typeof SystemBlas.load> | undefined;

/**
 * The system BLAS of this thread, loaded at the first call ({@linkcode SystemBlas.load}); later
 * calls return the same outcome.
 *
 * @returns the library, or why none can be used (one line)
 */
export function systemBlas(): ReturnType<typeof SystemBlas.load> {
  loaded ??= SystemBlas.load();
  return loaded;
}
