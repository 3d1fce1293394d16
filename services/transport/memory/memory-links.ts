import { ToolstackError } from "../../dom0/errors.js";
import { destinationRefusal } from "../../dom0/migrate/destination-refusal.js";
import type {
  CommittedInfo,
  DestinationPeer,
  IncomingState,
  MigrationEndpoint,
  MigrationLinks,
  PrepareInfo,
  PreparedInfo,
  PullHandlers,
  ReceivedInfo,
  StreamPuller,
} from "../../dom0/migrate/peer.js";
import type { ReceiveSession } from "../../dom0/migrate/receive-session.js";
import type { StreamSink } from "../../dom0/migrate/stream-sink.js";

/**
 * How the in-memory network carries one message from host `from` to host `to`: by default a
 * microtask later, in order. A simulation passes its own to delay, reorder or cut messages; a
 * message that cannot arrive (the peer cut off, crashed) must not vanish: `onLost` tells the
 * sender, as a reset or timed-out TCP connection does.
 */
export type Deliver = (
  from: string,
  to: string,
  message: () => void,
  onLost?: (error: Error) => void,
) => void;

export const DELIVER_NEXT_MICROTASK: Deliver = (_from, _to, message) => queueMicrotask(message);

/**
 * How the end of an open connection at `observer` learns that the host at `gone` died: `notice`
 * runs as `observer` when it would notice (the connection reset, or keepalive's time + timeout
 * after a power cut), never if `observer` died too. By default a microtask later.
 */
export type NoticeGone = (observer: string, gone: string, notice: () => void) => void;

export const NOTICE_NEXT_MICROTASK: NoticeGone = (_observer, _gone, notice) => queueMicrotask(notice);

/** One open connection between two hosts: what the end at each address does once the other end died. */
type Connection = ReadonlyMap<string, (error: Error) => void>;

/**
 * Migration links between hosts of one process: the same handshake as over gRPC (Prepare,
 * PullStream with its one-time token, Received, Go, IncomingStatus), with messages handed over by
 * `deliver` instead of sockets. Hosts attach under their address; a detached host is unreachable.
 * The stream and the control channel are reliable channels, as TCP connections are: a message that
 * cannot arrive breaks its channel, and both ends see the error (the source's calls reject with
 * UNAVAILABLE, the destination's session is lost), never a wait without end. A host that dies
 * (`crashed`) breaks every connection it had at the other end, as keepalive finds a dead peer over
 * gRPC, even when nothing is being sent (a destination holding NAME--incoming, waiting for Go).
 */
export class MemoryMigrationNetwork {
  private readonly endpoints = new Map<string, MigrationEndpoint>();
  /** The control channels and streams open now, in the order they opened (a deterministic replay). */
  private readonly connections = new Set<Connection>();

  constructor(
    readonly deliver: Deliver = DELIVER_NEXT_MICROTASK,
    private readonly noticeGone: NoticeGone = NOTICE_NEXT_MICROTASK,
  ) {}

  attach(address: string, endpoint: MigrationEndpoint): void {
    if (this.endpoints.has(address)) throw new Error(`MemoryMigrationNetwork: ${address} is attached twice`);
    this.endpoints.set(address, endpoint);
  }

  detach(address: string): void {
    this.endpoints.delete(address);
  }

  /**
   * The host at `address` died (its process killed, its power cut): it is unreachable, and every
   * connection it had breaks at the other end once that end notices, as a dropped TCP connection
   * does: a destination aborts its NAME--incoming (unless it committed), a source fails its migration.
   */
  crashed(address: string): void {
    this.detach(address);
    for (const connection of [...this.connections]) {
      if (!connection.has(address)) continue;
      this.connections.delete(connection);
      for (const [end, peerGone] of connection) {
        if (end === address) continue;
        const error = new ToolstackError(
          "UNAVAILABLE",
          `the connection to ${address} was lost (the peer is gone)`,
        );
        this.noticeGone(end, address, () => peerGone(error));
      }
    }
  }

  /**
   * A partition began (`isCut(a, b)`: the hosts at addresses a and b cannot reach each other now).
   * Each open connection across it breaks at both ends when keepalive would give up (`noticeGone`'s
   * delay: gRPC's keepalive time + timeout), even if nothing is sent on it, unless the partition
   * healed or the connection closed meanwhile: an idle control channel (a destination waiting for
   * Go) or a stalled stream learns of the cut as over gRPC, not only when something is sent.
   */
  partitioned(isCut: (a: string, b: string) => boolean): void {
    for (const connection of [...this.connections]) {
      const [a, b] = [...connection.keys()];
      if (a === undefined || b === undefined || !isCut(a, b)) continue;
      let broken: boolean | undefined;
      for (const [end, peerGone] of connection) {
        const other = end === a ? b : a;
        this.noticeGone(end, other, () => {
          // Decided once, at the first end's notice (both come at the same instant).
          broken ??= this.connections.has(connection) && isCut(a, b);
          if (!broken) return;
          this.connections.delete(connection);
          peerGone(
            new ToolstackError(
              "UNAVAILABLE",
              `the connection to ${other} was lost (no keepalive answer across a network partition)`,
            ),
          );
        });
      }
    }
  }

  /** Opens a connection (a gRPC call); returns the function that closes it (idempotent). */
  open(connection: Connection): () => void {
    this.connections.add(connection);
    return () => this.connections.delete(connection);
  }

  /** How many connections are open now (a test's view). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The endpoint at `address`, or UNAVAILABLE as a socket would say it. */
  endpoint(address: string): MigrationEndpoint {
    const endpoint = this.endpoints.get(address);
    if (!endpoint) throw new ToolstackError("UNAVAILABLE", `no host answers at ${address}`);
    return endpoint;
  }

  /** The links of the host at `selfAddress`. */
  links(selfAddress: string): MigrationLinks {
    return {
      destination: (address) => new MemoryDestinationPeer(this, selfAddress, address),
      puller: new MemoryPuller(this, selfAddress),
    };
  }
}

type Waiter<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void };

function waiter<T>(): Waiter<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The source's control channel to a destination in the same process. */
export class MemoryDestinationPeer implements DestinationPeer {
  private session: ReceiveSession | undefined;
  private readonly preparedWaiter = waiter<PreparedInfo>();
  private readonly receivedWaiter = waiter<ReceivedInfo>();
  private committedWaiter: Waiter<CommittedInfo> | undefined;
  private failure: Error | undefined;
  private ended = false;
  private prepareSent = false;
  private closeConnection: () => void = () => undefined;

  constructor(
    private readonly network: MemoryMigrationNetwork,
    private readonly selfAddress: string,
    readonly address: string,
  ) {}

  prepare(info: PrepareInfo): Promise<PreparedInfo> {
    if (this.prepareSent) return Promise.reject(new Error("prepare() sent twice"));
    this.prepareSent = true;
    this.closeConnection = this.network.open(
      new Map([
        // The source died or was cut off: the destination's session is lost (it aborts unless it committed).
        [this.address, (error: Error) => this.sourceGone(error)],
        // The destination died or was cut off: the source's calls fail.
        [this.selfAddress, (error: Error) => this.destinationGone(error)],
      ]),
    );
    this.toDestination(() => {
      const endpoint = this.endpointOrClose();
      this.session = endpoint.receive({
        prepared: (prepared) => this.toSource(() => this.preparedWaiter.resolve(prepared)),
        received: (received) => this.toSource(() => this.receivedWaiter.resolve(received)),
        committed: (committed) => this.toSource(() => this.committedWaiter?.resolve(committed)),
        failed: (reason, code, nothingChanged) =>
          this.toSource(() => this.fail(destinationRefusal(this.address, reason, code, nothingChanged))),
        end: () => {
          // The destination is done with the channel, but it stays open until the source has read
          // all of it: a destination that dies with Committed still on the wire (lost with it, as
          // nothing runs as a dead sender) breaks the source's end, never a wait without end (VOPR
          // seed 192: the source waited for Go's answer for ever).
          this.toSource(() => {
            this.closeConnection();
            this.channelEnded();
          });
        },
      });
      this.session.prepare(info);
    });
    return this.preparedWaiter.promise;
  }

  received(): Promise<ReceivedInfo> {
    if (!this.prepareSent) return Promise.reject(new Error("received() before prepare()"));
    return this.receivedWaiter.promise;
  }

  go(incomingToken: string, paused: boolean): Promise<CommittedInfo> {
    if (this.failure) return Promise.reject(this.failure);
    this.committedWaiter = waiter<CommittedInfo>();
    this.toDestination(() => this.session?.go(incomingToken, paused));
    return this.committedWaiter.promise;
  }

  abort(reason: string): void {
    if (!this.session || this.failure) return;
    this.toDestination(() => this.session?.abort(reason));
  }

  incomingStatus(migrationId: string): Promise<IncomingState> {
    const answer = waiter<IncomingState>();
    const lost = (error: Error) => answer.reject(error);
    this.network.deliver(
      this.selfAddress,
      this.address,
      () => {
        try {
          const state = this.network.endpoint(this.address).incomingStatus(migrationId);
          this.network.deliver(this.address, this.selfAddress, () => answer.resolve(state), lost);
        } catch (error) {
          answer.reject(error as Error);
        }
      },
      lost,
    );
    return answer.promise;
  }

  /** The source lets the channel go: a destination that has not committed aborts (as on a cancelled call). */
  close(): void {
    if (this.ended || !this.prepareSent) return;
    this.ended = true;
    this.toDestination(() => this.session?.lost());
  }

  private endpointOrClose(): MigrationEndpoint {
    try {
      return this.network.endpoint(this.address);
    } catch (error) {
      this.closeConnection();
      throw error;
    }
  }

  /**
   * The destination's end noticed the source gone (its process died, or a partition cut them):
   * the destination's session is lost. The channel is marked failed, so that nothing on the
   * destination's side fails the source's calls: a dead source runs nothing, and a source cut off
   * learns at its own end (destinationGone).
   */
  private sourceGone(error: Error): void {
    this.ended = true;
    this.failure ??= error;
    this.session?.lost();
  }

  /**
   * The source's end noticed the destination gone (its process died, or a partition cut them):
   * the source's calls fail, even when the destination's end, noticing the same cut at the same
   * instant and first, already marked the channel failed (sourceGone): that mark only stops the
   * destination's side from failing the source's calls, the source learns at its own end. Before,
   * it swallowed this notice, and a source whose Go had gone into the cut waited for Go's answer
   * for ever, NAME--migratedaway paused, though the destination had aborted (VOPR seed 41).
   */
  private destinationGone(error: Error): void {
    this.ended = true;
    this.failure ??= error;
    this.rejectWaiters(error);
  }

  private channelEnded(): void {
    this.ended = true;
    this.fail(new ToolstackError("UNAVAILABLE", `destination ${this.address} closed the migration channel`));
  }

  private toDestination(message: () => void): void {
    this.network.deliver(
      this.selfAddress,
      this.address,
      () => {
        try {
          message();
        } catch (error) {
          this.toSource(() => this.fail(error as Error));
        }
      },
      (error) => this.broken(error),
    );
  }

  private toSource(message: () => void): void {
    this.network.deliver(this.address, this.selfAddress, message, (error) => this.broken(error));
  }

  /** A message of the channel could not arrive: the connection is gone for both ends. */
  private broken(error: Error): void {
    this.fail(error);
    if (this.ended) return;
    this.ended = true;
    this.session?.lost();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.rejectWaiters(error);
  }

  /** The source's pending calls fail (those already answered keep their answer). */
  private rejectWaiters(error: Error): void {
    this.preparedWaiter.reject(error);
    this.receivedWaiter.reject(error);
    this.committedWaiter?.reject(error);
  }
}

/** PullStream in one process: the source's engine writes into a sink whose chunks are delivered here. */
export class MemoryPuller implements StreamPuller {
  constructor(
    private readonly network: MemoryMigrationNetwork,
    private readonly selfAddress: string,
  ) {}

  pull(sourceAddress: string, migrationId: string, pullToken: string, handlers: PullHandlers): () => void {
    const network = this.network;
    const self = this.selfAddress;
    const state: PullState = { stopped: false, failure: undefined };
    // A message of the stream that cannot arrive breaks it: the puller is told, the source's writes fail.
    const broken = (error: Error) => {
      closeConnection();
      state.failure ??= error;
      if (!state.stopped) handlers.error(error);
      state.stopped = true;
    };
    const closeConnection = network.open(
      new Map([
        // The source died: the stream fails at the puller.
        [self, broken],
        // The destination died: the source's writes fail (nothing runs at the destination).
        [sourceAddress, (error: Error) => stop(state, error)],
      ]),
    );
    const toPuller = (message: () => void) =>
      network.deliver(
        sourceAddress,
        self,
        () => {
          if (!state.stopped) message();
        },
        broken,
      );
    const sink = memorySink(
      state,
      () => toPuller(() => handlers.end()),
      (chunk, arrived) =>
        network.deliver(
          sourceAddress,
          self,
          () => {
            if (!state.stopped) handlers.data(chunk);
            arrived();
          },
          (error) => {
            broken(error);
            arrived();
          },
        ),
    );
    network.deliver(
      self,
      sourceAddress,
      () => {
        try {
          network.endpoint(sourceAddress).attachPull(migrationId, pullToken, sink);
        } catch (error) {
          toPuller(() => handlers.error(error));
        }
      },
      broken,
    );
    return () => {
      state.stopped = true;
      closeConnection();
    };
  }
}

/** One pull's state, shared by the source's sink and the puller's end. */
interface PullState {
  stopped: boolean;
  failure: Error | undefined;
}

/** The source's end of a pull: each chunk is copied and sent; a write fails once the stream stopped. */
function memorySink(
  state: PullState,
  close: () => void,
  send: (chunk: Uint8Array, arrived: () => void) => void,
): StreamSink {
  const stoppedError = () =>
    new ToolstackError("UNAVAILABLE", "the destination stopped pulling the stream (cancelled)");
  let delivered: Promise<void> = Promise.resolve();
  return {
    write(chunk, release) {
      if (state.stopped) return Promise.reject(state.failure ?? stoppedError());
      const copy = chunk.slice();
      release();
      delivered = new Promise<void>((resolve) => send(copy, resolve));
      return delivered.then(() => {
        if (state.stopped) throw state.failure ?? stoppedError();
      });
    },
    flush: () => delivered,
    close,
  };
}

/** The stream stops for the source's end: its next write fails with `error`. */
function stop(state: PullState, error: Error): void {
  state.failure ??= error;
  state.stopped = true;
}
