import { describe, expect, it } from "vitest";
import { DomainIoTables } from "../../core/io/io-tables.js";
import { GrantError } from "../../core/io/grant-table.js";
import { XenStore } from "../../xenstore/store.js";
import { RingSetupError, connectBackendRings, disconnectBackendRings } from "./backend-rings.js";
import { setupFrontendRings } from "./frontend-rings.js";

const FE = "/local/domain/4/device/vif/0";

function frontend(io: DomainIoTables, store: XenStore): void {
  const setup = setupFrontendRings(io, 4, 0, "vif", [10, 11])!;
  for (const [key, value] of Object.entries(setup.keys)) store.write(`${FE}/${key}`, value);
}

describe("connectBackendRings", () => {
  it("maps the frontend's ring pages and binds its event channel; disconnecting undoes both", () => {
    const io = new DomainIoTables();
    const store = new XenStore();
    frontend(io, store);
    const rings = connectBackendRings(io, store, FE, "vif", 4);
    expect(rings.refs).toEqual([8, 9]);
    expect(io.grantTable(4).mapCountTotal).toBe(2);
    io.eventChannels(4).send(rings.frontPort);
    expect(io.eventChannels(0).receivedCount(rings.backendPort)).toBe(1);
    disconnectBackendRings(io, rings);
    expect(io.grantTable(4).mapCountTotal).toBe(0);
    expect(io.eventChannels(4).isBound(rings.frontPort)).toBe(false);
  });

  it("refuses rings it cannot use and leaves nothing mapped", () => {
    const io = new DomainIoTables();
    const store = new XenStore();
    frontend(io, store);
    store.write(`${FE}/rx-ring-ref`, "77"); // a ref the guest never granted
    expect(() => connectBackendRings(io, store, FE, "vif", 4)).toThrow(GrantError);
    expect(io.grantTable(4).mapCountTotal).toBe(0);
    store.write(`${FE}/event-channel`, "x");
    expect(() => connectBackendRings(io, store, FE, "vif", 4)).toThrow(RingSetupError);
  });
});
