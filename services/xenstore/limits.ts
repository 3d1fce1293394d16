/** Named limits of the simulated xenstored. Xen's own names where the limit comes from Xen. */

/** Longest absolute node path (XENSTORE_ABS_PATH_MAX, xen/include/public/io/xs_wire.h). */
export const XENSTORE_ABS_PATH_MAX = 3072;

/** Largest message payload (XENSTORE_PAYLOAD_MAX, xs_wire.h); it bounds a node value in bytes. */
export const XENSTORE_PAYLOAD_MAX = 4096;

/** Entries in one node's permission list (xenstored's default `quota_nb_perms_per_node`). */
export const permEntryCountMax = 5;

/** Watches one unprivileged domain may hold (xenstored's default `quota_nb_watch_per_domain`). */
export const watchCountPerDomainMax = 128;

/**
 * Watch events waiting for delivery at once. Watches are delivered synchronously, so a queue this
 * long means a callback keeps writing faster than events drain: a runaway watch loop, i.e. a bug.
 */
export const watchEventQueueLengthMax = 65_536;

/** Watch events delivered by one drain; more means two callbacks keep re-triggering each other. */
export const watchEventCountPerDrainMax = 100_000;
