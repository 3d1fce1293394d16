/**
 * The messages of the migration handshake (docs/specs/migration-protocol.md), independent of the
 * transport that carries them. The gRPC transport implements DestinationPeer; so can a test.
 */
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
