import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { registerJob, runJobs } from "./parallel.ts";

class TestInputError extends UserError {
  override name = "TestInputError";
  override readonly code: string = "test-input";
}

registerJob("test-failing-job", (inputs, index) => {
  if (index !== 1) return;
  if (inputs.numbers.user) throw new TestInputError("part 1 cannot use its input");
  throw new TypeError("a bug in part 1");
});

// A failure crosses from the thread that ran the job through the batch's shared buffer; the
// calling thread runs this small batch itself, through the same buffer.
Deno.test("a user error thrown in a metric job arrives as a user error with its name and code", () => {
  assert.throws(
    () => runJobs("test-failing-job", { arrays: {}, numbers: { user: 1 } }, 3, { work: 0 }),
    (error: unknown) => {
      assert.ok(error instanceof UserError, String(error));
      assert.equal(error.name, "TestInputError");
      assert.equal(error.code, "test-input");
      assert.equal(
        error.message,
        "metric job test-failing-job failed for 1 of 3 parts: part 1 cannot use its input",
      );
      return true;
    },
  );
});

Deno.test("any other error thrown in a metric job stays an internal error", () => {
  assert.throws(
    () => runJobs("test-failing-job", { arrays: {}, numbers: { user: 0 } }, 3, { work: 0 }),
    (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof UserError), String(error));
      assert.equal(error.name, "TypeError");
      assert.match(error.message, /failed for 1 of 3 parts: a bug in part 1$/);
      return true;
    },
  );
});
