import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { ReceiveControl, ReceiveStatus } from "../../gen/xensim/v1/migration.js";
import type { MigrationEndpoint } from "../../dom0/migrate/peer.js";

/**
 * The destination's Receive over gRPC: each ReceiveControl message goes to the host's receive
 * session (dom0/migrate/receive-session.ts), each answer back as a ReceiveStatus. Nothing else.
 */
export function handleReceive(
  host: MigrationEndpoint,
  call: ServerDuplexStream<ReceiveControl, ReceiveStatus>,
): void {
  const session = host.receive({
    prepared: (prepared) => safeWrite(call, { prepared }),
    received: (received) => safeWrite(call, { received: { ...received, memoryChecksum: "" } }),
    committed: (committed) => safeWrite(call, { committed }),
    failed: (reason, code, nothingChanged) =>
      safeWrite(call, { failed: { reason, code: code ?? "", nothingChanged } }),
    end: () => safeEnd(call),
  });
  call.on("data", (message: ReceiveControl) => {
    if (message.prepare) session.prepare(message.prepare);
    else if (message.go) session.go(message.go.incomingToken, message.go.paused);
    else if (message.abort) session.abort(message.abort.reason);
  });
  const lost = () => session.lost();
  call.on("end", lost);
  call.on("error", lost);
  call.on("cancelled", lost);
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
