/**
 * Finds the Python that has PyTorch, for tests that compare ganbench with a PyTorch peer: Debian's
 * `/usr/bin/python3` (where `python3-torch` installs) before whatever `python3` is first on PATH.
 *
 * @module
 */

/** What {@linkcode pythonWithTorch} found. */
export type PythonProbe = { ok: true; python: string } | { ok: false; reason: string };

/**
 * The first Python that imports `torch` and `torchvision`, or why none does (for the note a test
 * prints when it skips).
 */
export function pythonWithTorch(): PythonProbe {
  const reasons: string[] = [];
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const probe = new Deno.Command(candidate, {
        args: ["-c", "import torch, torchvision"],
        stdout: "null",
        stderr: "piped",
      }).outputSync();
      if (probe.code === 0) return { ok: true, python: candidate };
      const last = new TextDecoder().decode(probe.stderr).trim().split("\n").at(-1);
      reasons.push(`${candidate}: ${last}`);
    } catch {
      reasons.push(`${candidate}: not found`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}
