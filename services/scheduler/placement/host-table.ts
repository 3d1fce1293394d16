import type { HostState } from "./model.js";

/** log2 of hosts per chunk: a snapshot copies one pointer per chunk, a write after it one chunk. */
export const CHUNK_SHIFT = 8;

/**
 * The engine's hosts by rank, kept in chunks copied on write, so a snapshot for a refusal that
 * may be explained later costs O(n / chunk size) instead of copying every host. HostStates themselves are
 * never changed in place.
 */
export class HostTable {
  private readonly chunks: HostState[][] = [];
  private readonly chunkShared: boolean[] = [];

  readonly length: number;
  private readonly chunkMask: number;

  constructor(
    hosts: readonly HostState[],
    private readonly chunkShift = CHUNK_SHIFT,
  ) {
    const chunkSize = 1 << chunkShift;
    this.chunkMask = chunkSize - 1;
    for (let start = 0; start < hosts.length; start += chunkSize) {
      this.chunks.push(hosts.slice(start, start + chunkSize));
      this.chunkShared.push(false);
    }
    this.length = hosts.length;
  }

  get(rank: number): HostState {
    const host = this.chunks[rank >> this.chunkShift]?.[rank & this.chunkMask];
    if (!host) throw new Error(`HostTable: no host at rank ${rank}`);
    return host;
  }

  set(rank: number, host: HostState): void {
    const c = rank >> this.chunkShift;
    let chunk = this.chunks[c];
    if (!chunk || !(rank >= 0 && rank < this.length)) throw new Error(`HostTable: rank ${rank} out of range`);
    if (this.chunkShared[c]) {
      this.chunks[c] = chunk = chunk.slice();
      this.chunkShared[c] = false;
    }
    chunk[rank & this.chunkMask] = host;
  }

  /** Every host in rank order, now. */
  toArray(): HostState[] {
    return this.chunks.flat();
  }

  /** The hosts as they are now, to be read later: later writes copy the chunk they change. */
  snapshot(): () => HostState[] {
    const frozen = this.chunks.slice();
    this.chunkShared.fill(true);
    return () => frozen.flat();
  }
}
