import type { Toolstack } from "../dom0/toolstack.js";
import type { Bus } from "../contracts/bus.js";
import { heartbeatSubject } from "../contracts/subjects.js";

/**
 * Self-fencing (XAPI HA's answer to a partition): a host hears its own heartbeats come back through
 * NATS. If none came back for longer than the fence timeout, the cluster may already have declared
 * it down and restarted its HA domains elsewhere, so it destroys its DomUs rather than run a guest
 * twice. The timeout must be shorter than the scheduler's down deadline (missed beats × interval).
 */
export class Fence {
  private lastEchoMs: number | undefined;
  private fenced = false;
  fenceCount = 0;

  constructor(
    private readonly toolstack: Toolstack,
    bus: Bus,
    private readonly fenceTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {
    bus.subscribe(heartbeatSubject(toolstack.spec.hostId), () => {
      this.lastEchoMs = toolstack.clock.nowMs();
      if (this.fenced) this.log("contact with NATS is back");
      this.fenced = false;
    });
  }

  /** Called periodically; fences once per loss of contact. */
  check(): void {
    if (this.lastEchoMs === undefined || this.fenced) return;
    const silenceMs = this.toolstack.clock.nowMs() - this.lastEchoMs;
    if (silenceMs <= this.fenceTimeoutMs) return;
    this.fenced = true;
    this.fenceCount++;
    const domUs = [...this.toolstack.records.values()].filter((r) => r.domid !== 0);
    this.log(
      `no contact with NATS for ${silenceMs.toFixed(0)} ms: fencing, destroying ${domUs.length} DomUs`,
    );
    for (const record of domUs) this.toolstack.destroyMigratedAway(record, "fenced");
  }

  get isFenced(): boolean {
    return this.fenced;
  }
}
