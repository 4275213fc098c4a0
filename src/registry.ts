/**
 * A named registry of plugins (datasets, models, losses, variants, metrics, ...).
 * Names are validated at registration; lookups of unknown names fail with a suggestion.
 *
 * @module
 */
import { closest, distance } from "fastest-levenshtein";

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** Raised for an unknown registry name; its message is one line for the user. */
export class UnknownNameError extends Error {
  override name = "UnknownNameError";
}

/** A registry of `T` keyed by kebab-case names, kept in registration order. */
export class Registry<T> {
  readonly kind: string;
  #entries = new Map<string, T>();

  /** @param kind what the entries are, for messages ("variant", "dataset", ...). */
  constructor(kind: string) {
    this.kind = kind;
  }

  /** Adds `entry` under `name`; a malformed or duplicate name is a programming error. */
  register(name: string, entry: T): T {
    if (!NAME_PATTERN.test(name)) throw new TypeError(`Invalid ${this.kind} name '${name}'`);
    if (this.#entries.has(name)) throw new TypeError(`Duplicate ${this.kind} name '${name}'`);
    this.#entries.set(name, entry);
    return entry;
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
    const names = this.names();
    const guess = names.length ? closest(name, names) : undefined;
    const hint = guess && distance(name, guess) <= Math.max(2, name.length / 3)
      ? ` Did you mean '${guess}'?`
      : "";
    return `Unknown ${this.kind} '${name}'.${hint} Available: ${names.join(", ")}`;
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
