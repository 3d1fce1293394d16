import type { ServerWritableStream } from "@grpc/grpc-js";
import type { PullRequest, StreamChunk } from "../../gen/xensim/v1/migration.js";
import type { StreamSink } from "../../dom0/migrate/stream-sink.js";
import { ToolstackError } from "../../dom0/errors.js";
import type { FramableStreamChunk } from "./migration-service.js";

/**
 * The source's end of PullStream as a StreamSink: each write is one gRPC message; `release` runs
 * once grpc-js has serialized it; writes wait while the HTTP/2 stream is full; every write fails
 * once the puller has gone (cancelled, connection lost).
 */
export function pullSink(call: ServerWritableStream<PullRequest, StreamChunk>): StreamSink {
  let closedError: Error | undefined;
  let wakeClosed: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => (wakeClosed = resolve));
  const close = (why: string) => {
    closedError ??= new ToolstackError("UNAVAILABLE", `the destination stopped pulling the stream (${why})`);
    wakeClosed?.();
  };
  call.on("cancelled", () => close("cancelled"));
  call.on("error", (error: Error) => close(error.message));
  call.on("close", () => close("closed"));
  const throwIfClosed = () => {
    if (closedError !== undefined) throw closedError;
  };
  let pendingCount = 0;
  const idle: Array<() => void> = [];
  return {
    async write(chunk, release, headroomByteCount = 0) {
      throwIfClosed();
      pendingCount++;
      const message: FramableStreamChunk = { data: chunk, headroomByteCount };
      const more = call.write(message, () => {
        release();
        if (--pendingCount === 0) idle.splice(0).forEach((wake) => wake());
      });
      if (!more) await Promise.race([new Promise<void>((resolve) => call.once("drain", resolve)), closed]);
      throwIfClosed();
    },
    async flush() {
      if (pendingCount > 0) await Promise.race([new Promise<void>((resolve) => idle.push(resolve)), closed]);
      throwIfClosed();
    },
    close() {
      if (!closedError) call.end();
    },
  };
}
