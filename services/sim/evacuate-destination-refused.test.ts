import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { clusterWithDnsOnH1AndHostCut, copiesOf } from "./ha-test-guests.js";
import type { SimCluster } from "./cluster.js";
import { EVACUATE_REFUSED_RETRY_COUNT_MAX } from "../scheduler/evacuate.js";

/**
 * `xsim host-evacuate h1` whose only destination, h2, takes no protected guest for a while
 * (docs/specs/ha.md §4 rule 7: cut from the broker past T, its lease unrenewed). Its refusal
 * changed nothing: it reaches the evacuation typed (migration-protocol.md "Refusals",
 * `nothing_changed`), which retries it as it does the source's own (rule 9). Before, it came as
 * untyped text and went through the 500 ms loop, 5 tries: over in about 2 s, the guest not moved.
 */
const HA_T_MS = 5000;
const HOSTS = ["h1", "h2"].map((hostId) => ({ hostId, memoryMib: 1024 }));

/** h2, the only destination, cut from the broker past T: it admits no protected guest. */
const clusterWithDnsOnH1AndH2Cut = (seed: number) => clusterWithDnsOnH1AndHostCut(seed, HA_T_MS, "h2", HOSTS);

function dnsChecksum(cluster: SimCluster, hostId: string): string {
  const toolstack = cluster.host(hostId).toolstack;
  return toolstack.domainOf(toolstack.requireDomain("dns")).memory.checksum();
}

const line = (e: OperationEvent) => `${e.kind} ${e.domain} ${e.message}`;

describe("an evacuation whose destination refuses under rule 7", () => {
  it("retries the refusal, each retry in its log, and moves the guest once the destination renewed its lease", async () => {
    const { cluster, user } = await clusterWithDnsOnH1AndH2Cut(31);
    const checksum = dnsChecksum(cluster, "h1");
    const events: OperationEvent[] = [];
    const evacuating = user.evacuate("h1", (e) => events.push(e));
    await cluster.idle(3000);
    cluster.network.heal();
    expect(await cluster.run(evacuating), events.map(line).join("\n")).toBe(true);
    expect(copiesOf(cluster, "dns")).toEqual(["h2"]);
    expect(dnsChecksum(cluster, "h2")).toBe(checksum);
    const retries = events.filter((e) => e.kind === "retry");
    expect(retries.length).toBeGreaterThan(0);
    expect(line(retries[0]!)).toMatch(
      new RegExp(
        `^retry dns refused, nothing changed: retry 1 of ${EVACUATE_REFUSED_RETRY_COUNT_MAX} in \\d+ ms ` +
          `\\(destination \\S+ refused: host h2 takes no HA-protected guest \\("dns"\\) now: its HA lease ` +
          `was last renewed \\d+ ms ago; nothing was changed\\)$`,
      ),
    );
    expect(events.at(-1)).toMatchObject({ kind: "done", ok: true, final: true });
  });

  it("gives up after EVACUATE_REFUSED_RETRY_COUNT_MAX retries; the guest runs on where it was", async () => {
    const { cluster, user } = await clusterWithDnsOnH1AndH2Cut(32);
    const events: OperationEvent[] = [];
    expect(await cluster.run(user.evacuate("h1", (e) => events.push(e)))).toBe(false);
    expect(events.filter((e) => e.kind === "retry")).toHaveLength(EVACUATE_REFUSED_RETRY_COUNT_MAX);
    expect(copiesOf(cluster, "dns")).toEqual(["h1"]);
    expect(events.at(-1)?.message).toMatch(
      /^disabled h1; no guest migrated; could not move dns \(destination \S+ refused: host h2 takes no /,
    );
  });
});
