/**
 * The messages of the migration handshake (docs/specs/migration-protocol.md), independent of the
 * transport that carries them. The gRPC transport implements DestinationPeer and StreamPuller
 * (transport/grpc/), and so do the in-memory links (transport/memory/); both pass the conformance
 * suite host/migration.case.ts.
 */
import type { StreamSink } from "./stream-sink.js";
import type { ReceiveChannel, ReceiveSession } from "./receive-session.js";

export interface PrepareInfo {
  migrationId: string;
  sourceAddress: string;
  sourceHostId: string;
  pullToken: string;
  configJson: string;
  name: string;
  uuid: string;
  memoryKib: number;
}

export interface PreparedInfo {
  incomingToken: string;
  incomingDomid: number;
  destinationHostId: string;
}

export interface ReceivedInfo {
  pagesVerified: number;
  receiveTimeMs: number;
  /** Stream bytes decoded, END included: the source's bytes_transferred. */
  bytesReceived: number;
}

export interface CommittedInfo {
  domid: number;
  name: string;
}

export type IncomingState = "unknown" | "receiving" | "received" | "committed" | "aborted";

/** The source's side of the control channel to one destination. */
export interface DestinationPeer {
  readonly address: string;
  /** Sends Prepare; resolves with Prepared, rejects with the destination's refusal. */
  prepare(info: PrepareInfo): Promise<PreparedInfo>;
  /** Resolves when the destination has received and verified the whole stream. */
  received(): Promise<ReceivedInfo>;
  /** Hands the guest over; resolves once the destination runs it. */
  go(incomingToken: string, paused: boolean): Promise<CommittedInfo>;
  abort(reason: string): void;
  /** Asks, on a fresh connection, what became of the migration (after a lost channel). */
  incomingStatus(migrationId: string): Promise<IncomingState>;
  close(): void;
}

/** What the destination does with the stream it pulls: each chunk, then its end or a failure. */
export interface PullHandlers {
  data(chunk: Uint8Array): void;
  end(): void;
  error(error: unknown): void;
}

/** How a destination pulls a migration's stream from its source (PullStream over gRPC, or a link). */
export interface StreamPuller {
  /** Starts pulling; returns a function that stops (idempotent, also after the end). */
  pull(sourceAddress: string, migrationId: string, pullToken: string, handlers: PullHandlers): () => void;
}

/** A host's ways to reach other hosts for migrations: its links, injected by the wiring. */
export interface MigrationLinks {
  /** Opens a control channel to the destination at `address` (the source's side). */
  destination(address: string): DestinationPeer;
  puller: StreamPuller;
}

/** What a host offers its migration peers; a transport maps its messages onto these. */
export interface MigrationEndpoint {
  /** A source opens a control channel here; `channel` carries this host's answers back. */
  receive(channel: ReceiveChannel): ReceiveSession;
  /** A destination pulls the stream of `migrationId` with its one-time token (PERMISSION_DENIED otherwise). */
  attachPull(migrationId: string, pullToken: string, sink: StreamSink): void;
  /** IncomingStatus. */
  incomingStatus(migrationId: string): IncomingState;
}
