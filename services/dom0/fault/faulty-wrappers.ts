import { PLAIN_WRAPPERS, type OutboundWrappers } from "../migrate/outbound-wrappers.js";
import type { DestinationPeer } from "../migrate/peer.js";
import type { SenderDomain } from "../migrate/sender.js";
import type { EngineScheduler, StreamSink } from "../migrate/stream-sink.js";
import { corruptFirstDataPage } from "./corrupt-page.js";
import type { MigrationFaultPlan } from "./migration-fault.js";

/**
 * The wrappers of one outgoing migration with `plan`'s faults in them: a link that corrupts a page
 * and stalls once the guest is paused, and a control channel that holds Go.
 */
export function faultyWrappers(plan: MigrationFaultPlan, scheduler: EngineScheduler): OutboundWrappers {
  let pausedAwaitingStall = false;
  let corruptPending = plan.corruptPage;
  return {
    domain: (domain: SenderDomain): SenderDomain => ({
      ...domain,
      pause: () => {
        domain.pause();
        pausedAwaitingStall = plan.stallAfterPauseMs > 0;
      },
    }),
    sink: (sink: StreamSink): StreamSink => ({
      write: async (chunk, release, headroomByteCount) => {
        if (pausedAwaitingStall) {
          pausedAwaitingStall = false;
          await scheduler.sleepMs(plan.stallAfterPauseMs);
        }
        if (corruptPending && corruptFirstDataPage(chunk)) corruptPending = false;
        return sink.write(chunk, release, headroomByteCount);
      },
      flush: () => sink.flush(),
      close: () => sink.close(),
    }),
    peer: (peer: DestinationPeer): DestinationPeer =>
      stallingPeer(peer, plan.stallBeforeHandoverMs, scheduler),
  };
}

function stallingPeer(peer: DestinationPeer, stallMs: number, scheduler: EngineScheduler): DestinationPeer {
  return {
    address: peer.address,
    prepare: (info) => peer.prepare(info),
    received: () => peer.received(),
    go: async (incomingToken, paused) => {
      if (stallMs > 0) await scheduler.sleepMs(stallMs);
      return peer.go(incomingToken, paused);
    },
    abort: (reason) => peer.abort(reason),
    incomingStatus: (migrationId) => peer.incomingStatus(migrationId),
    close: () => peer.close(),
  };
}

/** The wrappers for a migration of `domainName`: with its armed faults, or plain. */
export function wrappersWithArmedFaults(
  injector: { takeMigration(domainName: string): MigrationFaultPlan | undefined },
  scheduler: EngineScheduler,
): (domainName: string) => OutboundWrappers {
  return (domainName) => {
    const plan = injector.takeMigration(domainName);
    return plan === undefined ? PLAIN_WRAPPERS : faultyWrappers(plan, scheduler);
  };
}
