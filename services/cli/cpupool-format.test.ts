import { describe, expect, it } from "vitest";
import { cpupoolJson, formatCpupoolCreate, formatCpupoolList } from "./cpupool-format.js";
import { formatList } from "./format.js";
import { formatSchedCreditReply } from "./sched-commands.js";

const POOLS = [
  {
    poolId: 0,
    name: "Pool-0",
    sched: "credit2",
    cpus: [0, 1, 2, 3, 4, 5],
    domainCount: 1,
    domains: ["Domain-0"],
  },
  { poolId: 1, name: "fast", sched: "credit", cpus: [6, 7], domainCount: 2, domains: ["web", "db"] },
];

/** C's printf, for the format strings of xl_cpupool.c and xl_info.c. */
function printf(format: string, ...args: Array<string | number>): string {
  let index = 0;
  return format.replace(/%(-?)(\d*)([sd])/g, (_match, left: string, width: string, _conv: string) => {
    const text = String(args[index++]);
    const w = Number(width || 0);
    return left ? text.padEnd(w) : text.padStart(w);
  });
}

describe("cpupool-list output (tools/xl/xl_cpupool.c main_cpupoollist)", () => {
  it('prints xl\'s header and "%3d %9s       y       %4d" rows', () => {
    const expected = [
      printf("%-19s", "Name") + "CPUs   Sched     Active   Domain count",
      printf("%-19s", "Pool-0") + printf("%3d %9s       y       %4d", 6, "credit2", 1),
      printf("%-19s", "fast") + printf("%3d %9s       y       %4d", 2, "credit", 2),
    ].join("\n");
    expect(formatCpupoolList(POOLS)).toBe(expected);
  });

  it("prints the CPU list with -c", () => {
    expect(formatCpupoolList(POOLS, true).split("\n")).toEqual([
      printf("%-19s", "Name") + "CPU list",
      printf("%-19s", "Pool-0") + "0,1,2,3,4,5",
      printf("%-19s", "fast") + "6,7",
    ]);
  });

  it("prints cpupool-create's four lines as xl does", () => {
    expect(formatCpupoolCreate("fast.cfg", "fast", "credit", 2)).toBe(
      'Using config file "fast.cfg"\ncpupool name:   fast\nscheduler:      credit\nnumber of cpus: 2',
    );
  });

  it("writes libxl_cpupoolinfo's JSON field names", () => {
    expect(cpupoolJson(POOLS[1]!)).toEqual({
      poolid: 1,
      pool_name: "fast",
      sched: "credit",
      n_dom: 2,
      cpumap: [6, 7],
    });
  });
});

describe("list -c (tools/xl/xl_info.c list_domains)", () => {
  it('appends "         Cpupool" to the header and "%16s" to each row', () => {
    const domain = {
      domid: 3,
      name: "web",
      uuid: "",
      type: "pv",
      state: "r-----",
      memoryKib: 524288,
      maxmemKib: 524288,
      vcpusOnline: 2,
      maxvcpus: 2,
      cpuTimeNs: 1.5e9,
      weight: 256,
      cap: 0,
      shutdownReason: -1,
      configJson: "{}",
      workload: "idle",
      populatedPages: 0,
      cpupool: "fast",
    };
    const [header, row] = formatList([domain], false, true).split("\n");
    expect(header).toBe(
      "Name                                        ID   Mem VCPUs\tState\tTime(s)" + "         Cpupool",
    );
    expect(row).toBe(
      printf("%-40s %5d %5d %5d", "web", 3, 512, 2) + "     r-----  " + "     1.5" + printf("%16s", "fast"),
    );
  });
});

describe("sched-credit per pool (tools/xl/xl_sched.c sched_domain_output)", () => {
  it("prints, for each pool of the scheduler, its line, the header and its domains", () => {
    const reply = {
      scheduler: "credit",
      domains: [],
      sections: [
        {
          pool: { name: "fast", tsliceMs: 10, ratelimitUs: 1000, migrationDelayUs: 0 },
          domains: [{ name: "web", domid: 3, weight: 256, cap: 0 }],
        },
        { pool: { name: "batch", tsliceMs: 30, ratelimitUs: 1000, migrationDelayUs: 0 }, domains: [] },
      ],
    };
    expect(formatSchedCreditReply(reply).split("\n")).toEqual([
      "Cpupool fast: tslice=10ms ratelimit=1000us migration-delay=0us",
      printf("%-33s %4s %6s %4s", "Name", "ID", "Weight", "Cap"),
      printf("%-33s %4d %6d %4d", "web", 3, 256, 0),
      "Cpupool batch: tslice=30ms ratelimit=1000us migration-delay=0us",
      printf("%-33s %4s %6s %4s", "Name", "ID", "Weight", "Cap"),
    ]);
  });
});
