import { describe, expect, it } from "vitest";
import { hostState } from "./fixtures.js";
import { HostTable } from "./host-table.js";

describe("HostTable", () => {
  const hosts = Array.from({ length: 10 }, (_, i) => hostState(`h${i + 1}`));

  it("gets and sets by rank across chunks", () => {
    const table = new HostTable(hosts, 2);
    const changed = hostState("h7", { domainCount: 3 });
    table.set(6, changed);
    expect(table.get(6)).toBe(changed);
    expect(table.toArray()).toEqual([...hosts.slice(0, 6), changed, ...hosts.slice(7)]);
    expect(() => table.get(10)).toThrow("no host at rank 10");
    expect(() => table.set(-1, changed)).toThrow("out of range");
  });

  it("keeps a snapshot as it was while later writes copy the chunks they change", () => {
    const table = new HostTable(hosts, 2);
    const then = table.snapshot();
    table.set(0, hostState("h1", { up: false }));
    table.set(9, hostState("h10", { up: false }));
    const again = table.snapshot();
    table.set(1, hostState("h2", { up: false }));
    expect(then()).toEqual(hosts);
    expect(again().map((host) => host.up)).toEqual([false, ...Array<boolean>(8).fill(true), false]);
    expect(table.get(1).up).toBe(false);
  });
});
