import type { KV } from "nats";

/** Opens of a bucket that lost a creation race, tried again before the open fails. */
export const BUCKET_OPEN_RACE_RETRY_COUNT_MAX = 3;
/** The wait before each such try: the winner's stream is in place by then. */
export const BUCKET_OPEN_RACE_RETRY_MS = 50;

/**
 * nats-server's refusal of a stream created at the same time as the same stream by another client
 * (two hosts started together on a fresh server, as compose and `xsim up` start them): "subjects
 * overlap with an existing stream" (err_code 10065) or "stream name already in use" (10058). The
 * bucket exists then; opening it again binds to it. Seen once in CI (session 18): a host exited 1.
 */
export function isCreationRace(error: unknown): boolean {
  return (
    error instanceof Error &&
    /subjects overlap with an existing stream|stream name already in use/i.test(error.message)
  );
}

/**
 * `open` (nats.js `views.kv`: bind, or create if missing), tried again up to
 * BUCKET_OPEN_RACE_RETRY_COUNT_MAX times when it lost a creation race; any other error at once.
 */
export async function openBucket(
  open: () => Promise<KV>,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<KV> {
  for (let retry = 0; ; retry++) {
    try {
      return await open();
    } catch (error) {
      if (!isCreationRace(error) || retry === BUCKET_OPEN_RACE_RETRY_COUNT_MAX) throw error;
      await wait(BUCKET_OPEN_RACE_RETRY_MS);
    }
  }
}
