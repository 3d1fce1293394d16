import { status as grpcStatus, type ChannelCredentials, type ClientDuplexStream } from "@grpc/grpc-js";
import type { MigrationClient, ReceiveControl, ReceiveStatus } from "../../gen/xensim/v1/migration.js";
import type {
  CommittedInfo,
  DestinationPeer,
  IncomingState,
  PrepareInfo,
  PreparedInfo,
  ReceivedInfo,
} from "../../dom0/migrate/peer.js";
import { ToolstackError } from "../../dom0/errors.js";
import { destinationRefusal } from "../../dom0/migrate/destination-refusal.js";
import { connectMigration } from "./migration-service.js";
import { unaryCall } from "./host-client.js";

type Waiter<T> = { resolve: (value: T) => void; reject: (error: Error) => void };

/** The source's control channel to a destination's Receive, over gRPC. */
export class GrpcDestinationPeer implements DestinationPeer {
  private readonly client: MigrationClient;
  private call: ClientDuplexStream<ReceiveControl, ReceiveStatus> | undefined;
  private prepared: Waiter<PreparedInfo> | undefined;
  private committed: Waiter<CommittedInfo> | undefined;
  private receivedPromise: Promise<ReceivedInfo> | undefined;
  private receivedWaiter: Waiter<ReceivedInfo> | undefined;
  private failure: Error | undefined;

  constructor(
    readonly address: string,
    private readonly channelCredentials?: ChannelCredentials,
  ) {
    this.client = connectMigration(address, {}, channelCredentials);
  }

  prepare(info: PrepareInfo): Promise<PreparedInfo> {
    this.receivedPromise = new Promise((resolve, reject) => (this.receivedWaiter = { resolve, reject }));
    this.receivedPromise.catch(() => undefined);
    const call = this.client.receive();
    this.call = call;
    call.on("data", (status: ReceiveStatus) => this.onStatus(status));
    call.on("error", (error: Error) =>
      this.fail(new ToolstackError("UNAVAILABLE", `destination ${this.address}: ${describeGrpc(error)}`)),
    );
    call.on("end", () =>
      this.fail(
        new ToolstackError("UNAVAILABLE", `destination ${this.address} closed the migration channel`),
      ),
    );
    const answer = new Promise<PreparedInfo>((resolve, reject) => (this.prepared = { resolve, reject }));
    call.write({ prepare: info });
    return answer;
  }

  received(): Promise<ReceivedInfo> {
    if (!this.receivedPromise) return Promise.reject(new Error("received() before prepare()"));
    return this.receivedPromise;
  }

  go(incomingToken: string, paused: boolean): Promise<CommittedInfo> {
    if (this.failure) return Promise.reject(this.failure);
    const answer = new Promise<CommittedInfo>((resolve, reject) => (this.committed = { resolve, reject }));
    this.call?.write({ go: { incomingToken, paused } });
    return answer;
  }

  abort(reason: string): void {
    if (!this.call || this.failure) return;
    try {
      this.call.write({ abort: { reason } });
      this.call.end();
    } catch {
      /* the channel is already gone: the destination aborts on its own */
    }
  }

  async incomingStatus(migrationId: string): Promise<IncomingState> {
    const client = connectMigration(this.address, {}, this.channelCredentials);
    try {
      const reply = await unaryCall(
        client.incomingStatus.bind(client),
        { migrationId },
        { deadline: Date.now() + 2000 },
      );
      return reply.status as IncomingState;
    } finally {
      client.close();
    }
  }

  close(): void {
    this.call?.cancel();
    this.client.close();
  }

  private onStatus(status: ReceiveStatus): void {
    if (status.prepared) this.prepared?.resolve(status.prepared);
    else if (status.received) this.receivedWaiter?.resolve(status.received);
    else if (status.committed) this.committed?.resolve(status.committed);
    else if (status.failed) {
      const { reason, code, nothingChanged } = status.failed;
      this.fail(destinationRefusal(this.address, reason, code, nothingChanged));
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.prepared?.reject(error);
    this.receivedWaiter?.reject(error);
    this.committed?.reject(error);
  }
}

/**
 * What broke the channel. A lost connection (grpc-js's UNAVAILABLE: the peer died, its socket was
 * reset, keepalive found it gone) reads the same however the kernel reported it ("Connection
 * dropped", "read ECONNRESET", "write EPIPE" depend on timing): "connection lost (...)", the
 * transport's words kept in brackets. Any other status keeps its details as they are.
 */
export function describeGrpc(error: Error): string {
  const { details, code } = error as { details?: string; code?: number };
  const words = details ?? error.message;
  return code === grpcStatus.UNAVAILABLE ? `connection lost (${words})` : words;
}
