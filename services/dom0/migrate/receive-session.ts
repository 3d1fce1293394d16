import { IncomingMigration } from "./incoming.js";
import type { Toolstack } from "../toolstack.js";
import type { MigrationManager } from "./migration-manager.js";
import { isNothingChanged, ToolstackError, type ToolstackErrorCode } from "../errors.js";
import { toToolstackError } from "../xen-error-map.js";
import type {
  CommittedInfo,
  IncomingState,
  PreparedInfo,
  PrepareInfo,
  ReceivedInfo,
  StreamPuller,
} from "./peer.js";

/** Incoming migrations remembered for IncomingStatus after they end. */
export const INCOMING_REMEMBERED_COUNT_MAX = 256;

/** What the destination says to the source on the control channel (docs/specs/migration-protocol.md). */
export interface ReceiveChannel {
  prepared(info: PreparedInfo): void;
  received(info: ReceivedInfo): void;
  committed(info: CommittedInfo): void;
  /**
   * The destination's refusal: its words, its code when it has one (a ToolstackError's), and
   * whether it left the destination as it was (a NothingChangedError: Failed's nothing_changed).
   */
  failed(reason: string, code: ToolstackErrorCode | undefined, nothingChanged: boolean): void;
  /** The destination is done with the channel. */
  end(): void;
}

/** What the source says to the destination, as the destination's session takes it. */
export interface ReceiveSession {
  prepare(info: PrepareInfo): void;
  go(incomingToken: string, paused: boolean): void;
  abort(reason: string): void;
  /** The channel broke (closed, cancelled, errored) before the session ended it. */
  lost(): void;
}

export interface MigrationDestinationDeps {
  toolstack: Toolstack;
  manager: MigrationManager;
  newToken(): string;
  puller: StreamPuller;
}

/**
 * The destination's half of a migration (xl migrate-receive), whatever carries its messages:
 * Prepare builds NAME--incoming and starts pulling the stream from the source; the verified stream
 * answers Received; Go commits. A channel that breaks before Go, a stream that fails, or an Abort
 * removes NAME--incoming. The gRPC transport and the in-memory links only translate messages.
 */
export class MigrationDestination {
  private readonly incoming = new Map<string, IncomingMigration>();

  constructor(private readonly deps: MigrationDestinationDeps) {}

  /** IncomingStatus: what became of migration `migrationId` here. */
  status(migrationId: string): IncomingState {
    return this.incoming.get(migrationId)?.state ?? "unknown";
  }

  /** Opens a session for one control channel; `channel` carries the answers back. */
  open(channel: ReceiveChannel): ReceiveSession {
    let incoming: IncomingMigration | undefined;
    let stopPull: (() => void) | undefined;
    let finished = false;
    const finish = (failure: unknown) => {
      if (finished) return;
      finished = true;
      stopPull?.();
      if (failure !== undefined && incoming?.state !== "committed") {
        incoming?.abort();
        const mapped = toToolstackError(failure);
        const code = mapped instanceof ToolstackError ? mapped.code : undefined;
        channel.failed(describe(mapped), code, isNothingChanged(mapped));
      }
      channel.end();
    };
    const guarded =
      <A extends unknown[]>(step: (...args: A) => void) =>
      (...args: A) => {
        if (finished) return;
        try {
          step(...args);
        } catch (error) {
          finish(error);
        }
      };
    return {
      prepare: guarded((info: PrepareInfo) => {
        if (incoming) throw new ToolstackError("FAILED_PRECONDITION", "Prepare sent twice");
        incoming = new IncomingMigration(
          this.deps.toolstack,
          this.deps.manager,
          this.deps.toolstack.clock,
          info,
        );
        this.remember(info.migrationId, incoming);
        channel.prepared(incoming.prepare(this.deps.newToken()));
        stopPull = this.pull(incoming, (error, received) => {
          if (error !== undefined || !received) return finish(error ?? new Error("stream ended without END"));
          channel.received(received);
        });
      }),
      go: guarded((incomingToken: string, paused: boolean) => {
        if (!incoming) throw new ToolstackError("FAILED_PRECONDITION", "Go before Prepare");
        channel.committed(incoming.go(incomingToken, paused));
        finish(undefined);
      }),
      abort: guarded((reason: string) =>
        finish(new ToolstackError("ABORTED", `the source aborted: ${reason}`)),
      ),
      lost: () => finish(new ToolstackError("UNAVAILABLE", "the source closed the migration channel")),
    };
  }

  /** Pulls the stream into `incoming`; `done(undefined, received)` once END verified, `done(error)` on failure. */
  private pull(
    incoming: IncomingMigration,
    done: (error: unknown, received?: ReceivedInfo) => void,
  ): () => void {
    let over = false;
    let cancel: () => void = () => undefined;
    const end = (error?: unknown) => {
      if (over) return;
      over = true;
      cancel();
      done(error);
    };
    const complete = () => {
      if (over) return;
      try {
        const received = incoming.streamEnded();
        over = true;
        done(undefined, received);
      } catch (error) {
        end(error);
      }
    };
    const { sourceAddress, migrationId, pullToken } = incoming.info;
    cancel = this.deps.puller.pull(sourceAddress, migrationId, pullToken, {
      data: (chunk) => {
        if (over) return;
        try {
          incoming.push(chunk);
        } catch (error) {
          return end(error);
        }
        // Received as soon as END is verified: the source's trailers, a round trip later, add nothing.
        if (incoming.isStreamComplete) complete();
      },
      end: complete,
      error: (error) => end(error),
    });
    return () => {
      end(new ToolstackError("ABORTED", "pull stopped"));
      cancel(); // also after a complete stream: the puller lets its channel go
    };
  }

  private remember(id: string, incoming: IncomingMigration): void {
    this.incoming.set(id, incoming);
    while (this.incoming.size > INCOMING_REMEMBERED_COUNT_MAX)
      this.incoming.delete(this.incoming.keys().next().value!);
  }
}

function describe(mapped: unknown): string {
  if (mapped instanceof Error) return (mapped as { details?: string }).details ?? mapped.message;
  return String(mapped);
}
