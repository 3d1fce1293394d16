import type { DomainInfo, HostInfo } from "../gen/xensim/v1/host.js";
import { formatNumaLines } from "./numa-format.js";
import type { DomainConfig } from "../dom0/xlcfg/domain-config.js";
import { libxlDomainEntry, type LibxlDomainEntry } from "./libxl-json.js";

/** `xl list`'s header and row format (tools/xl/xl_info.c: "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"). */
export const LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

/** `xl list -v`'s extra columns (xl_info.c): the uuid, the shutdown reason code, the security label. */
export const LIST_VERBOSE_HEADER = "   UUID                            Reason-Code\tSecurity Label";

/** `xl list -c`'s extra column (xl_info.c: header "         Cpupool", each row "%16s"). */
export const LIST_CPUPOOL_HEADER = "         Cpupool";

export function formatListRow(domain: DomainInfo, verbose = false, cpupool = false): string {
  const row = formatListRowBase(domain, verbose);
  return cpupool ? row + (domain.cpupool || "-").padStart(16) : row;
}

function formatListRowBase(domain: DomainInfo, verbose: boolean): string {
  const memoryMib = Math.floor(domain.memoryKib / 1024);
  const seconds = (domain.cpuTimeNs / 1e9).toFixed(1);
  const row =
    `${domain.name.padEnd(40)} ${String(domain.domid).padStart(5)} ${String(memoryMib).padStart(5)} ` +
    `${String(domain.vcpusOnline).padStart(5)}     ${domain.state}  ${seconds.padStart(8)}`;
  if (!verbose) return row;
  const reason = domain.shutdownReason >= 0 ? domain.shutdownReason.toString(16) : "-";
  return `${row} ${domain.uuid} ${reason.padStart(8)} ${"-".padStart(16)}`;
}

export function formatList(domains: readonly DomainInfo[], verbose = false, cpupool = false): string {
  return [listHeader(verbose, cpupool), ...domains.map((d) => formatListRow(d, verbose, cpupool))].join("\n");
}

function listHeader(verbose: boolean, cpupool: boolean): string {
  return (verbose ? LIST_HEADER + LIST_VERBOSE_HEADER : LIST_HEADER) + (cpupool ? LIST_CPUPOOL_HEADER : "");
}

/** `xsim list` across the cluster: xl's columns and the host each domain runs on. */
export function formatClusterList(
  rows: ReadonlyArray<{ hostId: string; domain: DomainInfo }>,
  verbose = false,
  cpupool = false,
): string {
  const header = listHeader(verbose, cpupool);
  const lines = rows.map((r) => `${formatListRow(r.domain, verbose, cpupool)}  ${r.hostId}`);
  return [`${header}\tHost`, ...lines].join("\n");
}

/** `xl list -l`: libxl's JSON, `[{"domid": N, "config": {...}}]` (libxl-json.ts), live memory and vCPUs. */
export function formatListLong(domains: readonly DomainInfo[]): string {
  return JSON.stringify(domains.map(listEntry), null, 4);
}

function listEntry(d: DomainInfo): LibxlDomainEntry {
  const live = {
    domid: d.domid,
    uuid: d.uuid,
    memoryKib: d.memoryKib,
    maxmemKib: d.maxmemKib,
    vcpusOnline: d.vcpusOnline,
  };
  if (d.configJson) return libxlDomainEntry(JSON.parse(d.configJson) as DomainConfig, live);
  // Domain-0 has no xl.cfg: what libxl knows of it.
  return {
    domid: d.domid,
    config: {
      c_info: { type: d.type || "pv", name: d.name, ...(d.uuid ? { uuid: d.uuid } : {}) },
      b_info: {
        max_vcpus: d.maxvcpus || d.vcpusOnline,
        avail_vcpus: Array.from({ length: d.vcpusOnline }, (_, vcpu) => vcpu),
        max_memkb: d.maxmemKib,
        target_memkb: d.memoryKib,
      },
    },
  };
}

/** `xl info`'s keys and values in xl_info.c's order, memory in MiB as xl prints it. */
export function infoRows(info: HostInfo): Array<[string, string | number]> {
  return [
    ["host", info.host],
    ["release", info.release],
    ["version", info.version],
    ["machine", info.machine],
    ["nr_cpus", info.nrCpus],
    ["max_cpu_id", info.maxCpuId],
    ["nr_nodes", info.nrNodes],
    ["cores_per_socket", info.coresPerSocket],
    ["threads_per_core", info.threadsPerCore],
    ["cpu_mhz", info.cpuMhz],
    ["hw_caps", info.hwCaps],
    ["virt_caps", info.virtCaps],
    ["total_memory", info.totalMemoryMib],
    ["free_memory", info.freeMemoryMib],
    // xensim: the host process's real memory for guest pages, in MiB (proto HostInfo).
    ["xsim_real_memory_used", Math.ceil(info.realMemoryUsedBytes / 1048576)],
    ["xsim_real_memory_claimed", Math.ceil(info.realMemoryClaimedBytes / 1048576)],
    [
      "xsim_real_memory_budget",
      info.realMemoryBudgetBytes ? Math.floor(info.realMemoryBudgetBytes / 1048576) : "-",
    ],
    ["sharing_freed_memory", 0],
    ["sharing_used_memory", 0],
    ["outstanding_claims", info.outstandingClaimsMib],
    ["free_cpus", info.freeCpus],
    ["xen_major", info.xenMajor],
    ["xen_minor", info.xenMinor],
    ["xen_extra", info.xenExtra],
    ["xen_version", `${info.xenMajor}.${info.xenMinor}${info.xenExtra}`],
    ["xen_caps", info.xenCaps],
    ["xen_scheduler", info.xenScheduler],
    ["xen_pagesize", info.xenPagesize],
    ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", "xensim"],
    ["xen_commandline", info.xenCommandline],
    ["cc_compiler", `node ${process.versions.node}`],
    ["cc_compile_by", "xensim"],
    ["cc_compile_domain", "xensim"],
    ["cc_compile_date", "-"],
    ["build_id", "-"],
    ["xend_config_format", 4],
    // xensim: whether `xsim fault` works on this host (docs/specs/fault-injection.md).
    ["fault_injection", info.faultInjectionAllowed ? "allowed" : "off"],
  ];
}

/**
 * `xl info`: "key                    : value" (xl_info.c: "%-23s: ..."); with -n the cpu and NUMA
 * topology after the physinfo keys (after free_cpus), as print_info places them.
 */
export function formatInfo(info: HostInfo, numa = false): string {
  const lines = infoRows(info).map(([key, value]) => `${key.padEnd(23)}: ${value}`);
  if (numa)
    lines.splice(lines.findIndex((line) => line.startsWith("free_cpus ")) + 1, 0, ...formatNumaLines(info));
  return lines.join("\n");
}

/** `xsim info --json`: the same keys and values as an object. */
export function infoJson(info: HostInfo): Record<string, string | number> {
  return Object.fromEntries(infoRows(info));
}
