import { ToolstackError } from "../dom0/errors.js";
import type {
  CommittedInfo,
  DestinationPeer,
  IncomingState,
  PrepareInfo,
  PreparedInfo,
  ReceivedInfo,
} from "../dom0/migrate/peer.js";
import type { IncomingMigration } from "../dom0/migrate/incoming.js";
import type { StreamSink } from "../dom0/migrate/stream-sink.js";
import type { SimNetwork } from "./network.js";
import { simCall } from "./rpc.js";
import type { SimHost } from "./sim-host.js";

/** The links' bandwidth between hosts: how long a chunk of the migration stream takes on the wire. */
export const LINK_BYTES_PER_MS = 1.25e6; // 10 Gbit/s
/** Deadline of IncomingStatus (as the gRPC peer's). */
const STATUS_DEADLINE_MS = 2000;

/**
 * The source's control channel to a destination host in the one-process cluster, over the simulated
 * network: the full handshake (Prepare, the destination pulling the stream with the one-time token,
 * Received after VERIFY, Go with the incoming token, Abort, IncomingStatus), each message a hop on
 * the links, so partitions, stalls and crashes of either end hit it where they would over gRPC.
 */
export class LinkedDestinationPeer implements DestinationPeer {
  private receivedPromise: Promise<ReceivedInfo> | undefined;
  private settleReceived: { resolve: (r: ReceivedInfo) => void; reject: (e: Error) => void } | undefined;
  private migrationId = "";

  constructor(
    private readonly network: SimNetwork,
    private readonly source: SimHost,
    private readonly destination: SimHost,
  ) {}

  get address(): string {
    return this.destination.address;
  }

  prepare(info: PrepareInfo): Promise<PreparedInfo> {
    this.migrationId = info.migrationId;
    this.receivedPromise = new Promise((resolve, reject) => (this.settleReceived = { resolve, reject }));
    this.receivedPromise.catch(() => undefined);
    return this.call("Prepare", () => {
      const incoming = this.destination.prepareIncoming(info);
      const prepared = incoming.prepare(this.destination.newToken());
      // The destination pulls the stream from the source with the token the source handed out.
      this.network.send(
        this.destination.hostId,
        this.source.hostId,
        () => {
          try {
            this.source.migrations.attachPull(info.migrationId, info.pullToken, this.sink());
          } catch (error) {
            this.fail(error);
          }
        },
        true,
      );
      return prepared;
    });
  }

  received(): Promise<ReceivedInfo> {
    if (!this.receivedPromise) return Promise.reject(new Error("received() before prepare()"));
    return this.receivedPromise;
  }

  go(incomingToken: string, paused: boolean): Promise<CommittedInfo> {
    return this.call("Go", () => this.requireIncoming().go(incomingToken, paused));
  }

  abort(reason: string): void {
    this.network.send(this.source.hostId, this.destination.hostId, () => this.incoming()?.abort(), true);
    this.fail(new ToolstackError("ABORTED", `the source aborted: ${reason}`));
  }

  incomingStatus(migrationId: string): Promise<IncomingState> {
    return simCall(
      this.network,
      this.source.hostId,
      this.destination.hostId,
      () => this.destination.incoming.get(migrationId)?.state ?? "unknown",
      { deadlineMs: STATUS_DEADLINE_MS, what: "IncomingStatus" },
    );
  }

  close(): void {
    /* nothing held open */
  }

  private call<T>(what: string, work: () => T): Promise<T> {
    return simCall(this.network, this.source.hostId, this.destination.hostId, work, { what });
  }

  private incoming(): IncomingMigration | undefined {
    return this.destination.incoming.get(this.migrationId);
  }

  private requireIncoming(): IncomingMigration {
    const found = this.incoming();
    if (!found) throw new ToolstackError("FAILED_PRECONDITION", `no incoming migration ${this.migrationId}`);
    return found;
  }

  private fail(error: unknown): void {
    this.settleReceived?.reject(error instanceof Error ? error : new Error(String(error)));
  }

  /** The source's end of the pull: each chunk crosses the link and is applied on the destination. */
  private sink(): StreamSink {
    const from = this.source.hostId;
    const to = this.destination.hostId;
    const clock = this.source.process.clock;
    return {
      write: (chunk, release) => {
        if (!this.network.connected(from, to))
          return Promise.reject(new ToolstackError("UNAVAILABLE", `the destination ${to} is unreachable`));
        // A copy: `Buffer.slice` would be a view of a buffer the sender reuses once released.
        const copy = new Uint8Array(chunk);
        release();
        this.network.send(from, to, () => this.apply(copy), true);
        return new Promise((resolve) => clock.setTimer(copy.byteLength / LINK_BYTES_PER_MS, resolve));
      },
      flush: () => Promise.resolve(),
      close: () => undefined,
    };
  }

  /** On the destination: one chunk into the incoming domain; Received once END verified. */
  private apply(chunk: Uint8Array): void {
    const incoming = this.incoming();
    if (!incoming || incoming.state !== "receiving") return;
    try {
      incoming.push(chunk);
      if (!incoming.isStreamComplete) return;
      const received = incoming.streamEnded();
      this.answer(() => this.settleReceived?.resolve(received));
    } catch (error) {
      incoming.abort();
      const reason = error instanceof Error ? error.message : String(error);
      this.answer(() =>
        this.fail(new ToolstackError("ABORTED", `destination ${this.address} refused: ${reason}`)),
      );
    }
  }

  /** A status message from the destination back to the source. */
  private answer(deliver: () => void): void {
    this.network.send(this.destination.hostId, this.source.hostId, deliver, true);
  }
}
