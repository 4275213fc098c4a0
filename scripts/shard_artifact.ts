/**
 * Copies one shard's own results (the plan's cells of that shard, with their pictures; shard 0
 * adds each suite folder's suite.json) into a folder to upload as that shard's artifact, so that
 * shards' artifacts never share a path (see src/runner/shard_artifact.ts). Usage:
 *
 *   deno run -A scripts/shard_artifact.ts --plan plan.json --shard 2 --results results --out artifact
 *
 * @module
 */
import { parseScriptArgs } from "../src/cli_options.ts";
import { isUserError } from "../src/errors.ts";
import { readPlanFile } from "../src/runner/plan_file.ts";
import { collectShard } from "../src/runner/shard_artifact.ts";

const { values } = parseScriptArgs("scripts/shard_artifact.ts", {
  summary: "copy one shard's stored cells (and nothing else) into a folder for its artifact",
  options: {
    plan: { type: "string", value: "FILE", description: "the run plan (`plan --json`)" },
    shard: { type: "integer", description: "the shard, from 0 to the plan's shards - 1" },
    results: { type: "string", value: "DIR", default: "results", description: "stored results" },
    out: { type: "string", value: "DIR", default: "artifact", description: "where to copy them" },
  },
});

try {
  if (values.plan === undefined || values.shard === undefined) {
    console.error("scripts/shard_artifact.ts: --plan FILE and --shard I are needed");
    Deno.exit(2);
  }
  const plan = await readPlanFile(values.plan);
  if (values.shard < 0 || values.shard >= plan.shards) {
    console.error(
      `scripts/shard_artifact.ts: --shard must be from 0 to ${
        plan.shards - 1
      }, got ${values.shard}`,
    );
    Deno.exit(2);
  }
  const artifact = await collectShard(plan, values.shard, values.results, values.out);
  console.log(
    `shard ${values.shard}: ${artifact.copied} of its ${artifact.planned} cells stored, copied with ${
      artifact.files.length - artifact.copied
    } other files to ${values.out}/`,
  );
} catch (error) {
  if (!isUserError(error)) throw error;
  console.error(`scripts/shard_artifact.ts: ${error.message}`);
  Deno.exit(error.exitCode);
}
