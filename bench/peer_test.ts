import assert from "node:assert/strict";
import { describePeer, PEER_UNSET_VARIABLES, peerCommand, type PeerInfo } from "./peer.ts";

Deno.test("a peer runs without the OpenBLAS pinning variables, and with the rest of the environment", async () => {
  const environment = {
    ...Deno.env.toObject(),
    OPENBLAS_CORETYPE: "Haswell",
    OPENBLAS_L2_SIZE: "262144",
    GANBENCH_PEER_TEST: "kept",
  };
  const code = "console.log(JSON.stringify(['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', " +
    "'GANBENCH_PEER_TEST'].map((k) => Deno.env.get(k) ?? null)))";
  const output = await peerCommand(
    Deno.execPath(),
    ["eval", code],
    { stdout: "piped" },
    environment,
  )
    .output();
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), [null, null, "kept"]);
  assert.equal(environment.OPENBLAS_CORETYPE, "Haswell", "the caller's environment is untouched");
  assert.equal(PEER_UNSET_VARIABLES.length, 2);
});

const info: PeerInfo = {
  python: "3.11.2",
  pinning: { OPENBLAS_CORETYPE: null, OPENBLAS_L2_SIZE: null },
  numpy: "1.24.2",
  torch: "1.13.0",
  torch_threads: 1,
  torch_cpu_capability: "AVX2",
  blas: [{ internal_api: "openblas", version: "0.3.21", architecture: "SkylakeX", num_threads: 1 }],
};

Deno.test("describePeer names the BLAS, its kernels and threads, and the CPU capability", () => {
  const line = describePeer(info);
  assert.match(line, /PyTorch 1\.13\.0 \(1 thread, CPU capability AVX2\)/);
  assert.match(line, /BLAS: openblas 0\.3\.21 \(SkylakeX kernels, 1 thread\)/);
  assert.match(
    describePeer({ ...info, blas: null }),
    /BLAS unknown \(install python3-threadpoolctl/,
  );
  // A pinning variable the peer still saw is named: the figures would not be fair.
  assert.match(
    describePeer({ ...info, pinning: { OPENBLAS_CORETYPE: "Haswell", OPENBLAS_L2_SIZE: null } }),
    /still set in the peer: OPENBLAS_CORETYPE=Haswell/,
  );
});
