/**
 * Where the migration stream's bytes go: a gRPC server stream, a file, or (in one process) a
 * receiver. `write` resolves when the sink can take more (backpressure); `release` is called once
 * the sink no longer needs `chunk`, so the caller may reuse its buffer. `headroomByteCount` bytes
 * in front of `chunk` (in `chunk.buffer`) are the sink's to overwrite until then, e.g. to frame
 * the chunk without copying it.
 */
export interface StreamSink {
  write(chunk: Uint8Array, release: () => void, headroomByteCount?: number): Promise<void>;
  /** All bytes written so far have been handed on. */
  flush(): Promise<void>;
  /** The stream is complete (after END): the sink may close its end. */
  close(): void;
}

/** What the engine waits on besides the sink: time passing, and giving the guests a turn. */
export interface EngineScheduler {
  sleepMs(delayMs: number): Promise<void>;
  /** Lets other work of the host run (the guests' tick, RPCs) between records. */
  yield(): Promise<void>;
}
