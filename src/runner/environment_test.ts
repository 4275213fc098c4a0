import assert from "node:assert/strict";
import { join } from "node:path";
import { DIRTY_CHECK } from "./environment.ts";

function git(cwd: string, ...args: string[]): string {
  const out = new Deno.Command("git", { args, cwd, stderr: "null" }).outputSync();
  assert.ok(out.success, `git ${args.join(" ")}`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("the dirty check ignores changes under results/ but not changes to code", () => {
  const dir = Deno.makeTempDirSync({ prefix: "ganbench-git-" });
  try {
    git(dir, "init", "-q");
    Deno.mkdirSync(join(dir, "results"));
    Deno.mkdirSync(join(dir, "src"));
    Deno.writeTextFileSync(join(dir, "results", "cell.json"), "{}\n");
    Deno.writeTextFileSync(join(dir, "src", "code.ts"), "export {};\n");
    git(dir, "add", ".");
    git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init");
    assert.equal(git(dir, ...DIRTY_CHECK), "", "a fresh checkout is clean");
    Deno.writeTextFileSync(join(dir, "results", "cell.json"), '{"rerun": true}\n');
    assert.equal(git(dir, ...DIRTY_CHECK), "", "a rewritten result does not make it dirty");
    // From a subfolder too: the pathspecs are relative to the top of the checkout.
    const sub = new Deno.Command("git", { args: DIRTY_CHECK, cwd: join(dir, "src") }).outputSync();
    assert.equal(new TextDecoder().decode(sub.stdout).trim(), "");
    Deno.writeTextFileSync(join(dir, "src", "code.ts"), "export const x = 1;\n");
    assert.match(git(dir, ...DIRTY_CHECK), /src\/code\.ts/, "changed code makes it dirty");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
