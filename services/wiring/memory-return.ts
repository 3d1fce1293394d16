import type { ChunkPool } from "../core/memory/chunk-pool.js";
import { fullCollection } from "../core/full-collection.js";
import { MIB } from "../core/units.js";

/** How often a host looks whether guest memory was dropped past the pool. */
export const MEMORY_RETURN_CHECK_INTERVAL_MS = 1000;
/** Dropped bytes that make it worth a full collection (which hands their pages back to the OS). */
export const MEMORY_RETURN_BYTE_COUNT_MIN = 64 * MIB;

/**
 * Chunks dropped by the pool are freed (their pages unmapped) only when V8 collects them, and an
 * idle host may not collect for a long time: a destroyed 4 GiB guest stayed resident. This runs a
 * full collection soon after enough memory was dropped. Returns a function that stops it.
 */
export function returnDroppedMemory(pool: ChunkPool): () => void {
  const collect = fullCollection();
  let seen = pool.byteCountDropped;
  const timer = setInterval(() => {
    if (pool.byteCountDropped - seen < MEMORY_RETURN_BYTE_COUNT_MIN) return;
    seen = pool.byteCountDropped;
    collect();
  }, MEMORY_RETURN_CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
