import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { clusterWithDnsOnH1AndHostCut, copiesOf } from "./ha-test-guests.js";
import { EVACUATE_REFUSED_RETRY_COUNT_MAX } from "../scheduler/evacuate.js";

/**
 * `xsim host-evacuate` of a host whose HA lease is unconfirmed (docs/specs/ha.md §4 rule 9): h1 was
 * cut from the broker past T, so it refuses to let its protected guest go, nothing changed, until
 * it renews. Before, the evacuation gave up on the first refusal ("could not move: dns: dns: an
 * HA-protected guest cannot be migrated off host h1 now: ..."), its log naming the guest twice.
 */
const HA_T_MS = 5000;

const clusterWithDnsOnH1 = (seed: number) => clusterWithDnsOnH1AndHostCut(seed, HA_T_MS, "h1");

const line = (e: OperationEvent) => `${e.kind} ${e.domain} ${e.message}`;

describe("an evacuation refused after an outage", () => {
  it("is retried, each retry in the log, and moves the guest once the host renewed its lease", async () => {
    const { cluster, user } = await clusterWithDnsOnH1(21);
    const events: OperationEvent[] = [];
    const evacuating = user.evacuate("h1", (e) => events.push(e));
    await cluster.idle(3000);
    cluster.network.heal();
    expect(await cluster.run(evacuating), events.map(line).join("\n")).toBe(true);
    expect(copiesOf(cluster, "dns")).toHaveLength(1);
    expect(copiesOf(cluster, "dns")).not.toContain("h1");
    const retries = events.filter((e) => e.kind === "retry");
    expect(retries.length).toBeGreaterThan(0);
    expect(line(retries[0]!)).toMatch(
      new RegExp(
        `^retry dns refused, nothing changed: retry 1 of ${EVACUATE_REFUSED_RETRY_COUNT_MAX} in \\d+ ms \\(an HA-protected guest cannot be migrated off host h1 now: `,
      ),
    );
  });

  it("gives up after EVACUATE_REFUSED_RETRY_COUNT_MAX retries, naming the guest once", async () => {
    const { cluster, user } = await clusterWithDnsOnH1(22);
    const events: OperationEvent[] = [];
    expect(await cluster.run(user.evacuate("h1", (e) => events.push(e)))).toBe(false);
    expect(events.filter((e) => e.kind === "retry")).toHaveLength(EVACUATE_REFUSED_RETRY_COUNT_MAX);
    expect(copiesOf(cluster, "dns")).toEqual(["h1"]);
    const failed = events.at(-1)!;
    expect(failed.kind).toBe("failed");
    expect(failed.message).toMatch(
      /^disabled h1; no guest migrated; could not move dns \(an HA-protected guest cannot be migrated off host h1 now: /,
    );
    expect(failed.message).not.toMatch(/nothing was changed/);
    expect(events.map(line).join("\n")).not.toMatch(/dns:? dns/);
  });
});
