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

/** Whether `subject` matches `pattern` under NATS wildcard rules. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return s.length > i;
    if (i >= s.length) return false;
    if (token !== "*" && token !== s[i]) return false;
  }
  return p.length === s.length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}
