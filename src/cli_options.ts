/**
 * Command-line definitions: one object per command lists each option with its type, default,
 * choices and a one-line description. Parsing (`node:util` parseArgs), validation, `--help`, the
 * usage lines and the option table of docs/cli.md are all derived from it, so that they cannot
 * drift.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { didYouMean, unknownNameMessage } from "./registry.ts";

/**
 * How an option's value is read: `boolean` (a flag), `string`, `integer`, `count` (a positive
 * integer), `list` (comma-separated names) or `integers` (comma-separated integers). Lists may not
 * repeat an item.
 */
export type OptionType = "boolean" | "string" | "integer" | "count" | "list" | "integers";

/** The value an option of type `T` parses to. */
export type ValueOfType<T extends OptionType> = T extends "boolean" ? boolean
  : T extends "integer" | "count" ? number
  : T extends "list" ? string[]
  : T extends "integers" ? number[]
  : string;

/** One option of a command. */
export interface OptionSpec {
  type: OptionType;
  /** One line, no final period. */
  description: string;
  /** The value's placeholder in usage lines ("N", "DIR"); default: the choices, or by type. */
  value?: string;
  /** The default value, or a function giving it at run time (then set `defaultText`). */
  default?: string | number | readonly string[] | (() => string | number);
  /** The default as help shows it, when it is computed or depends on other options. */
  defaultText?: string;
  /** The accepted values (of each item, for a list). */
  choices?: readonly string[];
}

/** A command's positional arguments. */
export interface PositionalSpec {
  /** As usage lines show them: "NAME", "INPUT1 [INPUT2]". */
  usage: string;
  /** One line for help, no final period. */
  description: string;
  /** What one is, for messages: "suite name", "input". */
  noun: string;
  min: number;
  max: number;
}

/** The parsed values of options `O`: typed, defaults applied, absent ones undefined. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  -readonly [K in keyof O]: O[K]["type"] extends "boolean" ? boolean
    : O[K] extends { default: unknown } ? ValueOfType<O[K]["type"]>
    : ValueOfType<O[K]["type"]> | undefined;
};

/** A command: its summary, positionals, options, and what it does with them. */
export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** One line, no final period. */
  summary: string;
  positionals?: PositionalSpec;
  options: O;
  /** Runs the command; resolves to the exit code. */
  run(values: OptionValues<O>, positionals: string[]): Promise<number>;
}

/** A command's definition without its action (what parsing and help need; scripts use it). */
export type CommandDefinition<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> =
  Omit<CommandSpec<O>, "run">;

/** Types a command definition (keeps each option's literal type for {@linkcode OptionValues}). */
export function defineCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
): CommandSpec<O> {
  return spec;
}

/** How a command is typed: `deno task NAME`, or `deno run -A NAME` for a script file. */
function invocation(name: string): string {
  return name.endsWith(".ts") ? `deno run -A ${name}` : `deno task ${name}`;
}

/** The option every command takes besides its own. */
const HELP_OPTION = { name: "help", short: "h", description: "print this help and exit" };

/** What {@linkcode parseCommandLine} found: a request for help, or typed values. */
export type ParsedCommandLine<O extends Record<string, OptionSpec>> =
  | { help: true }
  | { help: false; values: OptionValues<O>; positionals: string[] };

const INTEGER = /^-?\d+$/;
const NUMBERS = ["one", "two", "three", "four", "five"];

function countText(n: number): string {
  return NUMBERS[n - 1] ?? String(n);
}

function listItems(flag: string, text: string): string[] {
  const items = text.split(",").map((item) => item.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`${flag} needs at least one value, got '${text}'`);
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice !== undefined) throw new UsageError(`${flag} lists '${twice}' twice`);
  return items;
}

function checkChoice(flag: string, value: string, choices: readonly string[] | undefined): void {
  if (!choices || choices.includes(value)) return;
  const hint = didYouMean(value, choices);
  throw new UsageError(
    `${flag} must be one of ${choices.join(", ")}, got '${value}'${hint ? `.${hint}` : ""}`,
  );
}

/** `text` as option `spec` reads it; a malformed value is a {@linkcode UsageError}. */
function readValue(flag: string, spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case "count": {
      if (!/^\d+$/.test(text) || Number(text) < 1) {
        throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
      }
      return Number(text);
    }
    case "integer": {
      if (!INTEGER.test(text)) throw new UsageError(`${flag} must be an integer, got '${text}'`);
      return Number(text);
    }
    case "list": {
      const items = listItems(flag, text);
      for (const item of items) checkChoice(flag, item, spec.choices);
      return items;
    }
    case "integers": {
      const items = text.split(",").map((item) => item.trim()).filter(Boolean);
      if (!items.length || items.some((item) => !INTEGER.test(item))) {
        throw new UsageError(`${flag} must be comma-separated integers, got '${text}'`);
      }
      return listItems(flag, items.map((item) => String(Number(item))).join(",")).map(Number);
    }
    default:
      checkChoice(flag, text, spec.choices);
      return text;
  }
}

/** The default of `spec` as a value. */
function defaultOf(spec: OptionSpec): unknown {
  if (spec.type === "boolean") return false;
  const value = typeof spec.default === "function" ? spec.default() : spec.default;
  return Array.isArray(value) ? [...value] : value;
}

/**
 * Parses `args` for command `name` as `spec` defines it. Unknown options (with the closest known
 * one), missing or malformed values, values outside the choices, repeated list items and a wrong
 * number of positionals are {@linkcode UsageError}s; `-h`/`--help` anywhere asks for help.
 */
export function parseCommandLine<O extends Record<string, OptionSpec>>(
  name: string,
  spec: CommandDefinition<O>,
  args: string[],
): ParsedCommandLine<O> {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    [HELP_OPTION.name]: { type: "boolean", short: HELP_OPTION.short },
  };
  for (const [option, definition] of Object.entries(spec.options)) {
    options[option] = { type: definition.type === "boolean" ? "boolean" : "string" };
  }
  // strict: false, so that every mistake is reported here in ganbench's words.
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // A short option joined to more letters (`-h.npy`) is no option ganbench has: parseArgs would
  // read it as -h -. -n -p -y and print help. Say so, and how to name such a file.
  const grouped = tokens.find((token) =>
    token.kind === "option" && token.rawName.length === 2 && args[token.index] !== token.rawName
  );
  if (grouped?.kind === "option") {
    const arg = args[grouped.index];
    throw new UsageError(
      `Unknown option '${arg}' (options are --name, -h alone): to name a file that starts with '-', write './${arg}'`,
    );
  }
  if (tokens.some((token) => token.kind === "option" && token.name === HELP_OPTION.name)) {
    return { help: true };
  }
  const known = Object.keys(spec.options).map((option) => `--${option}`);
  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const definition = spec.options[token.name];
    if (!definition) {
      throw new UsageError(unknownNameMessage("option", token.rawName, [...known, "--help"]));
    }
    if (definition.type === "boolean") {
      if (token.inlineValue) throw new UsageError(`Option '${token.rawName}' takes no value`);
      raw[token.name] = true;
      continue;
    }
    const value = token.value;
    if (
      value === undefined ||
      (!token.inlineValue && value.startsWith("-") && !INTEGER.test(value) &&
        !definition.choices?.includes(value))
    ) {
      throw new UsageError(
        `Option '${token.rawName}' needs a value: ${token.rawName} ${placeholder(definition)}`,
      );
    }
    raw[token.name] = value;
  }
  const values: Record<string, unknown> = {};
  for (const [option, definition] of Object.entries(spec.options)) {
    const given = raw[option];
    values[option] = given === undefined
      ? defaultOf(definition)
      : definition.type === "boolean"
      ? given
      : readValue(`--${option}`, definition, given as string);
  }
  const expected = spec.positionals ?? { usage: "", noun: "argument", min: 0, max: 0 };
  if (positionals.length < expected.min || positionals.length > expected.max) {
    const wanted = expected.max === 0
      ? `${name} takes no arguments`
      : `${name} needs ${
        expected.min === expected.max
          ? countText(expected.min)
          : `${countText(expected.min)} or ${countText(expected.max)}`
      } ${expected.noun}${expected.max > 1 ? "s" : ""} (${expected.usage})`;
    const got = positionals.length ? positionals.map((p) => `'${p}'`).join(", ") : "none";
    throw new UsageError(`${wanted}, got ${got}; see ${invocation(name)} --help`);
  }
  return { help: false, values: values as OptionValues<O>, positionals };
}

/** The placeholder of an option's value in usage lines. */
function placeholder(spec: OptionSpec): string {
  if (spec.value) return spec.value;
  if (spec.choices) return spec.choices.join(spec.type === "list" ? "," : "|");
  return { count: "N", integer: "N", list: "a,b", integers: "0,1", string: "S", boolean: "" }[
    spec.type
  ];
}

/** The default as help and docs/cli.md show it ("" when there is none). */
export function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined || typeof spec.default === "function") return "";
  return Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default);
}

/** Longest value placeholder a usage line or help row shows; longer choice lists are named. */
const PLACEHOLDER_MAX = 32;

/**
 * The placeholder as usage lines and help rows show it: the choices themselves when they are
 * short, else `NAME` (`LIST` for a list), with the choices listed in the option's help text.
 */
function shortPlaceholder(spec: OptionSpec): string {
  const full = placeholder(spec);
  if (full.length <= PLACEHOLDER_MAX) return full;
  return spec.type === "list" ? "LIST" : "NAME";
}

/** `--name VALUE` of an option. */
function optionUsage(option: string, spec: OptionSpec): string {
  return spec.type === "boolean" ? `--${option}` : `--${option} ${shortPlaceholder(spec)}`;
}

/**
 * Words joined with spaces into lines of at most `width`, continuation lines indented. A last
 * line of one word takes the previous line's last word (and so on up), so that no line holds a
 * lone word where the width allows two.
 */
function wrap(words: string[], width: number, indent: number): string[] {
  const lines: string[][] = [];
  let line: string[] = [];
  let length = 0;
  for (const word of words) {
    if (line.length && length + 1 + word.length > width) {
      lines.push(line);
      line = [word];
      length = indent + word.length;
    } else {
      length += (line.length ? 1 : 0) + word.length;
      line.push(word);
    }
  }
  if (line.length) lines.push(line);
  // From the end: a line of one word takes the word before it, while that fits.
  const joined = (words: string[]) => words.join(" ").length;
  for (let i = lines.length - 1; i > 0; i--) {
    const [line, before] = [lines[i], lines[i - 1]];
    if (line.length !== 1 || before.length < 2) break;
    if (indent + before.at(-1)!.length + 1 + joined(line) > width) break;
    line.unshift(before.pop()!);
  }
  return lines.map((words, i) => (i ? " ".repeat(indent) : "") + words.join(" "));
}

/** Widest help and usage text, whatever the terminal's width. */
const MAX_WIDTH = 100;
/** Narrowest help and usage text. */
const MIN_WIDTH = 60;
/** Width of help when stdout is not a terminal and `COLUMNS` is unset. */
const DEFAULT_WIDTH = 80;

/**
 * The width help is laid out for: `COLUMNS`, else the terminal's width, else 80; within
 * 60-100 columns.
 */
export function helpWidth(): number {
  let columns = Number(Deno.env.get("COLUMNS"));
  if (!(columns > 0)) {
    try {
      columns = Deno.stdout.isTerminal() ? Deno.consoleSize().columns : DEFAULT_WIDTH;
    } catch {
      columns = DEFAULT_WIDTH;
    }
  }
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, columns || DEFAULT_WIDTH));
}

/**
 * The usage line(s) of command `name`, `deno task suite  NAME [--profile smoke|quick|full] ...`,
 * wrapped at `width` columns under the first argument; `head` replaces `deno task NAME`.
 */
export function renderUsage(
  name: string,
  spec: CommandDefinition,
  head = `deno task ${name.padEnd(6)}`,
  width: number = helpWidth(),
): string {
  const words = [
    head,
    ...(spec.positionals ? [spec.positionals.usage] : []),
    ...Object.entries(spec.options).map(([option, definition]) =>
      `[${optionUsage(option, definition)}]`
    ),
  ];
  return wrap(words, width, head.length + 1).map((line) => line.trimEnd()).join("\n");
}

/** Help's description of an option: its line, the choices its placeholder leaves out, its default. */
function optionHelp(spec: OptionSpec): string {
  const fallback = defaultText(spec);
  const full = placeholder(spec);
  const choices = shortPlaceholder(spec) === full
    ? ""
    : `; one of: ${(spec.choices ?? full.split("|")).join(", ")}`;
  return `${spec.description}${choices}${fallback ? ` (default: ${fallback})` : ""}`;
}

/** Widest option column of help; a longer option stands on its own line above its text. */
const HELP_COLUMN_MAX = 26;

/**
 * `deno task NAME --help`: usage, summary, and each option with its default and description,
 * laid out for `width` columns (see {@linkcode helpWidth}).
 */
export function renderCommandHelp(
  name: string,
  spec: CommandDefinition,
  width: number = helpWidth(),
): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([option, definition]) => [
    optionUsage(option, definition),
    optionHelp(definition),
  ]);
  rows.push([`-${HELP_OPTION.short}, --${HELP_OPTION.name}`, HELP_OPTION.description]);
  if (spec.positionals) rows.unshift([spec.positionals.usage, spec.positionals.description]);
  return [
    renderUsage(name, spec, `usage: ${invocation(name)}`, width),
    "",
    ...wrap(spec.summary.split(" "), width, 0),
    "",
    ...renderHelpRows(rows, width),
  ].join("\n");
}

/**
 * Rows of help, `  LEFT  text`, the text wrapped beside a column as wide as the widest left part
 * (at most 26); a wider left part stands on its own line above its text.
 */
export function renderHelpRows(rows: [string, string][], width: number = helpWidth()): string[] {
  const column = Math.min(HELP_COLUMN_MAX, Math.max(...rows.map(([left]) => left.length)));
  const lines: string[] = [];
  const indent = " ".repeat(column + 4);
  for (const [left, right] of rows) {
    const text = wrap(right.split(" "), width - column - 4, 0);
    if (left.length > column) lines.push(`  ${left}`);
    else lines.push(`  ${left.padEnd(column)}  ${text.shift()}`);
    for (const more of text) lines.push(indent + more);
  }
  return lines;
}

/** A table cell of docs/cli.md: each literal in backticks. */
function code(text: string): string {
  return text ? `\`${text}\`` : "";
}

/**
 * docs/cli.md's table of every command's options (as `deno fmt` lays it out): one row per option,
 * with the commands that take it, its values, default and description. Options that several
 * commands define alike (`bench` and `suite`) share a row.
 */
export function renderOptionTable(commands: Record<string, CommandDefinition>): string {
  const rows: { option: string; spec: OptionSpec; commands: string[] }[] = [];
  for (const [name, command] of Object.entries(commands)) {
    for (const [option, spec] of Object.entries(command.options)) {
      const same = rows.find((row) =>
        row.option === option && JSON.stringify(row.spec) === JSON.stringify(spec) &&
        row.spec.default === spec.default
      );
      if (same) same.commands.push(name);
      else rows.push({ option, spec, commands: [name] });
    }
  }
  const cells = [
    ["option", "commands", "value", "default", "description"],
    ...rows.map(({ option, spec, commands }) => [
      code(`--${option}`),
      commands.join(", "),
      spec.type === "boolean" ? "" : placeholder(spec).split("|").map(code).join(", "),
      spec.defaultText ?? code(defaultText(spec)),
      spec.description,
    ]),
  ];
  const widths = cells[0].map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)]
    .join("\n");
}

/**
 * The command line of a script (`deno task bench:speed`, ...): parses `args` as `spec` defines;
 * `-h`/`--help` prints the help and exits 0, a mistake is one line on stderr and exit 2.
 *
 * @param name the task name, as help shows it (`bench:speed`)
 */
export function parseScriptArgs<const O extends Record<string, OptionSpec>>(
  name: string,
  spec: CommandDefinition<O>,
  args: string[] = Deno.args,
): { values: OptionValues<O>; positionals: string[] } {
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseCommandLine(name, spec, args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${name}: ${error.message}`);
    Deno.exit(error.exitCode);
  }
  if (parsed.help) {
    console.log(renderCommandHelp(name, spec));
    Deno.exit(0);
  }
  return parsed;
}
