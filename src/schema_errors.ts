/**
 * One-line messages for zod schema problems, shared by every schema-validated format (suite files,
 * variants): "profiles.quick.steps: Too small: expected number to be >0, got -3".
 *
 * @module
 */
import type { z } from "zod";

/** A zod issue path as written in messages: `variants[2].name`, `profiles.quick.steps`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
    .join("");
}

/**
 * One line for one schema problem: its path, its message and, for value problems, the value
 * found (parse with `reportInput: true` so that zod keeps it).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { describeIssue } from "./schema_errors.ts";
 *
 * const parsed = z.object({ k: z.int().min(1) }).safeParse({ k: 0 }, { reportInput: true });
 * if (!parsed.success) {
 *   console.log(describeIssue(parsed.error.issues[0]));
 *   // k: Too small: expected number to be >=1, got 0
 * }
 * ```
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? `${formatPath(issue.path)}: ` : "";
  const input = "input" in issue ? issue.input : undefined;
  // zod says "expected number, received number" for Infinity (JSON's 1e999) and NaN.
  const message = typeof input === "number" && !Number.isFinite(input)
    ? "Invalid input: expected a finite number (the value is out of range)"
    : cut(issue.message, MESSAGE_LENGTH);
  const got = input !== undefined && issue.code !== "custom" && issue.code !== "unrecognized_keys"
    ? `, got ${previewValue(input)}`
    : "";
  return `${where}${message}${got}`;
}

/** Longest echo of a value in a message; longer ones end in "...". */
const PREVIEW_LENGTH = 80;
/** Longest schema message kept (one listing a million unknown keys is cut). */
const MESSAGE_LENGTH = 300;

function cut(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

/**
 * `value` as compact JSON (`NaN` and `Infinity` as themselves), cut to `limit` characters with
 * "...". It stops walking the value once the limit is passed, so a 68 MB value or a 10,000-deep
 * one costs no more than a short one.
 */
export function previewValue(value: unknown, limit: number = PREVIEW_LENGTH): string {
  let out = "";
  const emit = (text: string) => (out += text).length <= limit;
  const walk = (v: unknown): boolean => {
    if (typeof v === "string") return emit(JSON.stringify(v.slice(0, limit + 1)));
    if (typeof v === "number") return emit(Number.isFinite(v) ? JSON.stringify(v) : String(v));
    if (typeof v === "bigint") return emit(`${v}n`);
    if (v === null || typeof v !== "object") return emit(String(JSON.stringify(v) ?? v));
    const array = Array.isArray(v);
    if (!emit(array ? "[" : "{")) return false;
    let first = true;
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      if (!first && !emit(",")) return false;
      first = false;
      if (!array && !emit(`${JSON.stringify(key.slice(0, limit + 1))}:`)) return false;
      if (!walk((v as Record<string, unknown>)[key])) return false;
    }
    return emit(array ? "]" : "}");
  };
  return walk(value) ? out : `${out.slice(0, limit)}...`;
}

/** The first problem of `error` in one line, with the count of the others: "k: ... (and 2 more problems)". */
export function describeFirstIssue(error: z.ZodError): string {
  const issues = error.issues;
  const more = issues.length > 1
    ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
    : "";
  return `${describeIssue(issues[0])}${more}`;
}
