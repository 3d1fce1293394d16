import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { clusterWithGuestOn, copiesOf } from "./ha-test-guests.js";
import { BROKER_ID } from "./network.js";
import { EVACUATE_REFUSED_RETRY_COUNT_MAX } from "../scheduler/evacuate.js";

/**
 * `xsim host-evacuate h1` that moves one guest and not the other: h1 disabled, the unprotected web
 * migrated to h2, then the protected dns refused by h1 for good (cut from the broker past T, its
 * lease unrenewed: docs/specs/ha.md §4 rule 9). Before, its last words were dns's refusal alone,
 * "could not move: dns: an HA-protected guest cannot be migrated off host h1 now: ...; nothing was
 * changed, it stays on this host (...)": true of dns, false of the evacuation (h1 disabled, web moved).
 */
const HA_T_MS = 5000;
const HOSTS = ["h1", "h2"].map((hostId) => ({ hostId, memoryMib: 1024 }));
const WEB = `name = "web"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n`;

describe("an evacuation that moved one guest and not another", () => {
  it("says last what it did (h1 disabled, web migrated), then why dns stays on h1, never 'nothing was changed'", async () => {
    const options = { hosts: HOSTS, missedHeartbeatCountMax: 1000 };
    const { cluster, user } = await clusterWithGuestOn(41, HA_T_MS, "h1", "dns", options);
    await cluster.run(user.createOn("h1", WEB, "web.cfg"));
    await cluster.idle(2000);
    cluster.network.partition(["h1"], [BROKER_ID]);
    await cluster.idle(HA_T_MS + 1000); // h1's lease unrenewed past T: it lets no protected guest go
    const events: OperationEvent[] = [];
    expect(await cluster.run(user.evacuate("h1", (e) => events.push(e)))).toBe(false);
    expect(events.filter((e) => e.kind === "retry")).toHaveLength(EVACUATE_REFUSED_RETRY_COUNT_MAX);
    expect(copiesOf(cluster, "web")).toEqual(["h2"]);
    expect(copiesOf(cluster, "dns")).toEqual(["h1"]);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ kind: "failed", ok: false, final: true });
    expect(last.message).toMatch(
      new RegExp(
        "^disabled h1; migrated web to h2; could not move dns \\(an HA-protected guest cannot be migrated " +
          "off host h1 now: its HA lease was last renewed \\d+ ms ago; it stays on this host \\(.*\\)\\); " +
          "still on h1: dns$",
      ),
    );
    expect(last.message).not.toMatch(/nothing was changed/);
  });
});
