import { describe, expect, it } from "vitest";
import type { VcpuListEntry } from "../gen/xensim/v1/host.js";
import { VCPU_LIST_HEADER, formatSchedDomains, formatSchedPool, formatVcpuList } from "./sched-format.js";

function vcpu(overrides: Partial<VcpuListEntry>): VcpuListEntry {
  return {
    vcpu: 0,
    cpu: 0,
    online: true,
    running: false,
    blocked: false,
    cpuTimeNs: 0,
    hardAffinity: "all",
    softAffinity: "all",
    ...overrides,
  };
}

describe("formatVcpuList (xl vcpu-list)", () => {
  it("prints xl_vcpu.c's header and rows, '-' and p for an offline vCPU", () => {
    const text = formatVcpuList([
      {
        name: "Domain-0",
        domid: 0,
        vcpus: [
          vcpu({ running: true, cpuTimeNs: 12_345_000_000 }),
          vcpu({ vcpu: 1, cpu: 3, blocked: true, hardAffinity: "2-3", softAffinity: "3" }),
        ],
      },
      { name: "web", domid: 7, vcpus: [vcpu({ vcpu: 2, online: false })] },
    ]);
    expect(text.split("\n")).toEqual([
      "Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)",
      "Domain-0                             0     0    0   r--      12.3  all / all",
      "Domain-0                             0     1    3   -b-       0.0  2-3 / 3",
      "web                                  7     2    -   --p       0.0  all / all",
    ]);
    expect(VCPU_LIST_HEADER.indexOf("ID")).toBe(36);
  });
});

describe("formatSchedDomains / formatSchedPool (xl sched-credit)", () => {
  it("prints Name ID Weight Cap as xl_sched.c does", () => {
    expect(formatSchedDomains([{ name: "Domain-0", domid: 0, weight: 256, cap: 0 }]).split("\n")).toEqual([
      "Name                                ID Weight  Cap",
      "Domain-0                             0    256    0",
    ]);
  });

  it("prints credit's and credit2's pool lines", () => {
    expect(formatSchedPool({ name: "Pool-0", tsliceMs: 30, ratelimitUs: 1000, migrationDelayUs: 0 })).toBe(
      "Cpupool Pool-0: tslice=30ms ratelimit=1000us migration-delay=0us",
    );
    expect(formatSchedPool({ name: "Pool-0", ratelimitUs: 1000 })).toBe("Cpupool Pool-0: ratelimit=1000us");
  });
});
