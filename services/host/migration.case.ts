import { describe, expect, it } from "vitest";
import type { Host } from "./host.js";
import type { OutboundRequest } from "../dom0/migrate/outbound.js";
import type { PrepareInfo } from "../dom0/migrate/peer.js";
import type { DomainRecord } from "../dom0/toolstack.js";
import { createGuest } from "../dom0/migrate/sim-harness.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { isNothingChanged } from "../dom0/errors.js";
import type { Statefile } from "../contracts/statefile.js";
import { waitFor } from "../transport/bus/bus.case.js";

/** Two real Hosts linked by one transport, and an address where nobody answers. */
export interface MigrationPair {
  source: Host;
  destination: Host;
  unreachableAddress: string;
  close(): Promise<void>;
}

/** How a case wants the pair: `destinationStatefile` gives the destination HA (docs/specs/ha.md). */
export interface MigrationPairOptions {
  destinationStatefile?: Statefile;
}

/** A state store that never answers: a host given it never reads the cluster's HA setting. */
export function unansweredStatefile(): Statefile {
  const never = <T>() => new Promise<T>(() => undefined);
  return {
    read: never,
    readAll: never,
    put: never,
    update: never,
    create: never,
    remove: never,
    watch: () => () => undefined,
  };
}

/**
 * What the source's caller gets when `destination`, which never read the HA setting, refuses the
 * protected guest `name` (docs/specs/ha.md §4 rule 7): a NothingChangedError, the destination's
 * code and words prefixed with it (migration-protocol.md "Refusals").
 */
export function expectSettingUnreadRefusal(error: unknown, destination: Host, name: string): void {
  expect(isNothingChanged(error)).toBe(true);
  expect(error).toMatchObject({
    code: "UNAVAILABLE",
    message:
      `destination ${destination.address} refused: host ${destination.hostId} takes no HA-protected ` +
      `guest ("${name}") now: it has not read the cluster's HA setting from the state store yet; ` +
      `nothing was changed`,
  });
}

/** A small protected guest (xsim_ha = "restart") made on `host`, as its own toolstack takes it. */
export function createProtectedGuest(host: Host, name: string): DomainRecord {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = ${GUEST_MEMORY_MIB}\nvcpus = 1\nxsim_ha = "restart"\n`;
  return host.toolstack.create(loadDomainConfig(text, `${name}.cfg`, [], host.toolstack.prng));
}

const GUEST_MEMORY_MIB = 16;
const PULL_WAIT_MS = 10_000;

export function outboundRequest(domain: string, destination: string, live = true): OutboundRequest {
  return {
    domain,
    destination,
    policy: "",
    live,
    bandwidth: "",
    downtimeLimitMs: 0,
    autoConverge: false,
    pausedAtDestination: false,
  };
}

function names(host: Host): string[] {
  return [...host.toolstack.records.values()].map((record) => record.name);
}

function prepareInfo(
  pair: MigrationPair,
  record: DomainRecord,
  migrationId: string,
  pullToken: string,
): PrepareInfo {
  return {
    migrationId,
    sourceAddress: pair.source.address,
    sourceHostId: pair.source.hostId,
    pullToken,
    configJson: JSON.stringify(record.config),
    name: record.name,
    uuid: record.uuid,
    memoryKib: pair.source.toolstack.domainOf(record).memoryKib,
  };
}

/**
 * The migration handshake (docs/specs/migration-protocol.md) between two real Hosts, whatever links
 * them: the in-memory links (transport/memory) and gRPC (transport/grpc) both run this suite.
 */
export function migrationConformance(
  name: string,
  makePair: (options?: MigrationPairOptions) => Promise<MigrationPair>,
): void {
  describe(`migration conformance: ${name}`, () => {
    it("moves a guest through Prepare, the pulled stream, VERIFY, Received and Go; its memory arrives whole", async () => {
      const pair = await makePair();
      try {
        const events: string[] = [];
        let outDetail: unknown;
        pair.source.toolstack.events = {
          domainEvent: (e) => {
            events.push(`source ${e.event} ${e.name}`);
            if (e.event === "migrated-out") outDetail = e.detail;
          },
        };
        pair.destination.toolstack.events = {
          domainEvent: (e) => events.push(`destination ${e.event} ${e.name}`),
        };
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        pair.source.toolstack.pause("web");
        const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
        const request = { ...outboundRequest("web", pair.destination.address), pausedAtDestination: true };
        const stats = await pair.source.migrate(request);
        expect(stats.status).toBe("completed");
        expect(names(pair.source)).not.toContain("web");
        const moved = pair.destination.toolstack.requireDomain("web");
        expect(pair.destination.toolstack.domainOf(moved).memory.checksum()).toBe(checksum);
        expect(pair.destination.toolstack.domainOf(moved).paused).toBe(true);
        const order = [
          "destination created web--incoming",
          "source renamed web--migratedaway",
          "destination renamed web",
          "destination migrated-in web",
        ].map((line) => events.indexOf(line));
        expect(order.every((at) => at >= 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(events).toContain("source migrated-out web");
        // Where it went, by address and host id: the source hands the name over (HostNames).
        expect(outDetail).toEqual({
          to: pair.destination.address,
          toHostId: pair.destination.toolstack.spec.hostId,
        });
        const peer = pair.source.options.links.destination(pair.destination.address);
        expect(await peer.incomingStatus(stats.migrationId)).toBe("committed");
        expect(await peer.incomingStatus("no-such-migration")).toBe("unknown");
        peer.close();
        expect(pair.source.migrations.outboundCount).toBe(0);
        expect(pair.destination.migrations.inboundCount).toBe(0);
      } finally {
        await pair.close();
      }
    });

    it("keeps a guest paused here paused there when asked to keep its state; without, runs it there as xl does", async () => {
      const pair = await makePair();
      try {
        for (const keepPaused of [true, false]) {
          const name = keepPaused ? "kept" : "xl";
          const record = createGuest(pair.source.toolstack, name, GUEST_MEMORY_MIB, "uniform:rate=2000");
          pair.source.toolstack.pause(name);
          const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
          const stats = await pair.source.migrate({
            ...outboundRequest(name, pair.destination.address),
            keepPaused,
          });
          expect(stats.status).toBe("completed");
          const moved = pair.destination.toolstack.domainOf(pair.destination.toolstack.requireDomain(name));
          expect(moved.paused).toBe(keepPaused);
          if (keepPaused) expect(moved.memory.checksum()).toBe(checksum);
        }
      } finally {
        await pair.close();
      }
    });

    it("moves a running guest that dirties pages over several rounds", async () => {
      const pair = await makePair();
      try {
        createGuest(pair.source.toolstack, "busy", GUEST_MEMORY_MIB, "uniform:rate=2000");
        const stats = await pair.source.migrate(outboundRequest("busy", pair.destination.address));
        expect(stats.status).toBe("completed");
        expect(stats.dirtySyncCount).toBeGreaterThan(1);
        const moved = pair.destination.toolstack.requireDomain("busy");
        expect(pair.destination.toolstack.domainOf(moved).paused).toBe(false);
        expect(names(pair.source)).not.toContain("busy");
      } finally {
        await pair.close();
      }
    });

    it("refuses a pull with a token it did not hand out; the destination removes NAME--incoming", async () => {
      const pair = await makePair();
      try {
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const peer = pair.source.options.links.destination(pair.destination.address);
        const prepared = await peer.prepare(prepareInfo(pair, record, "m-forged-pull", "forged"));
        expect(prepared.destinationHostId).toBe(pair.destination.hostId);
        await expect(peer.received()).rejects.toThrow(/token/);
        await waitFor(() => pair.destination.incomingStatus("m-forged-pull") === "aborted");
        expect(names(pair.destination)).toEqual(["Domain-0"]);
        expect(pair.destination.migrations.inboundCount).toBe(0);
        peer.close();
      } finally {
        await pair.close();
      }
    });

    it("refuses Go with a token it did not hand out, and never runs the guest", async () => {
      const pair = await makePair();
      try {
        const record = createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const clock = pair.source.options.clock;
        const pulled = pair.source.migrations.expectPull("m-forged-go", "real", PULL_WAIT_MS, (ms, fn) =>
          clock.setTimer(ms, fn),
        );
        const peer = pair.source.options.links.destination(pair.destination.address);
        await peer.prepare(prepareInfo(pair, record, "m-forged-go", "real"));
        await pulled; // the destination is receiving: only Go with its token may commit
        await expect(peer.go("forged", false)).rejects.toThrow(/token/);
        await waitFor(() => pair.destination.incomingStatus("m-forged-go") === "aborted");
        expect(names(pair.destination)).toEqual(["Domain-0"]);
        peer.close();
      } finally {
        await pair.close();
      }
    });

    it("a destination that refuses Prepare leaves the guest running on the source, unrenamed; its code reaches the caller", async () => {
      const pair = await makePair();
      try {
        createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        createGuest(pair.destination.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const refused = pair.source.migrate(outboundRequest("web", pair.destination.address));
        // The destination's own code and words, prefixed with it (migration-protocol.md "Refusals").
        await expect(refused).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
        await expect(refused).rejects.toThrow(`destination ${pair.destination.address} refused: `);
        await expect(refused).rejects.toThrow(/web/);
        // Typed only when the destination says its refusal changed nothing (Failed's nothing_changed).
        expect(isNothingChanged(await refused.catch((e: unknown) => e))).toBe(false);
        const record = pair.source.toolstack.requireDomain("web");
        expect(pair.source.toolstack.domainOf(record).paused).toBe(false);
        expect(names(pair.destination)).toEqual(["Domain-0", "web"]);
        expect(pair.source.migrations.outboundCount).toBe(0);
      } finally {
        await pair.close();
      }
    });

    it("a destination that has not read the HA setting refuses a protected guest, nothing changed (ha.md §4 rule 7)", async () => {
      const pair = await makePair({ destinationStatefile: unansweredStatefile() });
      try {
        const record = createProtectedGuest(pair.source, "db");
        const checksum = pair.source.toolstack.domainOf(record).memory.checksum();
        const migrating = pair.source.migrate(outboundRequest("db", pair.destination.address));
        // Typed across the link (Failed's nothing_changed), with the destination's code and words.
        expectSettingUnreadRefusal(await migrating.catch((e: unknown) => e), pair.destination, "db");
        expect(pair.source.toolstack.requireDomain("db")).toBe(record);
        expect(pair.source.toolstack.domainOf(record).paused).toBe(false);
        expect(pair.source.toolstack.domainOf(record).memory.checksum()).toBe(checksum);
        expect(pair.source.migrations.outboundCount).toBe(0);
        expect(names(pair.destination)).toEqual(["Domain-0"]);
      } finally {
        await pair.close();
      }
    });

    it("an unreachable destination fails the migration; the guest runs on where it was", async () => {
      const pair = await makePair();
      try {
        createGuest(pair.source.toolstack, "web", GUEST_MEMORY_MIB, "idle");
        const error: unknown = await pair.source
          .migrate(outboundRequest("web", pair.unreachableAddress))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect((error as { code?: string }).code).toBe("UNAVAILABLE");
        const record = pair.source.toolstack.requireDomain("web");
        expect(pair.source.toolstack.domainOf(record).paused).toBe(false);
        expect(pair.source.migrations.outboundCount).toBe(0);
      } finally {
        await pair.close();
      }
    });
  });
}
