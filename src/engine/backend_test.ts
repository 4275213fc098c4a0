import assert from "node:assert/strict";
import { ensureRuntimeDir, initBackend, isSoftwareAdapter, listBackends } from "./backend.ts";

Deno.test("isSoftwareAdapter recognises fallback and CPU WebGPU adapters", () => {
  assert.equal(isSoftwareAdapter({ isFallbackAdapter: true, description: "x" }), true);
  assert.equal(isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }), true);
  assert.equal(isSoftwareAdapter({ description: "SwiftShader Device" }), true);
  assert.equal(isSoftwareAdapter({ isFallbackAdapter: false, description: "NVIDIA H100" }), false);
});

Deno.test("auto resolves to a backend that is available and never to a software WebGPU adapter", async () => {
  const rows = await listBackends();
  const info = await initBackend("auto");
  const chosen = rows.find((r) => r.name === info.name)!;
  assert.ok(chosen.available);
  if (info.name === "webgpu") assert.doesNotMatch(info.device, /software adapter/);
  assert.equal(info.requested, "auto");
});

/** An environment of its own for ensureRuntimeDir. */
function fakeEnv(values: Record<string, string>) {
  return {
    values,
    get: (key: string) => values[key],
    set: (key: string, value: string) => void (values[key] = value),
  };
}

Deno.test("ensureRuntimeDir points an unset or relative XDG_RUNTIME_DIR at a private folder", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "ganbench-xdg-test-" });
  try {
    const initials: Record<string, string>[] = [
      {},
      { XDG_RUNTIME_DIR: "run/user" },
      { XDG_RUNTIME_DIR: `${tmp}/gone` },
    ];
    for (const initial of initials) {
      const env = fakeEnv({ TMPDIR: tmp, ...initial });
      const dir = ensureRuntimeDir(env);
      assert.ok(dir, `set for ${JSON.stringify(initial)}`);
      assert.equal(env.values.XDG_RUNTIME_DIR, dir);
      const info = Deno.lstatSync(dir);
      assert.ok(info.isDirectory && info.uid === Deno.uid());
      assert.equal(info.mode! & 0o777, 0o700);
    }
    // One folder per user, reused: no folder per process.
    const again = fakeEnv({ TMPDIR: tmp });
    assert.equal(ensureRuntimeDir(again), ensureRuntimeDir(fakeEnv({ TMPDIR: tmp })));
    // A folder of that name that others may enter is not used.
    const shared = ensureRuntimeDir(fakeEnv({ TMPDIR: tmp }))!;
    Deno.chmodSync(shared, 0o755);
    const fresh = ensureRuntimeDir(fakeEnv({ TMPDIR: tmp }))!;
    assert.notEqual(fresh, shared);
    assert.equal(Deno.lstatSync(fresh).mode! & 0o777, 0o700);
    Deno.removeSync(fresh);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("ensureRuntimeDir keeps a valid XDG_RUNTIME_DIR", () => {
  const env = fakeEnv({ XDG_RUNTIME_DIR: Deno.cwd() });
  assert.equal(ensureRuntimeDir(env), undefined);
  assert.equal(env.values.XDG_RUNTIME_DIR, Deno.cwd());
});

/** Runs `code` in a fresh Deno without XDG_RUNTIME_DIR (as in CI); returns its output. */
async function runWithoutRuntimeDir(code: string) {
  const env = Deno.env.toObject();
  delete env.XDG_RUNTIME_DIR;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    clearEnv: true,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

const backendModule = new URL("./backend.ts", import.meta.url).href;

Deno.test("probing WebGPU prints nothing on stderr (Mesa's Vulkan layer complains without XDG_RUNTIME_DIR)", async () => {
  // Where mesa-vulkan-drivers is installed (CI installs it), the adapter request loads Mesa's
  // device-selection layer, which printed two "XDG_RUNTIME_DIR is invalid" lines here.
  const run = await runWithoutRuntimeDir(
    `import { listBackends, initBackend } from "${backendModule}";
     const rows = await listBackends();
     await initBackend("auto");
     console.log(rows.find((r) => r.name === "webgpu").available);`,
  );
  assert.equal(run.code, 0, run.stderr);
  // auto's own line where no system BLAS loads is not noise (blas_backend_test.ts checks it).
  assert.equal(run.stderr.replace(/^note: auto runs the wasm kernels: .*\n/, ""), "");
  assert.match(run.stdout, /^(true|false)\n$/);
});

Deno.test("asking for wasm or cpu never probes WebGPU", async () => {
  const run = await runWithoutRuntimeDir(
    `import { initBackend } from "${backendModule}";
     await initBackend("wasm");
     await initBackend("cpu");
     console.log(Deno.env.get("XDG_RUNTIME_DIR") ?? "untouched");`,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "untouched\n");
});
