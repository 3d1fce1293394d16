import { describe, expect, it } from "vitest";
import { DomainIoTables } from "../../core/io/io-tables.js";
import { releaseFrontendRings, setupFrontendRings } from "./frontend-rings.js";

describe("setupFrontendRings", () => {
  it("grants netfront's two ring pages and blkfront's one to the backend, with an unbound port", () => {
    const io = new DomainIoTables();
    const vif = setupFrontendRings(io, 3, 0, "vif", [100, 101])!;
    expect(vif.keys).toMatchObject({
      "tx-ring-ref": "8",
      "rx-ring-ref": "9",
      "event-channel": "1",
      "request-rx-copy": "1",
    });
    const vbd = setupFrontendRings(io, 3, 0, "vbd", [102, 103])!;
    expect(vbd.keys).toMatchObject({ "ring-ref": "10", "event-channel": "2" });
    expect(io.grantTable(3).entryCountInUse).toBe(3);
    expect(io.grantTable(3).map(8, 0, true)).toBe(100);
  });

  it("fails with nothing left granted when the grant table is full, and gives everything back on close", () => {
    const io = new DomainIoTables();
    io.setGrantFrameCountMax(3, 1);
    const grants = io.grantTable(3);
    grants.claimEntries(grants.entryCountMax - 1); // room for one ring page, netfront needs two
    expect(setupFrontendRings(io, 3, 0, "vif", [1, 2])).toBeUndefined();
    expect(grants.entryCountFree).toBe(1);
    expect(io.eventChannels(3).portCountInUse).toBe(0);
    const vbd = setupFrontendRings(io, 3, 0, "vbd", [1])!;
    releaseFrontendRings(io, 3, vbd.rings);
    expect(grants.entryCountFree).toBe(1);
    expect(io.eventChannels(3).portCountInUse).toBe(0);
  });
});
