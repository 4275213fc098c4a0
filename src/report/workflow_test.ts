import assert from "node:assert/strict";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

Deno.test("the leaderboard workflow runs every suite in shards, builds the site from their merged results and deploys it to Pages", () => {
  const workflow = parse(read(".github/workflows/leaderboard.yml"));
  const suites = [...Deno.readDirSync(new URL("suites/", root))]
    .filter((e) => e.name.endsWith(".json"))
    .map((e) => e.name.replace(/\.json$/, ""))
    .sort();
  assert.ok(workflow.on.push.branches.includes("main"), "runs on pushes to main");
  assert.ok(workflow.on.workflow_dispatch.inputs.profile, "a profile can be chosen by hand");
  assert.equal(workflow.permissions.pages, "write");
  assert.equal(workflow.permissions["id-token"], "write");

  const shard = workflow.jobs.shard;
  const matrix = shard.strategy.matrix;
  assert.deepEqual([...matrix.suite].sort(), suites, "every suite in suites/");
  assert.equal(shard.strategy["fail-fast"], false, "a failed shard stops no other");
  const shards = Number(workflow.env.SHARDS);
  assert.deepEqual(matrix.shard, Array.from({ length: shards }, (_, i) => i), "0 to SHARDS-1");
  const shardSteps: Step[] = shard.steps;
  const deno = read(".ci/run").match(/deno@[0-9.]+/)![0];
  const run = shardSteps.find((s) => s.run?.includes(`task suite`))?.run?.replace(/\s+/g, " ");
  assert.ok(
    run?.includes(`npx -y ${deno} task suite \${{ matrix.suite }} --profile "$PROFILE"`),
    "each job runs its suite with the Deno that CI uses",
  );
  assert.match(run!, / --backend (wasm|cpu|webgpu|tensorflow) /, "the backend is pinned");
  assert.ok(run!.endsWith(`--shard "\${{ matrix.shard }}/$SHARDS"`), "and runs its shard");
  const runStep = shardSteps.find((s) => s.run?.includes(`task suite`));
  const check = shardSteps.find((s) => s.run?.includes(".profiles[$p]"));
  assert.ok(check, "a suite's profiles are looked up before its shard runs");
  assert.equal(
    runStep?.if,
    "steps.has-profile.outputs.run == 'true'",
    "a suite without the chosen profile (the replication suites at quick) is skipped, not failed",
  );
  const upload = shardSteps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
  assert.equal(upload?.if, "always()", "a failed shard's cells are uploaded too");
  assert.match(String(upload?.with?.name), /\$\{\{ matrix\.suite \}\}.*\$\{\{ matrix\.shard \}\}/);

  const site = workflow.jobs.site;
  assert.deepEqual(site.needs, "shard");
  assert.equal(site.if, "${{ !cancelled() }}", "the site is built from the shards that finished");
  const siteSteps: Step[] = site.steps;
  const names = siteSteps.map((s) => s.uses?.split("@")[0] ?? s.run);
  const report = siteSteps.findIndex((s) =>
    s.run?.includes(`${deno} task report --results results --out site`)
  );
  assert.ok(report > 0, "the site is built from the downloaded results");
  assert.ok(names.indexOf("actions/download-artifact") < report);
  const download = siteSteps.find((s) => s.uses?.startsWith("actions/download-artifact@"));
  assert.equal(download?.with?.["merge-multiple"], true, "the shards' results are merged");
  assert.ok(names.indexOf("actions/upload-pages-artifact") > report);
  assert.equal(
    siteSteps.find((s) => s.uses?.startsWith("actions/upload-pages-artifact"))?.with?.path,
    "site/",
  );
  assert.ok(names.indexOf("actions/deploy-pages") > names.indexOf("actions/upload-pages-artifact"));
  assert.equal(site.environment.name, "github-pages");
});
