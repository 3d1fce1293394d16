import type {
  HostServer,
  SchedCreditReply,
  SchedCreditRequest,
  SchedPoolEntry,
  VcpuListReply,
} from "../../gen/xensim/v1/host.js";
import type { SchedPoolParams, SchedulerName } from "../../core/sched/index.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import type { CpuUsageSampler } from "../../dom0/cpu-usage.js";
import { ToolstackError } from "../../dom0/errors.js";
import { listVcpus, parseVcpuArgument, pinVcpus } from "../../dom0/vcpu-control.js";
import {
  CREDIT_MIGRATION_DELAY_US,
  type DomainSchedParams,
  domainSchedParams,
  poolSchedParams,
  schedSections,
  setDomainSchedParams,
  setPoolSchedParams,
} from "../../dom0/sched-params.js";
import { requireCpupool } from "../../dom0/cpupool.js";
import { domainInfo } from "./domain-info.js";
import { topReply } from "./top-info.js";
import { unary } from "./status.js";

type SchedHandlers = Pick<HostServer, "vcpuList" | "vcpuPin" | "schedCredit" | "schedCredit2" | "top">;

/** The vCPU scheduling RPCs: xl vcpu-list, vcpu-pin, sched-credit, sched-credit2 and top. */
export function schedServer(toolstack: Toolstack, cpuUsage: CpuUsageSampler): SchedHandlers {
  return {
    vcpuList: unary((request) => vcpuListReply(toolstack, request.domains)),
    vcpuPin: unary((request) => {
      const record = pinVcpus(toolstack, request.domain, {
        vcpu: parseVcpuArgument(request.vcpu),
        ...(request.hardAffinity !== undefined ? { hard: request.hardAffinity } : {}),
        ...(request.softAffinity !== undefined ? { soft: request.softAffinity } : {}),
      });
      return { domain: domainInfo(toolstack, record) };
    }),
    schedCredit: unary((request) => schedCredit(toolstack, "credit", request)),
    schedCredit2: unary((request) => schedCredit(toolstack, "credit2", request)),
    top: unary(() => topReply(toolstack, cpuUsage)),
  };
}

function vcpuListReply(toolstack: Toolstack, refs: readonly string[]): VcpuListReply {
  return {
    domains: listVcpus(toolstack, refs).map(({ record, vcpus }) => ({
      name: record.name,
      domid: record.domid,
      vcpus: vcpus.map((vcpu) => ({
        vcpu: vcpu.vcpuId,
        cpu: vcpu.pcpu,
        online: vcpu.online,
        running: vcpu.running,
        blocked: vcpu.blocked,
        cpuTimeNs: Math.round(vcpu.cpuTimeNs),
        hardAffinity: vcpu.hardAffinityText,
        softAffinity: vcpu.softAffinityText,
      })),
    })),
  };
}

/**
 * xl_sched.c main_sched_credit / main_sched_credit2: -s shows or sets a pool's parameters (-p names
 * the pool, Pool-0 by default), -d shows or sets a domain, neither lists each pool running this
 * scheduler (or the -p one) with its domains. The option checks are xl's own.
 */
function schedCredit(
  toolstack: Toolstack,
  name: SchedulerName,
  request: SchedCreditRequest,
): SchedCreditReply {
  const setsDomain = request.weight !== undefined || request.cap !== undefined;
  const setsPool = request.tsliceMs !== undefined || request.ratelimitUs !== undefined;
  if ((request.pool || request.cpupool !== "") && (request.domain !== "" || setsDomain))
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      "specifying a cpupool (-p) or schedparam (-s) is not allowed with domain options",
    );
  if (request.domain === "" && setsDomain)
    throw new ToolstackError("INVALID_ARGUMENT", "must specify a domain (-d) to set weight or cap");
  if (!request.pool && setsPool)
    throw new ToolstackError("INVALID_ARGUMENT", "must specify schedparam (-s) to set tslice or ratelimit");
  if (request.pool) {
    const params = setsPool
      ? setPoolSchedParams(toolstack, name, poolParamsOf(request), request.cpupool)
      : poolSchedParams(toolstack, name, request.cpupool);
    const poolName = requireCpupool(toolstack, request.cpupool || "0").name;
    return { scheduler: name, domains: [], pool: poolEntry(name, poolName, params), sections: [] };
  }
  if (request.domain !== "") {
    const entry = setsDomain
      ? setDomainSchedParams(toolstack, name, request.domain, {
          ...(request.weight !== undefined ? { weight: request.weight } : {}),
          ...(request.cap !== undefined ? { cap: request.cap } : {}),
        })
      : domainSchedParams(toolstack, name, request.domain)[0]!;
    return { scheduler: name, domains: [domainEntry(entry)], sections: [] };
  }
  const sections = schedSections(toolstack, name, request.cpupool).map((section) => ({
    pool: poolEntry(name, section.pool.name, section.params),
    domains: section.domains.map(domainEntry),
  }));
  // `domains` and `pool` keep the first section for clients that read only those.
  const first = sections[0];
  return {
    scheduler: name,
    domains: first?.domains ?? [],
    ...(first?.pool ? { pool: first.pool } : {}),
    sections,
  };
}

function poolParamsOf(request: SchedCreditRequest): Partial<SchedPoolParams> {
  return {
    ...(request.tsliceMs !== undefined ? { tsliceMs: request.tsliceMs } : {}),
    ...(request.ratelimitUs !== undefined ? { ratelimitUs: request.ratelimitUs } : {}),
  };
}

function domainEntry({ record, params }: DomainSchedParams) {
  return { name: record.name, domid: record.domid, weight: params.weight, cap: params.cap };
}

function poolEntry(name: SchedulerName, poolName: string, params: SchedPoolParams): SchedPoolEntry {
  const ratelimitUs = params.ratelimitUs;
  if (ratelimitUs === undefined) throw new Error(`assertion failed: a ${name} pool without a ratelimit`);
  if (name === "credit2") return { name: poolName, ratelimitUs };
  return {
    name: poolName,
    ratelimitUs,
    ...(params.tsliceMs !== undefined ? { tsliceMs: params.tsliceMs } : {}),
    migrationDelayUs: CREDIT_MIGRATION_DELAY_US,
  };
}
