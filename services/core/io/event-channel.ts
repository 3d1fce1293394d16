import { assert } from "../errors.js";

/** 2-level ABI on 64-bit: 64 × 64 ports (xen/include/public/event_channel.h). Port 0 is never used. */
export const EVTCHN_2L_PORT_COUNT = 4096;

type PortState =
  | { kind: "unbound"; remoteDomid: number }
  | { kind: "interdomain"; remote: EventChannelTable; remotePort: number };

interface Port {
  state: PortState;
  /** Notifications that arrived on this port (EVTCHNOP_send from the other end). */
  receivedCount: number;
}

/** A peer asked for a binding Xen would refuse (bad port, port not offered to it). */
export class EventChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventChannelError";
  }
}

/**
 * One domain's event channel ports (≈ xen/common/event_channel.c): unbound ports offered to a remote
 * domain, interdomain bindings, and notifications, counted at the receiving end.
 */
export class EventChannelTable {
  private readonly ports = new Map<number, Port>();
  private portNext = 1;

  constructor(
    readonly domid: number,
    readonly portCountMax = EVTCHN_2L_PORT_COUNT,
  ) {}

  get portCountInUse(): number {
    return this.ports.size;
  }

  /** EVTCHNOP_alloc_unbound: a port `remoteDomid` may bind to; undefined when none is free (-ENOSPC). */
  allocUnbound(remoteDomid: number): number | undefined {
    const port = this.freePort();
    if (port !== undefined)
      this.ports.set(port, { state: { kind: "unbound", remoteDomid }, receivedCount: 0 });
    return port;
  }

  /** EVTCHNOP_bind_interdomain: binds a new local port to `remote`'s unbound port offered to us. */
  bindInterdomain(remote: EventChannelTable, remotePort: number): number {
    const offered = remote.ports.get(remotePort);
    if (offered?.state.kind !== "unbound" || offered.state.remoteDomid !== this.domid) {
      throw new EventChannelError(
        `domain ${remote.domid} port ${remotePort} is not an unbound port offered to domain ${this.domid}`,
      );
    }
    const port = this.freePort();
    if (port === undefined)
      throw new EventChannelError(`domain ${this.domid} has no free event channel port`);
    this.ports.set(port, { state: { kind: "interdomain", remote, remotePort }, receivedCount: 0 });
    offered.state = { kind: "interdomain", remote: this, remotePort: port };
    return port;
  }

  /** EVTCHNOP_send: the other end of an interdomain port is notified. */
  send(port: number): void {
    const state = this.ports.get(port)?.state;
    assert(state?.kind === "interdomain", `domain ${this.domid} sends on port ${port}, which is not bound`);
    state.remote.ports.get(state.remotePort)!.receivedCount++;
  }

  receivedCount(port: number): number {
    return this.ports.get(port)?.receivedCount ?? 0;
  }

  isBound(port: number): boolean {
    return this.ports.get(port)?.state.kind === "interdomain";
  }

  /** EVTCHNOP_close: the port is freed; the other end of a binding becomes unbound again. */
  close(port: number): void {
    const state = this.ports.get(port)?.state;
    if (state === undefined) return;
    if (state.kind === "interdomain") {
      const remotePort = state.remote.ports.get(state.remotePort);
      if (remotePort) remotePort.state = { kind: "unbound", remoteDomid: this.domid };
    }
    this.ports.delete(port);
  }

  /** Every port closed: the domain is going away. */
  closeAll(): void {
    for (const port of [...this.ports.keys()]) this.close(port);
  }

  private freePort(): number | undefined {
    for (let tried = 0; tried < this.portCountMax - 1; tried++) {
      const port = this.portNext;
      this.portNext = port + 1 >= this.portCountMax ? 1 : port + 1;
      if (!this.ports.has(port)) return port;
    }
    return undefined;
  }
}
