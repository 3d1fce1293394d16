import type {
  SchedRtdsDomain,
  SchedRtdsReply,
  SchedRtdsRequest,
  SchedRtdsServer,
  SchedRtdsVcpu,
} from "../../gen/xensim/v1/rtds.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import { ToolstackError } from "../../dom0/errors.js";
import {
  RTDS_DOMAIN_INFO,
  type RtdsDomainVcpus,
  rtdsDomainRecord,
  rtdsSections,
  rtdsVcpus,
  setRtdsVcpus,
} from "../../dom0/sched-rtds.js";
import type { DomainRecord } from "../../dom0/toolstack.js";
import { unary } from "./status.js";

/** `xl sched-rtds` (xl_sched.c main_sched_rtds): its option checks, messages and branches. */
export function rtdsServer(toolstack: Toolstack): SchedRtdsServer {
  return { schedRtds: unary((request) => schedRtds(toolstack, request)) };
}

const EMPTY: SchedRtdsReply = { sections: [], domains: [], vcpus: [], set: false };

/** main_sched_rtds's checks, in xl's order, with xl's messages. */
export function schedRtdsProblem(request: SchedRtdsRequest): string | undefined {
  const dom = request.domain !== "";
  const setting = request.periodsUs.length + request.budgetsUs.length + request.extratimes.length > 0;
  const optV = request.vcpus.length > 0;
  if (request.cpupool !== "" && (dom || setting || optV || request.allVcpus))
    return "Specifying a cpupool is not allowed with other options.";
  if (!dom && (setting || optV)) return "Missing parameters.";
  if (dom && !optV && !request.allVcpus && setting) return "Must specify VCPU.";
  if (optV && request.allVcpus) return "Incorrect VCPU IDs.";
  const [v, p, b, e] = [request.vcpus, request.periodsUs, request.budgetsUs, request.extratimes].map(
    (list) => list.length,
  ) as [number, number, number, number];
  if ((v > b && b > 0) || (v > p && p > 0) || (v > e && e > 0) || p !== b || p !== e)
    return "Incorrect number of period, budget and extratime";
  return undefined;
}

function schedRtds(toolstack: Toolstack, request: SchedRtdsRequest): SchedRtdsReply {
  const problem = schedRtdsProblem(request);
  if (problem !== undefined) throw new ToolstackError("INVALID_ARGUMENT", problem);
  if (request.domain === "") {
    const sections = rtdsSections(toolstack, request.cpupool === "" ? undefined : request.cpupool);
    return {
      ...EMPTY,
      sections: sections.map((section) => ({
        pool: section.poolName,
        domains: request.allVcpus ? [] : section.domains.map(({ record }) => domainRow(record)),
        vcpus: request.allVcpus ? section.domains.flatMap(vcpuRows) : [],
        perVcpu: request.allVcpus,
      })),
    };
  }
  if (request.vcpus.length === 0 && !request.allVcpus)
    return { ...EMPTY, domains: [domainRow(rtdsDomainRecord(toolstack, request.domain))] };
  if (request.periodsUs.length === 0) {
    const ids = request.allVcpus ? undefined : request.vcpus;
    return { ...EMPTY, vcpus: vcpuRows(rtdsVcpus(toolstack, request.domain, ids)) };
  }
  const params = (index: number) => ({
    periodUs: request.periodsUs[index]!,
    budgetUs: request.budgetsUs[index]!,
    extratime: request.extratimes[index]!,
  });
  setRtdsVcpus(
    toolstack,
    request.domain,
    request.allVcpus
      ? { all: params(0) }
      : request.vcpus.map((vcpuId, index) => ({ vcpuId, ...params(index) })),
  );
  return { ...EMPTY, set: true };
}

function domainRow(record: DomainRecord): SchedRtdsDomain {
  return {
    name: record.name,
    domid: record.domid,
    periodUs: RTDS_DOMAIN_INFO.periodUs,
    budgetUs: RTDS_DOMAIN_INFO.budgetUs,
    extratime: RTDS_DOMAIN_INFO.extratime,
  };
}

function vcpuRows({ record, vcpus }: RtdsDomainVcpus): SchedRtdsVcpu[] {
  return vcpus.map((vcpu) => ({
    name: record.name,
    domid: record.domid,
    vcpu: vcpu.vcpuId,
    periodUs: vcpu.periodUs,
    budgetUs: vcpu.budgetUs,
    extratime: vcpu.extratime,
  }));
}
