/**
 * How the benchmarks run their Python peers (PyTorch, NumPy/SciPy): in this process's environment
 * without the variables that pin OpenBLAS to another CPU's kernels, and described in one line
 * (their BLAS, its kernels and threads, PyTorch's CPU capability) next to their figures.
 *
 * Some machines set `OPENBLAS_CORETYPE=Haswell` and `OPENBLAS_L2_SIZE` for old OpenBLAS builds;
 * Debian's PyTorch and NumPy read them, and on an AVX-512 CPU their products then run slower (issue
 * #20 measured PyTorch's 1024² product on one thread of this project's machine at 51 GFLOP/s with
 * them and 98 without). A peer run with them set flatters ganbench's ratios, so every peer runs
 * without them, as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 ...` would run it;
 * ganbench's own process, the
 * tests and CI keep their environment.
 *
 * @module
 */

/** Environment variables removed from a peer's environment. */
export const PEER_UNSET_VARIABLES: readonly string[] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/**
 * `environment` (by default this process's) without {@linkcode PEER_UNSET_VARIABLES}, and with
 * PYTHONDONTWRITEBYTECODE set.
 */
export function peerEnvironment(
  environment: Record<string, string> = Deno.env.toObject(),
): Record<string, string> {
  const env = { ...environment };
  for (const name of PEER_UNSET_VARIABLES) delete env[name];
  // The peers import bench/peer_info.py: no __pycache__ folder left in the checkout.
  env.PYTHONDONTWRITEBYTECODE = "1";
  return env;
}

/**
 * `python args...` as a peer: in `environment` (by default this process's) minus
 * {@linkcode PEER_UNSET_VARIABLES}; this process's own environment is left as it is.
 */
export function peerCommand(
  python: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args" | "env" | "clearEnv"> = {},
  environment?: Record<string, string>,
): Deno.Command {
  return new Deno.Command(python, {
    ...options,
    args,
    clearEnv: true,
    env: peerEnvironment(environment),
  });
}

/** What `bench/peer_info.py`'s `describe()` reports from inside a peer. */
export interface PeerInfo {
  python: string;
  /** The pinning variables as the peer saw them (null: unset). */
  pinning: Record<string, string | null>;
  numpy?: string;
  torch?: string;
  torch_threads?: number;
  /** The vector instructions PyTorch's ATen kernels use ("AVX2", "AVX512", ...). */
  torch_cpu_capability?: string | null;
  /** The BLAS libraries loaded in the peer; null without threadpoolctl. */
  blas: {
    internal_api: string;
    version: string | null;
    architecture: string | null;
    num_threads: number;
  }[] | null;
}

/**
 * One line for a benchmark's output: the peer's libraries, its BLAS (kernels and threads), its CPU
 * capability, and what was unset for it.
 */
export function describePeer(info: PeerInfo): string {
  const parts = [`Python ${info.python}`];
  if (info.torch) {
    parts.push(
      `PyTorch ${info.torch} (${info.torch_threads} thread${
        info.torch_threads === 1 ? "" : "s"
      }, CPU capability ${info.torch_cpu_capability ?? "unknown"})`,
    );
  }
  if (info.numpy) parts.push(`NumPy ${info.numpy}`);
  const blas = info.blas === null
    ? "BLAS unknown (install python3-threadpoolctl to see it)"
    : info.blas.length === 0
    ? "no BLAS loaded"
    : info.blas.map((b) =>
      `${b.internal_api} ${b.version ?? "?"} (${
        b.architecture ?? "?"
      } kernels, ${b.num_threads} thread${b.num_threads === 1 ? "" : "s"})`
    ).join(", ");
  const parent = PEER_UNSET_VARIABLES.filter((name) => Deno.env.get(name) !== undefined);
  const stillSet = Object.entries(info.pinning).filter(([, value]) => value !== null);
  const environment = stillSet.length
    ? `still set in the peer: ${stillSet.map(([k, v]) => `${k}=${v}`).join(", ")}`
    : parent.length
    ? `${parent.map((k) => `${k}=${Deno.env.get(k)}`).join(", ")} unset for the peer`
    : `${PEER_UNSET_VARIABLES.join(" and ")} not set`;
  return `peer: ${parts.join(", ")}; BLAS: ${blas}; ${environment}`;
}
