import type { SchedRtdsDomain, SchedRtdsReply, SchedRtdsVcpu } from "../gen/xensim/v1/rtds.js";

/** xl_sched.c sched_rtds_domain_output(-1): "%-33s %4s %9s %9s %10s". */
export const RTDS_DOMAIN_HEADER =
  `${"Name".padEnd(33)} ${"ID".padStart(4)} ${"Period".padStart(9)} ${"Budget".padStart(9)} ` +
  `${"Extratime".padStart(10)}`;

/** xl_sched.c sched_rtds_vcpu_output(-1): "%-33s %4s %4s %9s %9s %10s". */
export const RTDS_VCPU_HEADER =
  `${"Name".padEnd(33)} ${"ID".padStart(4)} ${"VCPU".padStart(4)} ${"Period".padStart(9)} ` +
  `${"Budget".padStart(9)} ${"Extratime".padStart(10)}`;

const yesNo = (flag: boolean) => (flag ? "yes" : "no");

/** A domain row: "%-33s %4d %9d %9d %10s". */
export function formatRtdsDomain(d: SchedRtdsDomain): string {
  return (
    `${d.name.padEnd(33)} ${String(d.domid).padStart(4)} ${String(d.periodUs).padStart(9)} ` +
    `${String(d.budgetUs).padStart(9)} ${yesNo(d.extratime).padStart(10)}`
  );
}

/** A vCPU row: "%-33s %4d %4d %9"PRIu32" %9"PRIu32" %10s". */
export function formatRtdsVcpu(v: SchedRtdsVcpu): string {
  return (
    `${v.name.padEnd(33)} ${String(v.domid).padStart(4)} ${String(v.vcpu).padStart(4)} ` +
    `${String(v.periodUs).padStart(9)} ${String(v.budgetUs).padStart(9)} ${yesNo(v.extratime).padStart(10)}`
  );
}

/**
 * What `xl sched-rtds` prints: per RTDS pool "Cpupool P: sched=RTDS" (sched_rtds_pool_output), the
 * header and its rows; for -d the header and the domain's row, for -v its vCPUs; nothing after a set.
 */
export function formatSchedRtdsReply(reply: SchedRtdsReply): string {
  if (reply.set) return "";
  if (reply.sections.length > 0) {
    return reply.sections
      .flatMap((section) => [
        `Cpupool ${section.pool}: sched=RTDS`,
        ...(section.perVcpu
          ? [RTDS_VCPU_HEADER, ...section.vcpus.map(formatRtdsVcpu)]
          : [RTDS_DOMAIN_HEADER, ...section.domains.map(formatRtdsDomain)]),
      ])
      .join("\n");
  }
  if (reply.domains.length > 0)
    return [RTDS_DOMAIN_HEADER, ...reply.domains.map(formatRtdsDomain)].join("\n");
  return [RTDS_VCPU_HEADER, ...reply.vcpus.map(formatRtdsVcpu)].join("\n");
}
