/**
 * The Kubernetes manifests, checked without a cluster: each document against the Kubernetes API
 * schema (npm `kubernetes-models`: types, required fields, enums, formats), every field name
 * against the API types (a TypeScript excess-property check, which the schema validators skip:
 * they let unknown fields through), and the ganbench command lines in them against ganbench's own
 * option definitions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { COMMANDS } from "../../src/cli.ts";
import { parseCommandLine } from "../../src/cli_options.ts";
import { parseShard } from "../../src/runner/shard.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = fileURLToPath(new URL(".", import.meta.url));

/** The image reference in the manifests, which deploy/k8s/run.sh replaces with IMAGE. */
const IMAGE_PLACEHOLDER = "set-your-registry.invalid/ganbench:set-me";

// deno-lint-ignore no-explicit-any
type Manifest = any;

/** The API kinds the manifests use: their model (validation) and TypeScript interface. */
const KINDS: Record<string, { validate(value: Manifest): void; type: string; module: string }> = {
  "batch/v1 Job": {
    validate: (value) => new Job(value).validate(),
    type: "IJob",
    module: "kubernetes-models/batch/v1/Job",
  },
  "v1 PersistentVolumeClaim": {
    validate: (value) => new PersistentVolumeClaim(value).validate(),
    type: "IPersistentVolumeClaim",
    module: "kubernetes-models/v1/PersistentVolumeClaim",
  },
};

/** Every document of every YAML file in deploy/k8s/, with its file name. */
function manifests(): { file: string; doc: Manifest }[] {
  return [...Deno.readDirSync(DIR)].filter((entry) => entry.name.endsWith(".yaml"))
    .map((entry) => entry.name).sort().flatMap((file) =>
      parseAllDocuments(Deno.readTextFileSync(join(DIR, file))).map((document) => {
        assert.deepEqual(document.errors, [], file);
        return { file, doc: document.toJS() };
      })
    );
}

function kindOf(doc: Manifest) {
  const kind = KINDS[`${doc.apiVersion} ${doc.kind}`];
  assert.ok(kind, `no model for ${doc.apiVersion} ${doc.kind}`);
  return kind;
}

/**
 * Type-checks `docs` as object literals of their API interfaces with `deno check`: a field the
 * API does not have (a misspelling) fails it, named in the output.
 */
async function checkFieldNames(docs: Manifest[]): Promise<{ ok: boolean; output: string }> {
  const dir = await Deno.makeTempDir();
  const kinds = docs.map(kindOf);
  const source = [
    ...new Set(kinds.map((kind) => `import type { ${kind.type} } from "${kind.module}";`)),
    ...docs.map((doc, i) => `export const doc${i}: ${kinds[i].type} = ${JSON.stringify(doc)};`),
  ].join("\n");
  const file = join(dir, "manifests.ts");
  await Deno.writeTextFile(file, source + "\n");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", join(ROOT, "deno.json"), file],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  return { ok: output.success, output: text };
}

/**
 * The ganbench command lines (`deno run -A src/cli.ts NAME ARGS`, or `deno task NAME ARGS`) of a
 * container's `sh -c` script, without output redirections.
 */
function ganbenchCommands(script: string, env: Record<string, string>): string[][] {
  const entry = / src\/cli\.ts | task /;
  return script.split(/;|&&/).filter((part) => entry.test(part)).map((part) =>
    part.split(">")[0].split(entry)[1].trim().split(/\s+/).map((word) =>
      word.replaceAll('"', "").replace(/\$([A-Z_]+)/g, (_, name) => {
        assert.ok(name in env, `$${name} is defined`);
        return env[name];
      })
    )
  );
}

/** A container's environment, with the variable the Job controller adds to Indexed Jobs. */
function containerEnv(container: Manifest): Record<string, string> {
  return {
    JOB_COMPLETION_INDEX: "0",
    ...Object.fromEntries(container.env?.map((e: Manifest) => [e.name, e.value]) ?? []),
  };
}

Deno.test("every Kubernetes manifest validates against the API schema and uses only fields the API has", async () => {
  const all = manifests();
  assert.deepEqual(
    all.map(({ file, doc }) => `${file}: ${doc.kind}`),
    [
      "plan-job.yaml: Job",
      "pvc.yaml: PersistentVolumeClaim",
      "report-job.yaml: Job",
      "shards-job.yaml: Job",
    ],
  );
  for (const { doc } of all) kindOf(doc).validate(doc);
  const checked = await checkFieldNames(all.map(({ doc }) => doc));
  assert.ok(checked.ok, checked.output);
});

Deno.test("a misspelled field or a wrong type in a manifest is caught", async () => {
  const job = manifests().find(({ file }) => file === "shards-job.yaml")!.doc;
  // Two documents, since TypeScript reports one excess property per declaration.
  const topLevel = structuredClone(job);
  topLevel.spec.paralelism = topLevel.spec.parallelism;
  delete topLevel.spec.parallelism;
  const nested = structuredClone(job);
  const mount = nested.spec.template.spec.containers[0].volumeMounts[0];
  mount.mountpath = mount.mountPath;
  delete mount.mountPath;
  const checked = await checkFieldNames([topLevel, nested]);
  assert.equal(checked.ok, false);
  assert.match(checked.output, /'"?paralelism"?' does not exist in type 'IJobSpec'/);
  assert.match(checked.output, /'"?mountpath"?' does not exist in type 'IVolumeMount'/);

  const wrongType = structuredClone(job);
  wrongType.spec.completions = "8";
  assert.throws(() => kindOf(wrongType).validate(wrongType), /completions/);
  const wrongEnum = structuredClone(job);
  wrongEnum.spec.completionMode = "Indexd";
  assert.throws(() => kindOf(wrongEnum).validate(wrongEnum), /completionMode/);
});

Deno.test("the shards Job is an Indexed Job of N shards that runs the plan Job's plan on the results volume, and the report Job reads that volume", () => {
  const all = manifests();
  const pvc = all.find(({ doc }) => doc.kind === "PersistentVolumeClaim")!.doc;
  assert.ok(pvc.spec.accessModes.includes("ReadWriteMany"), "pods on many nodes mount it");
  const jobs = Object.fromEntries(
    all.filter(({ doc }) => doc.kind === "Job").map(
      ({ file, doc }) => [file, doc],
    ),
  );
  const shards = jobs["shards-job.yaml"];
  const commands: string[] = [];
  assert.equal(shards.spec.completionMode, "Indexed");
  assert.equal(shards.spec.parallelism, shards.spec.completions);
  assert.ok(shards.spec.backoffLimitPerIndex >= 1, "a failed index is retried on its own");
  for (const job of Object.values(jobs)) {
    const pod = job.spec.template.spec;
    assert.equal(pod.restartPolicy, "Never");
    const [container] = pod.containers;
    const volume = pod.volumes.find((v: Manifest) => v.name === container.volumeMounts[0].name);
    assert.equal(volume.persistentVolumeClaim.claimName, pvc.metadata.name);
    const env = containerEnv(container);
    assert.equal(env.SHARDS, String(shards.spec.completions), "SHARDS is the Job's completions");
    assert.deepEqual(container.command, ["sh", "-c"]);
    for (const [name, ...args] of ganbenchCommands(container.args.join(" "), env)) {
      assert.ok(COMMANDS[name], `ganbench has a command '${name}'`);
      const parsed = parseCommandLine(name, COMMANDS[name], args);
      assert.ok(!parsed.help);
      const values = parsed.values as Record<string, unknown>;
      const folder = values.out ?? values.results;
      assert.ok(
        String(folder).startsWith(container.volumeMounts[0].mountPath),
        `${name} works on the volume`,
      );
      if (name === "plan") {
        assert.notEqual(values.backend, "auto", `${name} pins --backend`);
        assert.equal(values.json, true);
        assert.match(
          container.args.join(" "),
          /&& mv \/results\/plan\.json\.tmp \/results\/plan\.json/,
        );
      }
      if (name === "bench" || name === "status") {
        assert.equal(values.plan, "/results/plan.json", `${name} runs the plan Job's plan`);
      }
      commands.push(name);
      if (name === "bench") {
        assert.deepEqual(parseShard(String(values.shard)), {
          index: 0,
          count: shards.spec.completions,
        });
      }
    }
    assert.equal(container.image, IMAGE_PLACEHOLDER, "an image the user must set (run.sh does)");
  }
  assert.deepEqual(commands.sort(), ["bench", "plan", "report", "status"]);
  assert.ok(
    shards.spec.template.spec.containers[0].args.join(" ").trim().startsWith("exec deno run"),
    "the shard execs Deno, which gets the pod's SIGTERM",
  );
  const rules = shards.spec.podFailurePolicy.rules;
  assert.deepEqual(rules[0], {
    action: "Ignore",
    onPodConditions: [{ type: "DisruptionTarget" }],
  }, "evictions and node loss use up no retries");
});

Deno.test("the image leaves out host node_modules, .git and results", () => {
  const ignored = Deno.readTextFileSync(join(ROOT, ".dockerignore")).split("\n")
    .filter((line) => line && !line.startsWith("#"));
  for (const path of ["node_modules/", ".git/", "results/"]) {
    assert.ok(ignored.includes(path), path);
  }
});

/** A kubectl stub: logs its calls, keeps what `apply -f -` gets, answers `get job/NAME`. */
async function kubectlStub(dir: string, states: Record<string, string>): Promise<string> {
  const path = join(dir, "kubectl");
  const answers = Object.entries(states).map(([job, state]) =>
    `  *"get job/${job} -o"*) echo ${state} ;;`
  ).join("\n");
  await Deno.writeTextFile(
    path,
    `#!/usr/bin/env bash
echo "$*" >>"${dir}/calls.log"
case "$*" in
  "apply -f -") cat >>"${dir}/applied.yaml"; echo --- >>"${dir}/applied.yaml" ;;
${answers}
  *"get job/"*) exit 1 ;;
  "logs job/ganbench-report") echo "report log: 3 missing" ;;
esac
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("run.sh runs the report also when the shards Job failed, shows its log, and exits 1; without IMAGE it refuses", async () => {
  const dir = await Deno.makeTempDir();
  const kubectl = await kubectlStub(dir, {
    "ganbench-plan": "Complete",
    "ganbench-shards": "FailureTarget Failed",
    "ganbench-report": "Complete",
  });
  const run = async (env: Record<string, string>) => {
    const output = await new Deno.Command(join(ROOT, "deploy/k8s/run.sh"), {
      env: { KUBECTL: kubectl, POLL_SECONDS: "0", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code: output.code, out: text.decode(output.stdout), err: text.decode(output.stderr) };
  };
  const noImage = await run({});
  assert.equal(noImage.code, 2);
  assert.match(noImage.err, /^run\.sh: set IMAGE to your ganbench image/);

  const failed = await run({ IMAGE: "registry.example/ganbench:v1" });
  assert.equal(failed.code, 1, failed.err);
  assert.match(failed.out, /the shards Job ended: Failed/);
  assert.match(failed.out, /report log: 3 missing/);
  const applied = parseAllDocuments(await Deno.readTextFile(join(dir, "applied.yaml")))
    .map((document) => document.toJS()).filter(Boolean);
  assert.deepEqual(applied.map((doc) => doc.metadata.name), [
    "ganbench-results",
    "ganbench-plan",
    "ganbench-shards",
    "ganbench-report",
  ]);
  for (const doc of applied.filter((doc) => doc.kind === "Job")) {
    assert.equal(doc.spec.template.spec.containers[0].image, "registry.example/ganbench:v1");
  }
  await Deno.remove(dir, { recursive: true });
});
