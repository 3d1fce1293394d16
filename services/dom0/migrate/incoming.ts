import type { Clock } from "../../core/clock.js";
import type { Toolstack, DomainRecord } from "../toolstack.js";
import { ToolstackError } from "../errors.js";
import { configFromJson } from "../xlcfg/config-json.js";
import { domainPath } from "../../xenstore/paths.js";
import { StreamReceiver } from "./receiver.js";
import type { MigrationManager } from "./migration-manager.js";
import type { CommittedInfo, IncomingState, PrepareInfo, PreparedInfo, ReceivedInfo } from "./peer.js";

export const INCOMING_SUFFIX = "--incoming";

/**
 * One incoming migration on the destination (xl migrate-receive): builds NAME--incoming paused,
 * takes the stream into it page by page, and on Go (with the one-time token it handed out) runs
 * the guest under its own name. Anything short of Go removes NAME--incoming again.
 */
export class IncomingMigration {
  state: IncomingState = "unknown";
  private record: DomainRecord | undefined;
  private receiver: StreamReceiver | undefined;
  private incomingToken = "";
  private startMs = 0;
  private claimed = false;

  constructor(
    private readonly toolstack: Toolstack,
    private readonly manager: MigrationManager,
    private readonly clock: Clock,
    readonly info: PrepareInfo,
  ) {}

  /** Checks and builds NAME--incoming, paused; refuses with a clear reason and builds nothing. */
  prepare(incomingToken: string): PreparedInfo {
    const config = configFromJson(this.info.configJson);
    if (config.name !== this.info.name) config.name = this.info.name;
    this.toolstack.validateForHost(config, this.info.name);
    this.manager.claimInbound();
    this.claimed = true;
    try {
      this.record = this.toolstack.create(
        { ...config, uuid: this.info.uuid },
        { paused: true, nameOverride: `${this.info.name}${INCOMING_SUFFIX}` },
      );
    } catch (error) {
      this.release();
      throw error;
    }
    const memory = this.toolstack.domainOf(this.record).memory;
    this.receiver = new StreamReceiver((domainInfo) => {
      if (domainInfo.uuid !== this.info.uuid || domainInfo.pageCount !== memory.pageCount) {
        throw new ToolstackError(
          "INVALID_ARGUMENT",
          `migration stream is for ${String(domainInfo.uuid)} with ${String(domainInfo.pageCount)} pages, not the prepared domain`,
        );
      }
      return memory;
    });
    this.incomingToken = incomingToken;
    this.state = "receiving";
    this.startMs = this.clock.nowMs();
    return { incomingToken, incomingDomid: this.record.domid, destinationHostId: this.toolstack.spec.hostId };
  }

  push(chunk: Uint8Array): void {
    if (this.state !== "receiving" || !this.receiver)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `migration ${this.info.migrationId} is ${this.state}, not receiving`,
      );
    this.receiver.push(chunk);
  }

  /** END arrived after a passing VERIFY: streamEnded() need not wait for the transport's own end. */
  get isStreamComplete(): boolean {
    return this.receiver?.isEnded ?? false;
  }

  /** The stream ended: it must have been whole and verified. */
  streamEnded(): ReceivedInfo {
    if (!this.receiver) throw new ToolstackError("FAILED_PRECONDITION", "no stream");
    const image = this.receiver.finish();
    this.state = "received";
    this.restoreGuestXenstore(image.xenstoreData);
    return {
      pagesVerified: image.pageCountVerified,
      receiveTimeMs: this.clock.nowMs() - this.startMs,
      bytesReceived: this.receiver.bytesReceived,
    };
  }

  /** Go: the destination takes the guest over. Only with the token handed out in Prepared. */
  go(token: string, paused: boolean): CommittedInfo {
    if (token !== this.incomingToken || this.incomingToken === "")
      throw new ToolstackError("PERMISSION_DENIED", "Go with a token this destination did not hand out");
    if (this.state !== "received" || !this.record)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `migration ${this.info.migrationId} is ${this.state}: the stream was not received whole`,
      );
    this.incomingToken = "";
    this.toolstack.rename(String(this.record.domid), this.info.name);
    if (!paused) this.toolstack.resumeDomain(String(this.record.domid));
    this.state = "committed";
    this.toolstack.emit("migrated-in", this.record, { from: this.info.sourceHostId });
    this.release();
    return { domid: this.record.domid, name: this.record.name };
  }

  /** Anything before Go: remove NAME--incoming. After Go the guest is ours and stays. */
  abort(): void {
    if (this.state === "committed" || this.state === "aborted") return;
    this.state = "aborted";
    if (this.record && this.toolstack.records.get(this.record.domid) === this.record)
      this.toolstack.destroy(String(this.record.domid));
    this.release();
  }

  private release(): void {
    if (!this.claimed) return;
    this.claimed = false;
    this.manager.releaseInbound();
  }

  private restoreGuestXenstore(entries: Record<string, string>): void {
    if (!this.record) return;
    const base = domainPath(this.record.domid);
    for (const [path, value] of Object.entries(entries)) this.toolstack.store.write(`${base}/${path}`, value);
  }
}
