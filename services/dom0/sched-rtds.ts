import { RTDS_VCPU_PARAMS_DEFAULT, type RtdsVcpuParams } from "../core/sched/index.js";
import { ToolstackError } from "./errors.js";
import { poolOf, requirePoolScheduler, schedSections } from "./sched-params.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { toToolstackError } from "./xen-error-map.js";

/** One vCPU's RTDS parameters as libxl_sched_params carries them. */
export interface RtdsVcpuEntry extends RtdsVcpuParams {
  vcpuId: number;
}

export interface RtdsDomainVcpus {
  record: DomainRecord;
  vcpus: RtdsVcpuEntry[];
}

export interface RtdsSection {
  poolName: string;
  domains: RtdsDomainVcpus[];
}

/**
 * What XEN_DOMCTL_SCHEDOP_getinfo answers for a domain under RTDS: the scheduler's defaults, not
 * any vCPU's own (rt_dom_cntl "Return the default parameters"), so `xl sched-rtds -d` shows them.
 */
export const RTDS_DOMAIN_INFO: RtdsVcpuParams = RTDS_VCPU_PARAMS_DEFAULT;

function rtdsDomain(toolstack: Toolstack, ref: string): DomainRecord {
  const record = toolstack.requireDomain(ref);
  requirePoolScheduler(toolstack, poolOf(toolstack, record), "rtds", `domain ${record.name}`);
  return record;
}

function vcpusOf(toolstack: Toolstack, record: DomainRecord): RtdsVcpuEntry[] {
  return toolstack.hypervisor.rtdsVcpuParams(record.domid).map((params, vcpuId) => ({ vcpuId, ...params }));
}

/** libxl's range check (sched_rtds_vcpu_get/_set): vCPU ids 0..max_vcpu_id. */
function checkVcpuIds(record: DomainRecord, vcpuCount: number, vcpuIds: readonly number[]): void {
  const bad = vcpuIds.find((vcpuId) => !(vcpuId >= 0 && vcpuId < vcpuCount));
  if (bad !== undefined)
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `domain ${record.name}: Invalid VCPU ${bad}: valid range is [0, ${vcpuCount - 1}]`,
    );
}

/** `xl sched-rtds -d DOM -v N... | -v all`: the vCPUs asked for (every one when `vcpuIds` is undefined). */
export function rtdsVcpus(toolstack: Toolstack, ref: string, vcpuIds?: readonly number[]): RtdsDomainVcpus {
  const record = rtdsDomain(toolstack, ref);
  const vcpus = vcpusOf(toolstack, record);
  if (vcpuIds === undefined) return { record, vcpus };
  checkVcpuIds(record, vcpus.length, vcpuIds);
  return { record, vcpus: vcpuIds.map((vcpuId) => vcpus[vcpuId]!) };
}

/** `xl sched-rtds -d DOM`: the domain's line. */
export function rtdsDomainRecord(toolstack: Toolstack, ref: string): DomainRecord {
  return rtdsDomain(toolstack, ref);
}

/**
 * `xl sched-rtds -d DOM -v N -p P -b B -e E ...` (or `-v all` with one set for every vCPU):
 * checked whole first (libxl validates each before the hypercall), then applied.
 */
export function setRtdsVcpus(
  toolstack: Toolstack,
  ref: string,
  entries: readonly RtdsVcpuEntry[] | { all: RtdsVcpuParams },
): RtdsDomainVcpus {
  const record = rtdsDomain(toolstack, ref);
  if (toolstack.isMigrating(record.domid))
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is being migrated`);
  const vcpuCount = toolstack.hypervisor.rtdsVcpuParams(record.domid).length;
  const list = "all" in entries ? [] : entries;
  checkVcpuIds(
    record,
    vcpuCount,
    list.map((entry) => entry.vcpuId),
  );
  const changes = new Map<number, RtdsVcpuParams>();
  if ("all" in entries) for (let vcpuId = 0; vcpuId < vcpuCount; vcpuId++) changes.set(vcpuId, entries.all);
  for (const { vcpuId, ...params } of list) changes.set(vcpuId, params);
  try {
    toolstack.hypervisor.setRtdsVcpuParams(record.domid, changes);
  } catch (error) {
    throw toToolstackError(error);
  }
  return { record, vcpus: vcpusOf(toolstack, record) };
}

/** `xl sched-rtds [-c pool] [-v all]`: each pool running RTDS (or the named one) and its domains. */
export function rtdsSections(toolstack: Toolstack, poolRef?: string): RtdsSection[] {
  return schedSections(toolstack, "rtds", poolRef).map((section) => ({
    poolName: section.pool.name,
    domains: section.domains.map(({ record }) => ({ record, vcpus: vcpusOf(toolstack, record) })),
  }));
}
