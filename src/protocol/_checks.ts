// Value checks shared by parse() and the option schemas. Each check returns
// undefined when the value is fine, or what was expected.

/** The largest WAMP ID, 2^53. */
export const MAX_ID = 9007199254740992;

/** A check: undefined when fine, else a phrase saying what was expected. */
export type Check = (value: unknown) => string | undefined;

/** A plain object usable as a WAMP dict. */
export function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** A WAMP ID in [1, 2^53]. */
export function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 &&
    value <= MAX_ID;
}

/** Names the type of a value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}

export const bool: Check = (v) =>
  typeof v === "boolean" ? undefined : "a boolean";
export const string: Check = (v) =>
  typeof v === "string" ? undefined : "a string";
export const id: Check = (v) =>
  isId(v) ? undefined : "an ID (integer in [1, 2^53])";
export const dict: Check = (v) => isDict(v) ? undefined : "a dict";
export const count: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0
    ? undefined
    : "a non-negative integer";

/** A list whose every item passes `item`. */
export function listOf(item: Check, what: string): Check {
  return (v) => {
    if (!Array.isArray(v)) return `a list of ${what}`;
    for (const x of v) if (item(x) !== undefined) return `a list of ${what}`;
    return undefined;
  };
}

/** One of the given strings. */
export function oneOf(...values: string[]): Check {
  const allowed = new Set(values);
  const phrase = `one of ${values.map((x) => `"${x}"`).join(", ")}`;
  return (v) => typeof v === "string" && allowed.has(v) ? undefined : phrase;
}

/** A dict of role dicts, as in HELLO and WELCOME. */
export const roles: Check = (v) => {
  if (!isDict(v)) return "a dict of role dicts";
  for (const key in v) if (!isDict(v[key])) return "a dict of role dicts";
  return undefined;
};

/** The router-to-router `forward_for` chain. */
export const forwardFor: Check = (v) => {
  const phrase = "a list of {session, authid, authrole} dicts";
  if (!Array.isArray(v)) return phrase;
  for (const hop of v) {
    if (
      !isDict(hop) || id(hop.session) !== undefined ||
      typeof hop.authid !== "string" || typeof hop.authrole !== "string"
    ) return phrase;
  }
  return undefined;
};
