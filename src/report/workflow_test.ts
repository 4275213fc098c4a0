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

Deno.test("the leaderboard workflow runs every suite's plan in shards, merges only each shard's own cells, checks every planned cell is there, and deploys the site to Pages", () => {
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
  const text = (step?: Step) => step?.run?.replace(/\s+/g, " ").trim() ?? "";
  const planStep = shardSteps.find((s) => s.run?.includes(`task plan`));
  const plan = text(planStep);
  assert.ok(
    plan.includes(`npx -y ${deno} task plan \${{ matrix.suite }} --profile "$PROFILE"`),
    "each job plans its suite with the Deno that CI uses",
  );
  assert.match(plan, / --backend (wasm|cpu|webgpu|tensorflow) /, "the backend is pinned");
  assert.ok(plan.includes(`--shards "$SHARDS" --json > "plans/\${{ matrix.suite }}.json"`));
  const runStep = shardSteps.find((s) => s.run?.includes(`task bench`));
  const run = text(runStep);
  assert.ok(run.includes(`task bench --plan "plans/\${{ matrix.suite }}.json"`), "runs the plan");
  assert.ok(run.endsWith(`--shard "\${{ matrix.shard }}/$SHARDS"`), "and runs its shard");
  const check = shardSteps.find((s) => s.run?.includes(".profiles[$p]"));
  assert.ok(check, "a suite's profiles are looked up before its shard runs");
  for (const step of [planStep, runStep]) {
    assert.equal(
      step?.if,
      "steps.has-profile.outputs.run == 'true'",
      "a suite without the chosen profile (the replication suites at quick) is skipped, not failed",
    );
  }
  const collect = shardSteps.find((s) => s.run?.includes("scripts/shard_artifact.ts"));
  assert.ok(
    text(collect).includes(`--shard "\${{ matrix.shard }}" --results results --out artifact`),
    "only the shard's own cells go into its artifact",
  );
  const uploads = shardSteps.filter((s) => s.uses?.startsWith("actions/upload-artifact@"));
  const [upload, planUpload] = uploads;
  assert.equal(upload?.with?.path, "artifact/");
  assert.ok(String(upload?.if).startsWith("always()"), "a failed shard's cells are uploaded too");
  assert.match(String(upload?.with?.name), /\$\{\{ matrix\.suite \}\}.*\$\{\{ matrix\.shard \}\}/);
  assert.ok(String(planUpload?.if).endsWith("matrix.shard == 0"), "one plan per suite");
  for (const step of uploads) {
    assert.equal(step.with?.overwrite, true, "a re-run job replaces its artifact");
  }

  const site = workflow.jobs.site;
  assert.deepEqual(site.needs, "shard");
  assert.equal(site.if, "${{ !cancelled() }}", "the merge runs also when a shard failed");
  const siteSteps: Step[] = site.steps;
  const names = siteSteps.map((s) => s.uses?.split("@")[0] ?? s.run);
  const report = siteSteps.findIndex((s) =>
    s.run?.includes(`${deno} task report --results results --out site`)
  );
  assert.ok(report > 0, "the site is built from the downloaded results");
  assert.ok(names.indexOf("actions/download-artifact") < report);
  const downloads = siteSteps.filter((s) => s.uses?.startsWith("actions/download-artifact@"));
  assert.deepEqual(downloads.map((s) => [s.with?.pattern, s.with?.path]), [
    ["results-*", "results/"],
    ["plan-*", "plans/"],
  ]);
  for (const step of downloads) assert.equal(step.with?.["merge-multiple"], true);
  const verify = siteSteps.findIndex((s) =>
    s.run?.includes(`${deno} task status --plan "$plan" --results results`)
  );
  assert.ok(verify > report, "every planned cell is checked");
  assert.match(siteSteps[verify].run!, /for plan in plans\/\*\.json/);
  assert.match(siteSteps[verify].run!, /exit "\$code"/, "a missing cell fails the job");
  assert.ok(names.indexOf("actions/upload-pages-artifact") > verify, "and nothing is published");
  assert.ok(names.indexOf("actions/upload-pages-artifact") > report);
  assert.equal(
    siteSteps.find((s) => s.uses?.startsWith("actions/upload-pages-artifact"))?.with?.path,
    "site/",
  );
  assert.ok(names.indexOf("actions/deploy-pages") > names.indexOf("actions/upload-pages-artifact"));
  assert.equal(site.environment.name, "github-pages");
});
