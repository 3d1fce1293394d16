import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import {
  domainOn,
  freeMemoryKibOf,
  startMigration,
  stopTestHost,
  waitUntil,
} from "./support/migration-cluster.js";
import { expectEachOnceElsewhere, startHaCluster, type HaCluster } from "./support/ha-cluster.js";
import { listWithin } from "./support/ha-faults.js";

/**
 * Real host processes over gRPC, the scheduler and HA on: a protected guest's migration whose
 * SOURCE dies (kill -9, a power cut) after the stream, while the destination waits for Go. The
 * destination must abort its NAME--incoming (ownership rule 1: before Go the source owns the
 * guest; keepalive tells the destination the source is gone) and free its memory, and HA must
 * restart the guest exactly once, on a surviving host (docs/specs/ha.md §5: the record named the
 * destination too, so the restart waits until that host was read without a copy).
 */
let ha: HaCluster;
/** Holds Go back long enough for the test to kill the source meanwhile. */
const STALL_BEFORE_GO_MS = 30_000;
/** Keepalive (2 s + 2 s), T + margin and the restart, with room for a loaded 2-core machine. */
const RECOVERY_TIMEOUT_MS = 90_000;

beforeAll(async () => {
  ha = await startHaCluster("sd", 15, true, (i) =>
    i === 0 ? { extraArgs: ["--allow-fault-injection"] } : {},
  );
});

afterAll(async () => {
  await ha?.cluster.stop();
});

describe("the source of a protected guest's migration dies while the destination waits for Go", () => {
  it(
    "the destination drops NAME--incoming and frees its memory; HA restarts the guest exactly once",
    async () => {
      const source = ha.host("sd1");
      const destination = ha.host("sd2");
      const guest = ha.guests.find((g) => g.name === "sdp1")!;
      const freeBeforeKib = await freeMemoryKibOf(destination);
      await unaryCall(source.faults.armMigrationFault.bind(source.faults), {
        domain: guest.name,
        corruptPage: false,
        stallAfterPauseMs: 0,
        stallBeforeHandoverMs: STALL_BEFORE_GO_MS,
      });
      // `xsim -H sd1 migrate sdp1 sd2`: straight to the host, as a user may.
      const run = startMigration(source, { domain: guest.name, destination: destination.address });
      run.done.catch(() => undefined);
      await waitUntil(
        async () => (await domainOn(source, `${guest.name}--migratedaway`)) !== undefined,
        30_000,
      );
      const waiting = await domainOn(destination, `${guest.name}--incoming`);
      expect(waiting?.state, "the destination holds the received copy, paused, waiting for Go").toMatch(
        /^..p/,
      );
      await stopTestHost(source, "kill9");
      const survivors = ha.cluster.hosts.filter((h) => h.hostId !== "sd1");
      // Restarted somewhere (any copy named sdp1 on a survivor), and the stand-in gone.
      await waitUntil(async () => {
        const lists = await Promise.all(survivors.map((h) => listWithin(h, 5000)));
        const names = lists.flatMap((l) => l ?? []).map((d) => d.name);
        return names.includes(guest.name) && !names.includes(`${guest.name}--incoming`);
      }, RECOVERY_TIMEOUT_MS).catch((error: unknown) => {
        throw new Error(`${String(error)}\nscheduler log:\n${ha.cluster.scheduler.log()}`);
      });
      expect(
        await domainOn(destination, `${guest.name}--incoming`),
        "NAME--incoming aborted",
      ).toBeUndefined();
      await expectEachOnceElsewhere(ha, [guest], "sd1");
      // Once more after a while: never a second restart.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      await expectEachOnceElsewhere(ha, [guest], "sd1");
      const restartedOn = (
        await Promise.all(
          survivors.map(async (h) => ((await listWithin(h, 5000)) ?? []).some((d) => d.name === guest.name)),
        )
      ).filter(Boolean).length;
      expect(restartedOn, "on exactly one host").toBe(1);
      // No frame of the aborted copy is left: what sd2 holds beyond before is sd1's guests HA restarted there.
      const fromSource = new Set(ha.guests.filter((g) => g.hostId === "sd1").map((g) => g.uuid));
      const restartedHereKib = ((await listWithin(destination, 5000)) ?? [])
        .filter((d) => fromSource.has(d.uuid))
        .reduce((sum, d) => sum + d.memoryKib, 0);
      expect(
        (await freeMemoryKibOf(destination)) + restartedHereKib,
        "the aborted copy's memory is freed",
      ).toBe(freeBeforeKib);
    },
    RECOVERY_TIMEOUT_MS * 2,
  );
});
