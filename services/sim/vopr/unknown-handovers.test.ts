import { describe, expect, it } from "vitest";
import type { SimCluster } from "../cluster.js";
import { Ledger } from "./ledger.js";
import { UnknownHandovers } from "./unknown-handovers.js";

const VPN = "00000000-0000-4000-8000-000000000abc";

/** A cluster of one host, h2, with these migrations ended and these domain records (name, HA). */
function clusterWith(status: string, records: Array<{ name: string; ha: boolean }>, running = true) {
  const host = {
    hostId: "h2",
    process: { state: running ? "running" : "crashed" },
    migrations: { list: () => [{ migrationId: "m1", domain: "vpn", destination: "h1", status }] },
    toolstack: {
      records: new Map(
        records.map((r, i) => [
          i + 1,
          { domid: i + 1, name: r.name, uuid: VPN, config: { xsim: r.ha ? { ha: "restart" } : {} } },
        ]),
      ),
    },
  };
  return { hosts: new Map([["h2", host]]) } as unknown as SimCluster;
}

function ledgerWithVpn(ha: boolean): Ledger {
  const ledger = new Ledger();
  const entry = ledger.add("vpn", ha);
  entry.status = "created";
  entry.uuid = VPN;
  return ledger;
}

describe("the VOPR's view of unknown handovers (migration-protocol.md rule 3)", () => {
  it("takes an unprotected guest left paused as NAME--migratedaway by an `unknown` ending for told-it-failed, once", () => {
    const ledger = ledgerWithVpn(false);
    const lines: string[] = [];
    const watch = new UnknownHandovers();
    watch.note(clusterWith("unknown", [{ name: "vpn--migratedaway", ha: false }]), ledger, (l) =>
      lines.push(l),
    );
    expect(ledger.byUuid(VPN)?.status).toBe("handover-unknown");
    expect(lines).toEqual([
      "h2 left vpn--migratedaway paused: its handover to h1 is unknown (not HA: left for the admin)",
    ]);
    watch.note(clusterWith("unknown", [{ name: "vpn--migratedaway", ha: false }]), ledger, (l) =>
      lines.push(l),
    );
    expect(lines, "noted once").toHaveLength(1);
  });

  it("leaves a protected guest owed its run: its unknown handover is settled by the destination's lease", () => {
    const ledger = ledgerWithVpn(true);
    new UnknownHandovers().note(
      clusterWith("unknown", [{ name: "vpn--migratedaway", ha: true }]),
      ledger,
      () => undefined,
    );
    expect(ledger.byUuid(VPN)?.status).toBe("created");
  });

  it("leaves a guest owed its run when the migration did not end unknown, or no stand-in is left", () => {
    for (const cluster of [
      clusterWith("failed", [{ name: "vpn--migratedaway", ha: false }]),
      clusterWith("active", [{ name: "vpn--migratedaway", ha: false }]),
      clusterWith("unknown", [{ name: "vpn", ha: false }]),
      clusterWith("unknown", [{ name: "vpn--migratedaway", ha: false }], false),
    ]) {
      const ledger = ledgerWithVpn(false);
      new UnknownHandovers().note(cluster, ledger, () => undefined);
      expect(ledger.byUuid(VPN)?.status).toBe("created");
    }
  });
});
