import assert from "node:assert/strict";
import { fakeResult } from "../../testing/claim_worker.ts";
import { buildMatrix } from "./cells.ts";
import { claimCell, claimPath } from "./claim.ts";
import { cellPath, writeFileAtomic, writeResult } from "./store.ts";
import { loadSuite } from "./suite.ts";
import { renderPlan, renderStatus, shardsToResubmit, surveyRun } from "./survey.ts";

Deno.test("surveyRun tells stored, running, failed, interrupted, corrupt, stale and missing cells apart, read-only", async () => {
  const dir = await Deno.makeTempDir();
  const suite = loadSuite("dirac");
  const cells = buildMatrix(suite, { profile: "smoke", backend: "cpu" });
  const path = (k: number) => cellPath(dir, cells[k].config);
  // Cells 0-7 stored, 8 stale (another hash), 9 corrupt, 10 running, 11 failed, 12 interrupted.
  for (let k = 0; k < 8; k++) await writeResult(dir, fakeResult(cells[k]));
  await writeResult(dir, { ...fakeResult(cells[8]), hash: "0123456789abcdef" });
  await writeFileAtomic(path(9), "{ truncated");
  const running = (await claimCell(path(10)))!;
  const failed = (await claimCell(path(11)))!;
  await failed.fail(new Error("backend 'webgpu' is unavailable"));
  await Deno.writeTextFile(
    claimPath(path(12)),
    JSON.stringify({ host: "node7", pid: 4242, since: "2026-01-01T00:00:00.000Z" }),
  );
  const before = [...Deno.readDirSync(`${dir}/dirac/smoke/cells`)].map((e) => e.name).sort();
  try {
    const survey = await surveyRun([suite], {
      profile: "smoke",
      backend: "cpu",
      resultsDir: dir,
      shards: 4,
    });
    assert.equal(survey.cells.length, 16);
    const states = survey.cells.map((cell) => cell.state);
    assert.deepEqual(states, [
      ...Array(8).fill("stored"),
      "missing",
      "failed",
      "running",
      "failed",
      "failed",
      "missing",
      "missing",
      "missing",
    ]);
    assert.deepEqual(survey.cells.map((cell) => cell.shard), cells.map((_, k) => k % 4));
    const detail = (k: number) => survey.cells[k].detail ?? "";
    assert.match(
      detail(8),
      /another configuration is stored \(hash 0123456789abcdef, backend cpu\)/,
    );
    assert.ok(detail(9).startsWith(`Corrupt result file '${path(9)}': invalid JSON`), detail(9));
    assert.match(detail(10), new RegExp(`^running on \\S+ pid ${Deno.pid} since `));
    assert.match(detail(11), /^failed on \S+ pid \d+ since .*: backend 'webgpu' is unavailable$/);
    assert.equal(
      detail(12),
      "interrupted: started on node7 pid 4242 since 2026-01-01T00:00:00.000Z, which ended without storing it",
    );
    assert.equal(survey.cells[0].id, "dirac/smoke/dirac__gan-sim__seed0");

    // Shard 2 has cell 10 running: it is at work, so only 0, 1 and 3 are to resubmit.
    assert.deepEqual(shardsToResubmit(survey), [0, 1, 3]);
    const text = renderStatus(survey);
    assert.match(
      text,
      /^16 cells \(backend cpu\) under .*: 8 stored, 0 to re-score, 1 running, 3 failed, 4 missing$/m,
    );
    assert.match(
      text,
      new RegExp(`^ {2}failed +${survey.cells[12].id} +shard 0 +interrupted`, "m"),
    );
    assert.match(text, /^shards to resubmit \(of 4\): 0,1,3$/m);
    assert.equal(renderStatus(survey, { indices: true }), "0,1,3");
    const json = JSON.parse(renderStatus(survey, { json: true }));
    assert.equal(json.cells.length, 8, "only the cells not stored");
    const plan = JSON.parse(renderPlan(survey, true));
    assert.deepEqual(
      plan.cells.map((c: { stored: boolean }) => c.stored),
      states.map((s) => s === "stored"),
    );
    assert.match(
      renderPlan(survey),
      /^16 cells \(backend cpu\), 8 stored under .*, 8 to compute; 4 shards of 4 cells/m,
    );
    const after = [...Deno.readDirSync(`${dir}/dirac/smoke/cells`)].map((e) => e.name).sort();
    assert.deepEqual(after, before, "the survey moved and wrote nothing");
  } finally {
    await running.release();
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("surveyRun finds cells stored on wasm when asked about blas, which trains wasm's cells", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = loadSuite("dirac");
    const cells = buildMatrix(suite, { profile: "smoke", backend: "wasm" });
    for (const cell of cells) await writeResult(dir, fakeResult(cell));
    for (const backend of ["blas", "wasm"] as const) {
      const survey = await surveyRun([suite], { profile: "smoke", backend, resultsDir: dir });
      assert.equal(survey.backend, "wasm", backend);
      assert.ok(survey.cells.every((cell) => cell.state === "stored"), backend);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
