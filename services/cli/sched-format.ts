import type { DomainVcpus, SchedDomainEntry, SchedPoolEntry } from "../gen/xensim/v1/host.js";
import { formatVcpuState } from "../core/sched/vcpu-info.js";

const NS_PER_SECOND = 1e9;

/** `xl vcpu-list`'s header (tools/xl/xl_vcpu.c vcpulist: "%-32s %5s %5s %5s %5s %9s %s"). */
export const VCPU_LIST_HEADER =
  `${"Name".padEnd(32)} ${"ID".padStart(5)} ${"VCPU".padStart(5)} ${"CPU".padStart(5)} ` +
  `${"State".padStart(5)} ${"Time(s)".padStart(9)} Affinity (Hard / Soft)`;

/**
 * One vCPU as xl_vcpu.c print_vcpuinfo prints it: "%-32s %5u %5u", then "%5u %3c%c- " (or
 * "%5c %3c%cp " with "-" when offline), "%9.1f  ", then the hard and soft cpumaps.
 */
export function formatVcpuListRows(domain: DomainVcpus): string[] {
  return domain.vcpus.map((vcpu) => {
    const cpu = vcpu.online ? String(vcpu.cpu) : "-";
    const seconds = (vcpu.cpuTimeNs / NS_PER_SECOND).toFixed(1);
    return (
      `${domain.name.padEnd(32)} ${String(domain.domid).padStart(5)} ${String(vcpu.vcpu).padStart(5)}` +
      `${cpu.padStart(5)} ${formatVcpuState(vcpu).padStart(5)} ${seconds.padStart(9)}  ` +
      `${vcpu.hardAffinity} / ${vcpu.softAffinity}`
    );
  });
}

export function formatVcpuList(domains: readonly DomainVcpus[]): string {
  return [VCPU_LIST_HEADER, ...domains.flatMap(formatVcpuListRows)].join("\n");
}

/** `xl sched-credit[2]`'s domain table (xl_sched.c sched_credit_domain_output: "%-33s %4d %6d %4d"). */
export const SCHED_CREDIT_HEADER = `${"Name".padEnd(33)} ${"ID".padStart(4)} ${"Weight".padStart(6)} ${"Cap".padStart(4)}`;

export function formatSchedDomains(domains: readonly SchedDomainEntry[]): string {
  const rows = domains.map(
    (d) =>
      `${d.name.padEnd(33)} ${String(d.domid).padStart(4)} ${String(d.weight).padStart(6)} ${String(d.cap).padStart(4)}`,
  );
  return [SCHED_CREDIT_HEADER, ...rows].join("\n");
}

/**
 * The pool line: credit's "Cpupool P: tslice=30ms ratelimit=1000us migration-delay=0us"
 * (sched_credit_pool_output), credit2's "Cpupool P: ratelimit=1000us" (sched_credit2_pool_output).
 */
export function formatSchedPool(pool: SchedPoolEntry): string {
  if (pool.tsliceMs === undefined) return `Cpupool ${pool.name}: ratelimit=${pool.ratelimitUs}us`;
  return (
    `Cpupool ${pool.name}: tslice=${pool.tsliceMs}ms ratelimit=${pool.ratelimitUs}us ` +
    `migration-delay=${pool.migrationDelayUs ?? 0}us`
  );
}
