import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { ReceiveControl, ReceiveStatus, StreamChunk } from "../../gen/xensim/v1/migration.js";
import { IncomingMigration } from "./incoming.js";
import type { Toolstack } from "../toolstack.js";
import type { MigrationManager } from "./migration-manager.js";
import { ToolstackError } from "../errors.js";
import { toToolstackError } from "../xen-error-map.js";
import { connectPuller } from "../../transport/grpc/migration-service.js";
import type { ReceivedInfo } from "./peer.js";

/** Incoming migrations remembered for IncomingStatus after they end. */
export const INCOMING_REMEMBERED_COUNT_MAX = 256;

export interface IncomingDeps {
  toolstack: Toolstack;
  manager: MigrationManager;
  incoming: Map<string, IncomingMigration>;
  newToken(): string;
}

/**
 * The destination's Receive: Prepare builds NAME--incoming and starts pulling the stream from the
 * source; the verified stream answers Received; Go commits. A channel that breaks before Go, a
 * stream that fails, or an Abort removes NAME--incoming.
 */
export function handleReceive(
  deps: IncomingDeps,
  call: ServerDuplexStream<ReceiveControl, ReceiveStatus>,
): void {
  let incoming: IncomingMigration | undefined;
  let stopPull: (() => void) | undefined;
  let finished = false;
  const finish = (failure: unknown) => {
    if (finished) return;
    finished = true;
    stopPull?.();
    if (failure !== undefined && incoming?.state !== "committed") {
      incoming?.abort();
      safeWrite(call, { failed: { reason: describe(failure) } });
    }
    safeEnd(call);
  };
  call.on("data", (message: ReceiveControl) => {
    try {
      if (message.prepare) {
        if (incoming) throw new ToolstackError("FAILED_PRECONDITION", "Prepare sent twice");
        incoming = new IncomingMigration(deps.toolstack, deps.manager, deps.toolstack.clock, message.prepare);
        remember(deps.incoming, message.prepare.migrationId, incoming);
        const prepared = incoming.prepare(deps.newToken());
        call.write({ prepared });
        stopPull = pull(
          incoming,
          message.prepare.sourceAddress,
          message.prepare.pullToken,
          (error, received) => {
            if (error !== undefined || !received)
              return finish(error ?? new Error("stream ended without END"));
            call.write({ received: { ...received, memoryChecksum: "" } });
          },
        );
      } else if (message.go) {
        if (!incoming) throw new ToolstackError("FAILED_PRECONDITION", "Go before Prepare");
        call.write({ committed: incoming.go(message.go.incomingToken, message.go.paused) });
        finish(undefined);
      } else if (message.abort) {
        finish(new ToolstackError("ABORTED", `the source aborted: ${message.abort.reason}`));
      }
    } catch (error) {
      finish(error);
    }
  });
  const lost = () => finish(new ToolstackError("UNAVAILABLE", "the source closed the migration channel"));
  call.on("end", lost);
  call.on("error", lost);
  call.on("cancelled", lost);
}

/** Pulls the stream into `incoming`; `done(undefined, received)` once END verified, `done(error)` on failure. */
function pull(
  incoming: IncomingMigration,
  sourceAddress: string,
  pullToken: string,
  done: (error: unknown, received?: ReceivedInfo) => void,
): () => void {
  const client = connectPuller(sourceAddress);
  const stream = client.pullStream({ migrationId: incoming.info.migrationId, pullToken });
  let over = false;
  const end = (error?: unknown) => {
    if (over) return void client.close(); // already answered: only let the channel go
    over = true;
    stream.cancel();
    client.close();
    done(error);
  };
  const complete = () => {
    try {
      const received = incoming.streamEnded();
      over = true;
      done(undefined, received);
    } catch (error) {
      end(error);
    }
  };
  stream.on("data", (chunk: StreamChunk) => {
    if (over) return;
    try {
      incoming.push(chunk.data);
    } catch (error) {
      return end(error);
    }
    // Received as soon as END is verified: the source's trailers, a round trip later, add nothing.
    if (incoming.isStreamComplete) complete();
  });
  stream.on("end", () => {
    if (over) return void client.close();
    complete();
    client.close();
  });
  stream.on("error", (error: Error) => end(error));
  return () => end(new ToolstackError("ABORTED", "pull stopped"));
}

function remember(map: Map<string, IncomingMigration>, id: string, incoming: IncomingMigration): void {
  map.set(id, incoming);
  while (map.size > INCOMING_REMEMBERED_COUNT_MAX) map.delete(map.keys().next().value!);
}

function describe(error: unknown): string {
  const mapped = toToolstackError(error);
  if (mapped instanceof Error) return (mapped as { details?: string }).details ?? mapped.message;
  return String(mapped);
}

function safeWrite(call: ServerDuplexStream<ReceiveControl, ReceiveStatus>, status: ReceiveStatus): void {
  try {
    call.write(status);
  } catch {
    /* the source is gone */
  }
}

function safeEnd(call: ServerDuplexStream<ReceiveControl, ReceiveStatus>): void {
  try {
    call.end();
  } catch {
    /* already ended */
  }
}
