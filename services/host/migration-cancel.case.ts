import { describe, expect, it } from "vitest";
import type { Host } from "./host.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import { createGuest } from "../dom0/migrate/sim-harness.js";
import { waitFor } from "../transport/bus/bus.case.js";
import { outboundRequest, type MigrationPair } from "./migration.case.js";

/** How a case reaches a host's cancel: in process, or through the transport under test. */
export type CancelCall = (host: Host, domain: string, reason: string) => Promise<MigrationStatsView>;

const GUEST_MEMORY_MIB = 16;
/** Slow enough that the stream is still going when the first progress report comes. */
const SLOW_BANDWIDTH = "80Mbit/s";
const REASON = "the test asked";

function names(host: Host): string[] {
  return [...host.toolstack.records.values()].map((record) => record.name);
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  return promise.then(
    () => ({ code: "none", message: "resolved" }),
    (error: unknown) => error as { code?: string; message?: string },
  );
}

/** The source's Go to any destination waits for `gate` first. */
function holdGoUntil(source: Host, gate: () => Promise<unknown>): void {
  const links = source.options.links;
  source.options.links = {
    puller: links.puller,
    destination: (address) => {
      const peer = links.destination(address);
      return {
        address: peer.address,
        prepare: (info) => peer.prepare(info),
        received: () => peer.received(),
        go: async (incomingToken, paused) => {
          await gate();
          return peer.go(incomingToken, paused);
        },
        abort: (reason) => peer.abort(reason),
        incomingStatus: (migrationId) => peer.incomingStatus(migrationId),
        close: () => peer.close(),
      };
    },
  };
}

/** The guest runs on at the source, unpaused, its memory as it was; the destination holds nothing. */
async function expectRolledBack(pair: MigrationPair, name: string, checksum: string): Promise<void> {
  const record = pair.source.toolstack.requireDomain(name);
  const domain = pair.source.toolstack.domainOf(record);
  expect(domain.paused).toBe(false);
  expect(domain.memory.checksum()).toBe(checksum);
  expect(pair.source.migrations.outboundCount).toBe(0);
  await waitFor(() => !names(pair.destination).includes(`${name}--incoming`));
  await waitFor(() => pair.destination.migrations.inboundCount === 0);
}

/**
 * Cancelling a migration (docs/specs/migration-protocol.md, "Cancel") between two real Hosts,
 * whatever links them; `cancel` is the in-process call or the transport's Cancel.
 */
export function migrationCancelConformance(
  name: string,
  makePair: () => Promise<MigrationPair>,
  cancel: CancelCall,
): void {
  describe(`migration cancel: ${name}`, () => {
    it("a cancel during the stream ends the migration cancelled; the guest runs on at the source, memory untouched", async () => {
      const pair = await makePair();
      try {
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
        const statuses: string[] = [];
        let answered: Promise<MigrationStatsView> | undefined;
        const migrating = pair.source.migrate(
          { ...outboundRequest("web", pair.destination.address), bandwidth: SLOW_BANDWIDTH },
          (stats) => {
            statuses.push(stats.status);
            if (stats.status === "active" && !answered) answered = cancel(pair.source, "web", REASON);
          },
        );
        const error = await rejection(migrating);
        expect(error.code).toBe("ABORTED");
        expect(error.message).toBe(
          `the migration of web was cancelled: ${REASON}; the guest runs on at the source`,
        );
        expect((await answered)?.status).toBe("cancelling");
        expect(statuses).toContain("cancelling");
        expect(statuses.at(-1)).toBe("cancelled");
        const final = pair.source.migrations.list().find((s) => s.domain === "web");
        expect(final?.status).toBe("cancelled");
        await expectRolledBack(pair, "web", checksum);
        // Nothing of it is left: cancelling again finds no migration, and a new one goes through.
        expect((await rejection(cancel(pair.source, "web", REASON))).code).toBe("NOT_FOUND");
        const stats = await pair.source.migrate(outboundRequest("web", pair.destination.address));
        expect(stats.status).toBe("completed");
      } finally {
        await pair.close();
      }
    });

    it("a cancel during Prepare is honoured once the destination answers: it drops NAME--incoming", async () => {
      const pair = await makePair();
      try {
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
        let answered: Promise<MigrationStatsView> | undefined;
        pair.destination.toolstack.events = {
          domainEvent: (e) => {
            if (e.event === "created" && e.name === "web--incoming")
              answered = cancel(pair.source, "web", REASON);
          },
        };
        const error = await rejection(pair.source.migrate(outboundRequest("web", pair.destination.address)));
        expect(error.code).toBe("ABORTED");
        expect((await answered)?.status).toBe("cancelling");
        await expectRolledBack(pair, "web", checksum);
      } finally {
        await pair.close();
      }
    });

    it("a cancel once the handover began is refused, nothing changed; the migration completes", async () => {
      const pair = await makePair();
      try {
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
        const refusals: Promise<{ code?: string; message?: string }>[] = [];
        // Go waits for the refusals: over a transport they take a round trip, the handover none.
        holdGoUntil(pair.source, () => Promise.all(refusals));
        pair.source.toolstack.events = {
          domainEvent: (e) => {
            if (e.event === "renamed" && e.name === "web--migratedaway")
              refusals.push(
                rejection(cancel(pair.source, "web", REASON)),
                rejection(cancel(pair.source, "web--migratedaway", REASON)),
              );
          },
        };
        const stats = await pair.source.migrate(outboundRequest("web", pair.destination.address));
        expect(stats.status).toBe("completed");
        const refused = await Promise.all(refusals);
        expect(refused).toHaveLength(2);
        for (const refusal of refused) {
          expect(refusal.code).toBe("FAILED_PRECONDITION");
          expect(refusal.message).toMatch(/past the point of no return.*nothing was changed/);
        }
        const moved = pair.destination.toolstack.requireDomain("web");
        expect(pair.destination.toolstack.domainOf(moved).memory.checksum()).toBe(checksum);
        expect(names(pair.source)).not.toContain("web");
      } finally {
        await pair.close();
      }
    });

    it("names what it cannot cancel: a migration arriving here, a domain not moving", async () => {
      const pair = await makePair();
      try {
        createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        createGuest(pair.source.toolstack, "still", GUEST_MEMORY_MIB, "idle");
        let atDestination: Promise<{ code?: string; message?: string }> | undefined;
        pair.destination.toolstack.events = {
          domainEvent: (e) => {
            if (e.event === "created" && e.name === "web--incoming")
              atDestination = rejection(cancel(pair.destination, "web", REASON));
          },
        };
        const stats = await pair.source.migrate(outboundRequest("web", pair.destination.address));
        expect(stats.status).toBe("completed");
        const refused = await atDestination;
        expect(refused?.code).toBe("NOT_FOUND");
        expect(refused?.message).toMatch(/web is arriving at this host.*cancel its migration at its source/);
        const notMoving = await rejection(cancel(pair.source, "still", REASON));
        expect(notMoving.code).toBe("NOT_FOUND");
        expect(notMoving.message).toMatch(/this host sends no migration of still/);
        expect((await rejection(cancel(pair.source, "nosuch", REASON))).code).toBe("NOT_FOUND");
      } finally {
        await pair.close();
      }
    });
  });
}
