import { describe, expect, it } from "vitest";
import { runSimulation } from "../../core/simulation.js";
import { ToolstackError } from "../errors.js";
import { MigrationManager, PULL_ATTACH_TIMEOUT_MS } from "./migration-manager.js";
import { migrateOut, type OutboundContext } from "./outbound.js";
import type { DestinationPeer, ReceivedInfo } from "./peer.js";
import { createGuest, simPair, simScheduler } from "./sim-harness.js";

/** When the destination's control channel drops after Prepared (its process killed). */
const CHANNEL_LOST_AFTER_MS = 50;

/**
 * A destination that answers Prepared, then loses its control channel before it attaches to pull
 * the stream: killed, or killed and restarted at the same address (the new process never pulls).
 */
function peerLostBeforePull(clock: { setTimer(ms: number, fn: () => void): () => void }): DestinationPeer {
  let lose: (error: unknown) => void = () => undefined;
  const received = new Promise<ReceivedInfo>((_, reject) => (lose = reject));
  received.catch(() => undefined);
  return {
    address: "d:1",
    prepare: () => {
      const lost = new ToolstackError("UNAVAILABLE", "destination d:1: connection lost (Connection dropped)");
      clock.setTimer(CHANNEL_LOST_AFTER_MS, () => lose(lost));
      return Promise.resolve({ incomingToken: "in", incomingDomid: 3, destinationHostId: "dst" });
    },
    received: () => received,
    go: () => Promise.reject(new Error("no Go without a stream")),
    abort: () => undefined,
    incomingStatus: () => Promise.reject(new Error("not asked")),
    close: () => undefined,
  };
}

describe("the source waiting for the destination to pull its stream", () => {
  it("stops at once, in the channel's words, when the control channel drops before the pull", async () => {
    const { clock, source, stopTicks } = simPair(7);
    const record = createGuest(source, "web", 16, "idle");
    const manager = new MigrationManager();
    const ctx: OutboundContext = {
      toolstack: source,
      manager,
      clock,
      scheduler: simScheduler(clock),
      selfAddress: "src:1",
      newId: () => "m-1",
      newToken: () => "pull-1",
      onProgress: () => undefined,
    };
    const request = {
      domain: "web",
      destination: "d:1",
      policy: "",
      live: true,
      bandwidth: "",
      downtimeLimitMs: 0,
      autoConverge: false,
      pausedAtDestination: false,
    };
    const startMs = clock.nowMs();
    const outcome = await runSimulation(
      clock,
      migrateOut(ctx, request, peerLostBeforePull(clock)).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    stopTicks();
    // Before, the source waited PULL_ATTACH_TIMEOUT_MS and said "the destination did not pull the stream".
    expect(outcome).toMatchObject({
      code: "UNAVAILABLE",
      message: "destination d:1: connection lost (Connection dropped)",
    });
    expect(clock.nowMs() - startMs).toBeLessThan(PULL_ATTACH_TIMEOUT_MS);
    expect(source.records.get(record.domid)?.name, "the guest stays, under its own name").toBe("web");
    expect(source.domainOf(record).paused).toBe(false);
    expect(manager.list().at(-1)?.status).toBe("failed");
    // The pull token is withdrawn: a destination that attaches late is refused.
    expect(() =>
      manager.attachPull("m-1", "pull-1", {
        write: () => Promise.resolve(),
        flush: () => Promise.resolve(),
        close: () => undefined,
      }),
    ).toThrow(/no migration m-1/);
  });
});
