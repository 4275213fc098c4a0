import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CorruptResultError,
  listResultFiles,
  parseResult,
  readResult,
  writeFileAtomic,
} from "./store.ts";

Deno.test("writeFileAtomic leaves no temporary file and replaces the old content", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "a", "b.json");
  await writeFileAtomic(path, "one");
  await writeFileAtomic(path, "two");
  assert.equal(await Deno.readTextFile(path), "two");
  assert.deepEqual([...Deno.readDirSync(join(dir, "a"))].map((e) => e.name), ["b.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseResult names the file and the problem of a corrupt result", () => {
  assert.throws(
    () => parseResult("{ truncated", "x.json"),
    (e: Error) =>
      e instanceof CorruptResultError &&
      /^Corrupt result file 'x\.json': invalid JSON/.test(e.message),
  );
  assert.throws(
    () => parseResult('{"hash": 3}', "y.json"),
    (e: Error) =>
      e instanceof CorruptResultError && /^Corrupt result file 'y\.json': hash: /.test(e.message),
  );
});

Deno.test("readResult returns undefined for a missing file and listResultFiles ignores temporaries", async () => {
  const dir = await Deno.makeTempDir();
  assert.equal(await readResult(join(dir, "none.json")), undefined);
  await Deno.mkdir(join(dir, "cells"));
  await Deno.writeTextFile(join(dir, "cells", "a.json"), "{}");
  await Deno.writeTextFile(join(dir, "cells", "b.json.tmp-1-abc"), "{");
  assert.deepEqual(await listResultFiles(dir), [join(dir, "cells", "a.json")]);
  await Deno.remove(dir, { recursive: true });
});
