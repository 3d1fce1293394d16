import { describe, expect, it } from "vitest";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { formatClaims, formatDmesg, formatUptime, formatVmList, uptimeToString } from "./misc-format.js";
import { newLines } from "./console-command.js";

const UUID = "6f1c2a3b-0000-4000-8000-00000000000a";

function info(name: string, domid: number): DomainInfo {
  return {
    domid,
    name,
    uuid: UUID,
    type: "pv",
    state: "-b----",
    memoryKib: 65536,
    maxmemKib: 65536,
    vcpusOnline: 1,
    maxvcpus: 1,
    cpuTimeNs: 1_500_000_000,
    weight: 256,
    cap: 0,
    shutdownReason: -1,
    configJson: "",
    workload: "idle",
    populatedPages: 0,
    cpupool: "Pool-0",
  };
}

describe("xl uptime's format (xl_info.c uptime_to_string, print_uptime)", () => {
  it("writes days, then %2d:%02d:%02d, without seconds in short mode", () => {
    expect(uptimeToString(59.9, false)).toBe(" 0:00:59");
    expect(uptimeToString(3 * 3600 + 5 * 60 + 7, false)).toBe(" 3:05:07");
    expect(uptimeToString(86400 + 3600, false)).toBe("1 day,  1:00:00");
    expect(uptimeToString(3 * 86400 + 12 * 3600 + 60, true)).toBe("3 days, 12:01");
  });

  it("prints xl's header and rows, a Host column only across hosts", () => {
    const rows = [{ hostId: "", row: { domid: 0, name: "Domain-0", uptimeS: 125 } }];
    expect(formatUptime(rows, false, new Date())).toBe(
      `${"Name".padEnd(33)}   ID Uptime\n${"Domain-0".padEnd(33)}    0  0:02:05`,
    );
    const now = new Date(2026, 11, 3, 9, 4, 5);
    expect(
      formatUptime([{ hostId: "host1", row: { domid: 3, name: "web", uptimeS: 7200 } }], true, now),
    ).toBe(" 09:04:05 up  2:00, web (3)  host1");
  });
});

describe("vm-list, claims and dmesg", () => {
  it("vm-list prints UUID  ID    name as xl's list_vm", () => {
    expect(formatVmList([{ hostId: "", row: info("web", 3) }])).toBe(
      `UUID                                  ID    name\n${UUID}  3    ${"web".padEnd(30)}`,
    );
  });

  it("claims prints xl list's columns and Claimed in MiB", () => {
    const text = formatClaims([{ hostId: "", row: info("web", 3) }]);
    expect(text.split("\n")[0]).toBe(
      "Name                                        ID   Mem VCPUs\tState\tTime(s)  Claimed",
    );
    expect(text.split("\n")[1]).toBe(`${"web".padEnd(40)}     3    64     1     -b----       1.5     0`);
  });

  it("dmesg puts each host's lines after its id, and one host's alone", () => {
    expect(
      formatDmesg([
        { hostId: "h1", row: "(XEN) a" },
        { hostId: "host2", row: "(XEN) b" },
      ]),
    ).toBe("h1     (XEN) a\nhost2  (XEN) b");
    expect(formatDmesg([{ hostId: "", row: "(XEN) a" }])).toBe("(XEN) a");
  });

  it("console follows from the last line it printed, whatever the ring dropped", () => {
    expect(newLines(["a", "b"], ["a", "b", "c"])).toEqual(["c"]);
    expect(newLines(["a", "b"], ["b", "c", "d"])).toEqual(["c", "d"]);
    expect(newLines([], ["a"])).toEqual(["a"]);
    expect(newLines(["x"], ["a"])).toEqual(["a"]);
  });
});
