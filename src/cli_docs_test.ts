/** docs/cli.md against the command-line definitions it is generated from. */
import assert from "node:assert/strict";
import { COMMANDS, renderHelp } from "./cli.ts";
import {
  CLI_DOC,
  GENERATED_END,
  GENERATED_START,
  renderCliReference,
  withCliReference,
} from "./cli_docs.ts";
import { renderCommandHelp } from "./cli_options.ts";

Deno.test("docs/cli.md holds the usage, help and option table that the definitions give", async () => {
  const doc = await Deno.readTextFile(CLI_DOC);
  assert.equal(
    withCliReference(doc),
    doc,
    "docs/cli.md is stale: run deno task docs",
  );
  const rows = doc.split("\n").filter((line) => /^\| `--/.test(line)).flatMap((line) => {
    const [option, commands] = line.split("|").slice(1, 3).map((cell) => cell.trim());
    return commands.split(", ").map((command) => `${command} ${option.replaceAll("`", "")}`);
  });
  const defined = Object.entries(COMMANDS).flatMap(([name, command]) =>
    Object.keys(command.options).map((option) => `${name} --${option}`)
  );
  assert.deepEqual(rows.toSorted(), defined.toSorted());
  for (const [name, spec] of Object.entries(COMMANDS)) {
    assert.ok(doc.includes(renderCommandHelp(name, spec, 80)), `the help of ${name}`);
  }
  assert.ok(doc.includes(renderHelp(80)));
});

Deno.test("withCliReference replaces only the text between the markers, and refuses a file without them", () => {
  const text = `# Title\n\nbefore\n${GENERATED_START}\nold\n${GENERATED_END}\nafter\n`;
  assert.equal(
    withCliReference(text),
    `# Title\n\nbefore\n${renderCliReference()}\nafter\n`,
  );
  assert.throws(() => withCliReference("# no markers\n"), /needs the lines/);
  assert.throws(
    () => withCliReference(`${GENERATED_END}\n${GENERATED_START}\n`),
    /in that order/,
  );
});
