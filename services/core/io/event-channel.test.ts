import { describe, expect, it } from "vitest";
import { EventChannelError, EventChannelTable } from "./event-channel.js";

describe("EventChannelTable", () => {
  it("binds a guest's unbound port from Dom0 and counts notifications at the receiving end", () => {
    const guest = new EventChannelTable(5);
    const dom0 = new EventChannelTable(0);
    const guestPort = guest.allocUnbound(0)!;
    expect(guestPort).toBe(1);
    const dom0Port = dom0.bindInterdomain(guest, guestPort);
    guest.send(guestPort);
    guest.send(guestPort);
    dom0.send(dom0Port);
    expect(dom0.receivedCount(dom0Port)).toBe(2);
    expect(guest.receivedCount(guestPort)).toBe(1);
  });

  it("refuses to bind a port offered to another domain, or one already bound", () => {
    const guest = new EventChannelTable(5);
    const port = guest.allocUnbound(7)!;
    expect(() => new EventChannelTable(0).bindInterdomain(guest, port)).toThrow(EventChannelError);
    const other = new EventChannelTable(7);
    other.bindInterdomain(guest, port);
    expect(() => other.bindInterdomain(guest, port)).toThrow("not an unbound port");
  });

  it("closing one end leaves the other unbound; a full table refuses new ports", () => {
    const guest = new EventChannelTable(5, 3);
    const dom0 = new EventChannelTable(0);
    const port = guest.allocUnbound(0)!;
    const dom0Port = dom0.bindInterdomain(guest, port);
    dom0.close(dom0Port);
    expect(guest.isBound(port)).toBe(false);
    expect(() => guest.send(port)).toThrow("not bound");
    expect(guest.allocUnbound(0)).toBe(2);
    expect(guest.allocUnbound(0)).toBeUndefined();
    guest.closeAll();
    expect(guest.portCountInUse).toBe(0);
  });
});
