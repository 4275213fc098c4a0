import assert from "node:assert/strict";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

Deno.test("the leaderboard workflow runs every suite, builds the site from their results and deploys it to Pages", () => {
  const workflow = parse(read(".github/workflows/leaderboard.yml"));
  const suites = [...Deno.readDirSync(new URL("suites/", root))]
    .filter((e) => e.name.endsWith(".json"))
    .map((e) => e.name.replace(/\.json$/, ""))
    .sort();
  assert.ok(workflow.on.push.branches.includes("main"), "runs on pushes to main");
  assert.ok(workflow.on.workflow_dispatch.inputs.profile, "a profile can be chosen by hand");
  assert.equal(workflow.permissions.pages, "write");
  assert.equal(workflow.permissions["id-token"], "write");

  const suite = workflow.jobs.suite;
  assert.deepEqual([...suite.strategy.matrix.suite].sort(), suites, "one job per suite in suites/");
  const suiteSteps: Step[] = suite.steps;
  const deno = read(".ci/run").match(/deno@[0-9.]+/)![0];
  assert.ok(
    suiteSteps.some((s) =>
      s.run?.includes(`npx -y ${deno} task suite \${{ matrix.suite }} --profile "$PROFILE"`)
    ),
    "each job runs its suite with the Deno that CI uses",
  );
  assert.ok(suiteSteps.some((s) => s.uses?.startsWith("actions/upload-artifact@")));

  const site = workflow.jobs.site;
  assert.deepEqual(site.needs, "suite");
  const siteSteps: Step[] = site.steps;
  const names = siteSteps.map((s) => s.uses?.split("@")[0] ?? s.run);
  const report = siteSteps.findIndex((s) =>
    s.run?.includes(`${deno} task report --results results --out site`)
  );
  assert.ok(report > 0, "the site is built from the downloaded results");
  assert.ok(names.indexOf("actions/download-artifact") < report);
  assert.ok(names.indexOf("actions/upload-pages-artifact") > report);
  assert.equal(
    siteSteps.find((s) => s.uses?.startsWith("actions/upload-pages-artifact"))?.with?.path,
    "site/",
  );
  assert.ok(names.indexOf("actions/deploy-pages") > names.indexOf("actions/upload-pages-artifact"));
  assert.equal(site.environment.name, "github-pages");
});
