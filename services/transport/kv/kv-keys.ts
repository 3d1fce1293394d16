import type { KV } from "nats";

/**
 * A KV bucket's keys matching `filter`, or a failure after `timeoutMs`. nats.js lists keys through
 * an ordered consumer and ends the listing when the server says nothing is pending: it has no
 * deadline of its own, so a listing whose end never comes would hold its caller for ever (an HA
 * round, a lease renewal).
 */
export async function kvKeysWithinMs(kv: KV, filter: string, timeoutMs: number): Promise<string[]> {
  const iterator = await kv.keys(filter);
  const timer = setTimeout(
    () => iterator.stop(new Error(`listing the keys ${filter}: no end within ${timeoutMs} ms (TIMEOUT)`)),
    timeoutMs,
  );
  try {
    const found: string[] = [];
    for await (const key of iterator) found.push(key);
    return found;
  } finally {
    clearTimeout(timer);
  }
}
