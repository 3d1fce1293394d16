import { type HostCpus, hostCpus } from "../core/numa.js";
import { CpuMask, type VcpuInfo } from "../core/sched/index.js";
import { ToolstackError } from "./errors.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { toToolstackError } from "./xen-error-map.js";
import type { DomainConfig } from "./xlcfg/domain-config.js";
import {
  type AffinityPin,
  affinityTexts,
  configAffinityPins,
  configAffinityValue,
  parseAffinity,
} from "./vcpu-affinity.js";

/** One line of `xl vcpu-list`: what the hypervisor reports plus the soft affinity libxl keeps. */
export interface VcpuListEntry extends VcpuInfo {
  softAffinityText: string;
}

export interface DomainVcpus {
  record: DomainRecord;
  vcpus: VcpuListEntry[];
}

/** `xl vcpu-pin DOM VCPU HARD [SOFT]`: undefined affinities are left as they are (xl's "-"). */
export interface VcpuPinRequest {
  vcpu: number | "all";
  hard?: string;
  soft?: string;
}

/** Checks xl.cfg `cpus` / `cpus_soft` against this host's pCPUs; throws INVALID_ARGUMENT. */
export function checkConfigAffinity(config: DomainConfig, cpus: HostCpus): void {
  configAffinityPins("cpus", config.cpus, cpus, config.maxvcpus);
  configAffinityPins("cpus_soft", config.cpusSoft, cpus, config.maxvcpus);
}

/** After the domain is built: pins its vCPUs as xl.cfg `cpus` says (libxl__build_pre). */
export function applyConfigAffinity(toolstack: Toolstack, record: DomainRecord): void {
  const cpus = record.config.cpus;
  if (cpus !== undefined) {
    const pins = configAffinityPins("cpus", cpus, hostCpus(toolstack.spec), record.config.maxvcpus);
    for (const pin of pins) toolstack.hypervisor.vcpuPin(record.domid, pin.vcpu, pin.pcpus);
  }
  if (record.config.cpusSoft === undefined) placeOnNuma(toolstack, record);
}

/**
 * libxl's automatic NUMA placement when xl.cfg gives no soft affinity (libxl__build_pre): over
 * the pCPUs of the domain's cpupool within its hard affinity. vcpu-list shows the nodes' pCPUs
 * as its soft affinity; the config keeps none, so a destination places the guest afresh.
 */
function placeOnNuma(toolstack: Toolstack, record: DomainRecord): void {
  const hypervisor = toolstack.hypervisor;
  if (hypervisor.numa.length === 1) return; // one node: the hypervisor has nothing to choose
  const poolId = hypervisor.domainCpupool(record.domid);
  const poolCpus = hypervisor.cpupools.cpupools().find((pool) => pool.poolId === poolId)?.cpus ?? [];
  const hard = hypervisor.vcpuInfo(record.domid)[0]?.hardAffinity ?? poolCpus;
  hypervisor.placeOnNuma(
    record.domid,
    poolCpus.filter((pcpu) => hard.includes(pcpu)),
  );
}

/** The soft affinity vcpu-list shows: the config's, else the pCPUs of the nodes placement chose. */
function shownSoftAffinityTexts(toolstack: Toolstack, record: DomainRecord, vcpuCount: number): string[] {
  const nodes = toolstack.hypervisor.domain(record.domid)?.numaNodes ?? [];
  if (record.config.cpusSoft !== undefined || nodes.length === 0)
    return softAffinityTexts(toolstack, record, vcpuCount);
  const pcpus = nodes.flatMap((node) => toolstack.hypervisor.numa[node]!.pcpus);
  const text = CpuMask.of(toolstack.spec.pcpuCount, pcpus).format();
  return Array.from({ length: vcpuCount }, () => text);
}

/** `xl vcpu-list [dom...]`: every vCPU up to maxvcpus of the named domains, or of every domain. */
export function listVcpus(toolstack: Toolstack, refs: readonly string[]): DomainVcpus[] {
  const records =
    refs.length === 0
      ? [...toolstack.records.values()].sort((a, b) => a.domid - b.domid)
      : refs.map((ref) => toolstack.requireDomain(ref));
  return records.map((record) => {
    const infos = toolstack.hypervisor.vcpuInfo(record.domid);
    const soft = shownSoftAffinityTexts(toolstack, record, infos.length);
    return { record, vcpus: infos.map((info, vcpu) => ({ ...info, softAffinityText: soft[vcpu]! })) };
  });
}

/** xl vcpu-pin's VCPU argument: a vCPU number or `all` (xl_vcpu.c main_vcpupin). */
export function parseVcpuArgument(text: string): number | "all" {
  if (text === "all") return "all";
  if (!/^\d+$/.test(text)) throw new ToolstackError("INVALID_ARGUMENT", `invalid argument "${text}" as VCPU`);
  return Number(text);
}

/** `xl vcpu-pin`: checks everything first, then sets hard and soft affinity; refuses whole. */
export function pinVcpus(toolstack: Toolstack, ref: string, request: VcpuPinRequest): DomainRecord {
  const record = toolstack.requireDomain(ref);
  if (toolstack.isMigrating(record.domid))
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is being migrated`);
  const maxvcpus = toolstack.domainOf(record).maxvcpus;
  if (request.vcpu !== "all" && request.vcpu >= maxvcpus) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `domain ${record.name} has vCPUs 0..${maxvcpus - 1}, not ${request.vcpu}`,
    );
  }
  const cpus = hostCpus(toolstack.spec);
  const pin = (kind: string, text: string | undefined): AffinityPin | undefined =>
    text === undefined
      ? undefined
      : { vcpu: request.vcpu, ...parseAffinity(`vcpu-pin ${kind} affinity`, text, cpus) };
  const hard = pin("hard", request.hard);
  const soft = pin("soft", request.soft);
  try {
    if (hard) toolstack.hypervisor.vcpuPin(record.domid, hard.vcpu, hard.pcpus);
  } catch (error) {
    throw toToolstackError(error);
  }
  const hardTexts = toolstack.hypervisor.vcpuInfo(record.domid).map((info) => info.hardAffinityText);
  const softBase = softAffinityTexts(toolstack, record, maxvcpus);
  const softTexts = soft ? affinityTexts([soft], maxvcpus, softBase) : softBase;
  record.config = withAffinity(record.config, hardTexts, softTexts);
  return record;
}

/**
 * Soft affinity is kept by the toolstack only (xensim's schedulers do not model it), in the
 * domain's config, so vcpu-list shows it and a migration carries it.
 */
function softAffinityTexts(toolstack: Toolstack, record: DomainRecord, vcpuCount: number): string[] {
  return affinityTexts(
    configAffinityPins("cpus_soft", record.config.cpusSoft, hostCpus(toolstack.spec), vcpuCount),
    vcpuCount,
  );
}

/** The config with `cpus` / `cpus_soft` set to what the vCPUs run with now. */
function withAffinity(config: DomainConfig, hardTexts: string[], softTexts: string[]): DomainConfig {
  const { cpus: _cpus, cpusSoft: _cpusSoft, ...rest } = config;
  const cpus = configAffinityValue(hardTexts);
  const cpusSoft = configAffinityValue(softTexts);
  return {
    ...rest,
    ...(cpus !== undefined ? { cpus } : {}),
    ...(cpusSoft !== undefined ? { cpusSoft } : {}),
  };
}
