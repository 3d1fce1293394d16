/**
 * The cluster's message bus as xensim uses it: fire-and-forget publish and wildcard subscribe
 * (NATS semantics: tokens split on ".", `*` matches one token, `>` the rest). Implemented over a
 * real nats-server (nats-bus.ts) and in one process (memory-bus.ts); both pass bus.case.test.ts.
 */
export type BusHandler = (subject: string, data: Uint8Array) => void;

export interface BusSubscription {
  unsubscribe(): void;
}

export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, handler: BusHandler): BusSubscription;
  /** Resolves once everything published so far has reached the server (or the subscribers). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether `subject` matches `pattern` under NATS wildcard rules: token by token, as the two split on
 * "." would give them ("a." has two tokens, the second empty), without splitting (the one-process
 * broker asks this for every publish: routes and nats-server's permissions).
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  let p = 0; // where the pattern's token starts
  let s = 0; // where the subject's token starts; past its length once it has no more tokens
  for (;;) {
    const pEnd = tokenEnd(pattern, p);
    if (s > subject.length) return false; // the pattern has a token more than the subject
    const length = pEnd - p;
    const wild = length === 1 ? pattern.charCodeAt(p) : 0;
    if (wild === FULL_WILDCARD_CODE) return true; // ">": one subject token or more are left
    const sEnd = tokenEnd(subject, s);
    if (wild !== TOKEN_WILDCARD_CODE && !sameToken(pattern, p, subject, s, length, sEnd - s)) return false;
    if (pEnd === pattern.length) return sEnd === subject.length;
    p = pEnd + 1;
    s = sEnd + 1;
  }
}

const TOKEN_WILDCARD_CODE = 0x2a; // "*"
const FULL_WILDCARD_CODE = 0x3e; // ">"

function tokenEnd(text: string, start: number): number {
  const dot = text.indexOf(".", start);
  return dot < 0 ? text.length : dot;
}

function sameToken(a: string, aStart: number, b: string, bStart: number, aLength: number, bLength: number) {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a.charCodeAt(aStart + i) !== b.charCodeAt(bStart + i)) return false;
  return true;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

/**
 * A handler of JSON messages: the parsed value, or undefined when the bytes are not JSON.
 * `frozen`: the bus vouches that `value` and everything in it are frozen (a JsonBus's values are:
 * jsonCopy, handOverJson or a FrozenJson), so a subscriber may keep it without Object.isFrozen's
 * walk; a value parsed from bytes is not (false or absent). `memo`: see SubjectMemo.
 */
export type JsonHandler = (subject: string, value: unknown, frozen?: boolean, memo?: SubjectMemo) => void;

/**
 * Where a subscriber may keep what it found for one subject, handed to it by a bus in one process
 * with messages of one publisher on that subject: the same memo with each of them while the
 * publisher's way to the subscriber stands, a new or emptied one (`kept` undefined) once it changed
 * (another subject, another subscriber). The scheduler keeps there what it believed of a host's
 * last heartbeat, found again without a lookup by subject (a host's heartbeat a second). Any
 * message may come without one (a bus between processes gives none).
 */
export interface SubjectMemo {
  kept: unknown;
}

/**
 * A bus that can carry a JSON message as its value rather than its bytes: a bus inside one process
 * (services/sim/sim-bus.ts), where encoding and decoding would only copy. Subscribers get what
 * JSON.parse of the bytes would give (jsonCopy), frozen and shared by all of them. A bus between
 * processes (NATS) has no such methods: publishJson encodes, subscribeJson decodes, and what
 * travels is JSON as docs/specs/nats-subjects.md says.
 */
export interface JsonBus extends Bus {
  /**
   * `form`: "copy" (jsonCopy: the caller may keep `value`), "handOver" (the caller keeps no
   * reference to it: handOverJson, frozen in place, not copied) or "frozen" (a FrozenJson: carried
   * as it is).
   */
  publishJson(subject: string, value: unknown, form?: JsonForm): void;
  subscribeJson(pattern: string, handler: JsonHandler): BusSubscription;
}

/** How a JsonBus takes a published value (JsonBus.publishJson). */
export type JsonForm = "copy" | "handOver" | "frozen";

declare const FROZEN_JSON: unique symbol;
/**
 * A value that is already what JSON.parse of its JSON text would give, and deep-frozen: a bus in
 * one process carries it as it is, neither copied nor walked again. Only two things make one:
 * `frozenJson` (handOverJson's walk) and a builder that checks every field of the value it made as
 * strictly and freezes it (host/heartbeat.ts, once a second per host); the tests of each show that
 * what it gives equals JSON.parse(JSON.stringify(it)) and that changing it throws. The brand is a
 * type only: it costs nothing at run time, and a cast to it anywhere else is a bug. One exception
 * to "frozen": an idle host's repeated heartbeat is frozen only where its shared second checks
 * repeats (the VOPR, the tests), made as it is of a frozen one's values (repeatedHeartbeat).
 */
export type FrozenJson<T> = T & { readonly [FROZEN_JSON]: true };

/** handOverJson as a FrozenJson: `value` frozen in place when it is parsed JSON already, else a frozen copy. */
export function frozenJson<T>(value: T): FrozenJson<T> {
  return handOverJson(value) as FrozenJson<T>;
}

function isJsonBus(bus: Bus): bus is JsonBus {
  return typeof (bus as Partial<JsonBus>).publishJson === "function";
}

/**
 * Publishes `value` as JSON: its bytes on a bus between processes, the value itself in one process.
 * `handOver`: the caller made `value` for this message and keeps no reference to it.
 */
export function publishJson(bus: Bus, subject: string, value: unknown, handOver = false): void {
  if (isJsonBus(bus)) bus.publishJson(subject, value, handOver ? "handOver" : "copy");
  else bus.publish(subject, encodeJson(value));
}

/** publishJson of a value that is parsed JSON and frozen already: in one process, the value itself. */
export function publishFrozenJson(bus: Bus, subject: string, value: FrozenJson<unknown>): void {
  if (isJsonBus(bus)) bus.publishJson(subject, value, "frozen");
  else bus.publish(subject, encodeJson(value));
}

/** Subscribes to JSON messages; bytes that are not JSON reach the handler as undefined. */
export function subscribeJson(bus: Bus, pattern: string, handler: JsonHandler): BusSubscription {
  if (isJsonBus(bus)) return bus.subscribeJson(pattern, handler);
  return bus.subscribe(pattern, (subject, data) => handler(subject, decodeJsonOrUndefined(data)));
}

export function decodeJsonOrUndefined(data: Uint8Array): unknown {
  try {
    return decodeJson<unknown>(data);
  } catch {
    return undefined;
  }
}

/**
 * What JSON.parse(JSON.stringify(value)) gives, deep-frozen, without the text in between for plain
 * data (objects, arrays, strings, numbers, booleans, null): properties that are undefined or
 * functions are left out, array holes and non-finite numbers become null. Anything else (a toJSON,
 * a class instance) takes the text path. Undefined for a value JSON.stringify gives nothing for.
 */
export function jsonCopy(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value + 0 : null; // -0 + 0 is 0, as "0" parses
    case "bigint":
      return viaText(value); // throws, as JSON.stringify does
    case "object":
      if (value === null) return null;
      if (Array.isArray(value)) return copyArray(value);
      if (Object.getPrototypeOf(value) !== Object.prototype) return viaText(value);
      return copyObject(value as Record<string, unknown>);
    default:
      return undefined;
  }
}

/**
 * jsonCopy for a value nobody else holds: when it is already what JSON.parse would give (plain
 * objects and arrays without holes, finite numbers, strings, booleans, null; nothing undefined), it
 * is frozen in place rather than copied; otherwise it is copied.
 */
export function handOverJson(value: unknown): unknown {
  return freezeIfParsedJson(value) ? value : jsonCopy(value);
}

/**
 * Whether `value` is what JSON.parse would give, freezing each object of it once its contents
 * passed (one walk: a heartbeat a second per host). A value that fails may be left partly frozen:
 * it was handed over (nobody else holds it), and jsonCopy copies it.
 */
function freezeIfParsedJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++)
          if (!(i in value) || !freezeIfParsedJson(value[i])) return false;
      } else {
        if (Object.getPrototypeOf(value) !== Object.prototype) return false;
        const record = value as Record<string, unknown>;
        // for...in rather than Object.keys: no array per object.
        for (const key in record)
          if (!Object.hasOwn(record, key) || key === "toJSON" || !freezeIfParsedJson(record[key]))
            return false;
      }
      Object.freeze(value);
      return true;
    }
    default:
      return false;
  }
}

function copyArray(value: readonly unknown[]): unknown {
  const copy: unknown[] = new Array<unknown>(value.length);
  for (let i = 0; i < value.length; i++) copy[i] = jsonCopy(value[i]) ?? null;
  return Object.freeze(copy);
}

function copyObject(value: Record<string, unknown>): unknown {
  if (typeof value.toJSON === "function") return viaText(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = jsonCopy(value[key]);
    if (item !== undefined) copy[key] = item;
  }
  return Object.freeze(copy);
}

function viaText(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : deepFreeze(JSON.parse(text));
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key in record) if (Object.hasOwn(record, key)) deepFreeze(record[key]);
    Object.freeze(value);
  }
  return value;
}
