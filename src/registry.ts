/**
 * A named registry of plugins (datasets, models, losses, variants, metrics, ...).
 * Names are validated at registration; lookups of unknown names fail with a suggestion.
 *
 * @module
 */
import { closest, distance } from "fastest-levenshtein";
import { UserError } from "./errors.ts";

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** Raised for an unknown registry name; its message is one line for the user. */
export class UnknownNameError extends UserError {
  override name = "UnknownNameError";
  override readonly code: string = "unknown-name";
}

/**
 * " Did you mean 'nsgan'?" when one of `candidates` is close to `name` (edit distance at most
 * max(2, a third of its length)), else "".
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  if (!candidates.length) return "";
  const guess = closest(name, candidates as string[]);
  return distance(name, guess) <= Math.max(2, name.length / 3) ? ` Did you mean '${guess}'?` : "";
}

/**
 * "Unknown variant 'nsgam' in suite 'mixtures'. Did you mean 'nsgan'? Available: gan, nsgan":
 * `where` (e.g. " in suite 'mixtures'") follows the name.
 */
export function unknownNameMessage(
  kind: string,
  name: string,
  names: readonly string[],
  where = "",
): string {
  return `Unknown ${kind} '${name}'${where}.${didYouMean(name, names)} Available: ${
    names.join(", ")
  }`;
}

/** A registry of `T` keyed by kebab-case names, kept in registration order. */
export class Registry<T> {
  readonly kind: string;
  #entries = new Map<string, T>();
  #frozen = false;

  /** @param kind what the entries are, for messages ("variant", "dataset", ...). */
  constructor(kind: string) {
    this.kind = kind;
  }

  /**
   * Adds `entry` under `name`; a malformed or duplicate name, or a registration after
   * {@linkcode Registry.freeze}, is a programming error.
   */
  register(name: string, entry: T): T {
    if (this.#frozen) {
      throw new TypeError(`Cannot register ${this.kind} '${name}': the registry is frozen`);
    }
    if (!NAME_PATTERN.test(name)) throw new TypeError(`Invalid ${this.kind} name '${name}'`);
    if (this.#entries.has(name)) throw new TypeError(`Duplicate ${this.kind} name '${name}'`);
    this.#entries.set(name, entry);
    return entry;
  }

  /** Refuses every later registration: the entries are fixed once start-up has registered them. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }

  /** True once {@linkcode Registry.freeze} has run. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * The entry registered under `name`.
   *
   * @throws {UnknownNameError} "Unknown variant 'nsgam'. Did you mean 'nsgan'? Available: ..."
   */
  get(name: string): T {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new UnknownNameError(this.unknownMessage(name));
    return entry;
  }

  /** The message for an unknown name, with the closest registered name when it is close. */
  unknownMessage(name: string): string {
    return unknownNameMessage(this.kind, name, this.names());
  }

  /** Registered names in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** `[name, entry]` pairs in registration order. */
  entries(): [string, T][] {
    return [...this.#entries.entries()];
  }
}
