#!/usr/bin/env bash
# The GPU check in one command, for a machine with a GPU and no network: runs
# `bench:speed --backends webgpu,wasm` (and PyTorch on CUDA when a CUDA build is installed), trains
# the mixtures and mnist smoke suites on webgpu and on wasm, and writes one JSON summary (device,
# adapter, ms per step for each model, the parity of every cell's figures against wasm) to
# tmp/gpu-check/gpu_check.json (or --out DIR). Arguments go to scripts/gpu_check.ts
# (--out DIR, --seconds S, --allow-software); exit 0 when every step ran and every cell agrees.
#
# Needs, carried over from a machine with network (nothing is downloaded here):
#   - the Deno binary: $DENO, `deno` on PATH, ./deno, or npx's cached deno@2.9.6;
#   - this checkout with node_modules/ installed (`deno task test` or `deno install` fills it);
#   - a Vulkan-capable GPU driver (NVIDIA's driver with its Vulkan ICD, libvulkan1), through which
#     Deno's WebGPU finds the GPU;
#   - optional: python3 with PyTorch (the CPU peer; a CUDA build adds the CUDA timings) and
#     python3-threadpoolctl (the peer's BLAS in the output).
set -euo pipefail
cd "$(dirname "$0")/.."
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 NO_COLOR=1
if [[ -n "${DENO:-}" ]]; then
  deno=("$DENO")
elif command -v deno >/dev/null; then
  deno=(deno)
elif [[ -x ./deno ]]; then
  deno=(./deno)
elif command -v npx >/dev/null; then
  deno=(npx --offline -y deno@2.9.6)
else
  echo "Cannot find Deno: set DENO=/path/to/deno, put deno on PATH, or copy the binary to ./deno" >&2
  exit 1
fi
if [[ ! -d node_modules/.deno ]]; then
  echo "Cannot find node_modules/: install it on a machine with network (deno task test) and copy it here" >&2
  exit 1
fi
exec "${deno[@]}" run -A --cached-only scripts/gpu_check.ts "$@"
