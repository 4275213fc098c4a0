import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { GENERATORS_FILE } from "./checkpoints.ts";
import {
  CorruptResultError,
  listResultFiles,
  parseResult,
  readResult,
  writeFileAtomic,
  writeResult,
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

/** A stored image cell's result without its pictures, a new folder, and a PNG's bytes. */
async function pictureFixture() {
  const fixture = new URL(
    "../../testing/testdata/results/mnist/smoke/cells/mnist__nsgan__seed0.json",
    import.meta.url,
  );
  const { images: _, ...result } = parseResult(await Deno.readTextFile(fixture), "fixture");
  return { result, dir: await Deno.makeTempDir(), png: new Uint8Array([137, 80, 78, 71]) };
}

Deno.test("writeResult stores the pictures a result lists and removes those of an earlier result", async () => {
  const { result, dir, png } = await pictureFixture();
  await writeResult(dir, {
    ...result,
    pictures: { "grid-step000000": png, "grid-step000300": png },
  });
  const path = await writeResult(dir, {
    ...result,
    pictures: { "grid-step000000": png, "grid-step000500": png },
  });
  const folder = path.slice(0, -".json".length);
  assert.deepEqual(
    [...Deno.readDirSync(folder)].map((e) => e.name).sort(),
    ["grid-step000000.png", "grid-step000500.png"],
  );
  const stored = await readResult(path);
  assert.deepEqual(Object.keys(stored!.images ?? {}).sort(), [
    "grid-step000000",
    "grid-step000500",
  ]);
  await writeResult(dir, result); // a result without pictures (a diverged run) leaves none
  assert.throws(() => Deno.statSync(folder), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeResult stores generators before the result that indexes them, keeps a re-scored result's pictures, and removes generators no result indexes", async () => {
  const { result, dir, png } = await pictureFixture();
  const bytes = new Uint8Array([1, 2, 3, 4]);
  const index = { dtype: "float32" as const, bytes: 4, sha256: "x", points: [] };
  const path = await writeResult(dir, {
    ...result,
    pictures: { interpolation: png },
    generators: { bytes, index },
  });
  const folder = path.slice(0, -".json".length);
  const trained = (await readResult(path))!;
  assert.equal(trained.checkpoints!.file, `cells/${basename(folder)}/${GENERATORS_FILE}`);
  assert.equal("generators" in trained, false, "the bytes live in their own file");
  assert.deepEqual(await Deno.readFile(join(folder, GENERATORS_FILE)), bytes);
  // Re-scored: the same pictures and generators, listed, no new bytes.
  await writeResult(dir, { ...trained, final: { "modes.kl": 1 } });
  assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name).sort(), [
    GENERATORS_FILE,
    "interpolation.png",
  ]);
  // Trained again, keeping nothing: nothing is left.
  await writeResult(dir, result);
  assert.throws(() => Deno.statSync(folder), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});
