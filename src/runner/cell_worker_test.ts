import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { buildMatrix } from "./cells.ts";
import { cellWorkerPool } from "./run_suite.ts";
import { loadSuite } from "./suite.ts";

Deno.test("a user error thrown in a cell worker arrives as a user error with its name and code", async () => {
  const [cell] = buildMatrix(loadSuite("dirac"), { profile: "smoke", backend: "cpu", seeds: [0] });
  // A cell that passed no suite check: a conditional model on the unlabelled Dirac data.
  const broken = { ...cell, config: { ...cell.config, conditional: true } };
  const pool = cellWorkerPool({ jobs: 1, backend: "cpu" });
  try {
    await assert.rejects(pool.run(broken), (error: unknown) => {
      assert.ok(error instanceof UserError, `a UserError, got ${error}`);
      assert.equal(error.name, "CellSetupError");
      assert.equal(error.code, "cell-setup");
      assert.equal(error.exitCode, 1);
      assert.equal(
        error.message,
        `dirac ${cell.config.variant} seed 0: variant '${cell.config.variant}' is class-conditional, but dataset 'dirac' has no labels`,
      );
      return true;
    });
  } finally {
    pool.close();
  }
});
