import { ToolstackError } from "../errors.js";

/**
 * A cancelled migration (QEMU's migrate_cancel, XAPI's task-cancel, virsh's domjobabort): the
 * source rolled back as for any failure before Go (docs/specs/migration-protocol.md, ownership
 * rule 1), so the guest runs on at the source, its memory untouched.
 */
export class MigrationCancelledError extends ToolstackError {
  constructor(
    readonly domain: string,
    readonly reason: string,
    kind: OutboundKind = "migration",
  ) {
    super(
      "ABORTED",
      kind === "migration"
        ? `the migration of ${domain} was cancelled: ${reason}; the guest runs on at the source`
        : `the save of ${domain} was cancelled: ${reason}; nothing was saved and the guest runs on`,
    );
  }
}

/** What sends the guest's stream: a live migration to a host, or `xl save` to a file. */
export type OutboundKind = "migration" | "save";

/** Where the point of no return lies, for a refused cancel's words. */
const HANDOVER_WORDS: Record<OutboundKind, string> = {
  migration: "the guest is being handed over to the destination",
  save: "its file is written",
};

/** Where an outbound migration stands for a cancel. */
type CancelState = "open" | "requested" | "handing-over";

/**
 * The cancel of one outbound migration. A request is honoured until the source sends Go (the
 * handover: from then the destination may own the guest, and only the handover's own rules decide);
 * after that it is refused, nothing changed. A request does not interrupt a step: the migration
 * checks it between steps and the sender at its next page record, so a migration nobody cancels
 * runs exactly as it would without this (the same events in the same order in the simulation).
 */
export class OutboundCancel {
  private state: CancelState = "open";
  private requestReason = "";
  /** Called once, when a cancel is first requested (the migration stops its sender, reports "cancelling"). */
  onRequested: (reason: string) => void = () => undefined;

  constructor(
    readonly migrationId: string,
    readonly domain: string,
    readonly kind: OutboundKind = "migration",
  ) {}

  get isRequested(): boolean {
    return this.state === "requested";
  }

  /** Asks the migration to stop. Idempotent; refused once the handover began. */
  request(reason: string): void {
    if (this.state === "handing-over")
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `the ${this.kind} of ${this.domain} is past the point of no return (${HANDOVER_WORDS[this.kind]}); nothing was changed`,
      );
    if (this.state === "requested") return;
    this.state = "requested";
    this.requestReason = reason;
    this.onRequested(reason);
  }

  /** Between steps: throws the cancel if one was requested. */
  check(): void {
    if (this.state === "requested") throw this.error();
  }

  /** The error a cancelled migration ends with. */
  error(): MigrationCancelledError {
    return new MigrationCancelledError(this.domain, this.requestReason, this.kind);
  }

  /** Just before Go: a last check, then no cancel is taken any more. */
  closeForHandover(): void {
    this.check();
    this.state = "handing-over";
  }
}
