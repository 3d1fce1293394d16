import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { isServiceError, unaryCall } from "../services/transport/grpc/host-client.js";
import type { HaDeclareDeadReply } from "../services/gen/xensim/v1/ha.js";
import { waitUntil } from "./support/migration-cluster.js";
import { sleep, startHaCluster, TEST_HA_TIMEOUT_MS, type HaCluster } from "./support/ha-cluster.js";
import { haClient } from "./support/ha-faults.js";
import { cfg, createVia, hostList, listAll } from "./support/scheduler-cluster.js";
import { testCall } from "./support/test-call.js";

/**
 * `xsim host-declare-dead` with real processes (docs/specs/ha.md §7): HA off (T = 5 s, as a
 * cluster where HA was on once), a host killed -9; its guests' names stay reserved, and the verb
 * is refused (nothing changed) until the scheduler has seen its lease unrenewed for T; then its
 * guests are halted and a create of their names through the scheduler works.
 */
let ha: HaCluster;
const TEST_TIMEOUT_MS = 120_000;

beforeAll(async () => {
  ha = await startHaCluster("dd", 21);
  const client = haClient(ha.cluster.scheduler.address);
  await unaryCall(client.disable.bind(client), {});
  client.close();
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await ha?.cluster.stop();
});

/** One `xsim host-declare-dead HOST`: its reply, or the refusal's gRPC code and words. */
async function declareDead(hostId: string): Promise<HaDeclareDeadReply | { code: number; details: string }> {
  const client = haClient(ha.cluster.scheduler.address);
  try {
    return await testCall(`host-declare-dead ${hostId}`, client.declareDead.bind(client), { hostId });
  } catch (error) {
    if (isServiceError(error)) return { code: error.code, details: error.details };
    throw error;
  } finally {
    client.close();
  }
}

describe("host-declare-dead of a host killed with HA off", () => {
  it(
    "is refused while the host may be alive, then frees its guests' names for a create through the scheduler",
    async () => {
      const lost = ha.guests.filter((g) => g.hostId === "dd2").map((g) => g.name);
      expect(lost).toEqual(["ddp2", "ddu2", "ddz2"]);
      const alive = await declareDead("dd2");
      expect(alive).toEqual({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(
          /^cannot declare dd2 dead: it is alive: .*; nothing was changed$/,
        ) as string,
      });

      await ha.host("dd2").process.kill9();
      await waitUntil(
        async () => (await hostList(ha.cluster.scheduler)).find((h) => h.hostId === "dd2")?.state === "down",
        10_000,
      );
      const refused = await createVia(ha.cluster.scheduler, cfg("ddp2", 32)).then(
        () => "created",
        (error: unknown) => (isServiceError(error) ? error.details : String(error)),
      );
      expect(refused).toMatch(/a domain named "ddp2" already exists in the cluster/);

      // Refused (nothing changed) while its heartbeats or its lease are fresh; declared after T.
      let declared: HaDeclareDeadReply | undefined;
      const refusals: string[] = [];
      await waitUntil(async () => {
        const answer = await declareDead("dd2");
        if ("details" in answer) {
          expect(answer.details).toMatch(/^cannot declare dd2 dead: .*nothing was changed/);
          refusals.push(answer.details);
          await sleep(500);
          return false;
        }
        declared = answer;
        return true;
      }, 6 * TEST_HA_TIMEOUT_MS);
      expect(refusals.length, "refused at first: its lease was renewed less than T ago").toBeGreaterThan(0);
      expect(declared).toMatchObject({
        hostId: "dd2",
        halted: lost,
        restarting: [],
        alreadyDead: false,
        disabled: true,
      });

      for (const name of ["ddp2", "ddu2"]) {
        const placed = await createVia(ha.cluster.scheduler, cfg(name, 32));
        expect(placed.hostId, name).toMatch(/^dd[13]$/);
      }
      const again = await declareDead("dd2");
      expect(again).toMatchObject({ alreadyDead: true, halted: [], disabled: true });
      const hosts = (await hostList(ha.cluster.scheduler)).map((h) => h.hostId);
      expect(hosts, "the dead host is gone from the scheduler's view").toEqual(["dd1", "dd3"]);
      const names = (await listAll(ha.cluster.scheduler)).map((d) => d.domain?.name);
      expect(names).toEqual(expect.arrayContaining(["ddp2", "ddu2"]));
    },
    TEST_TIMEOUT_MS,
  );
});
