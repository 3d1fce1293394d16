import type { DomainInfo } from "../../gen/xensim/v1/host.js";
import type { Toolstack, DomainRecord } from "../../dom0/toolstack.js";
import { formatWorkloadSpec } from "../../core/workload/spec.js";
import { cpupoolName } from "../../dom0/cpupool.js";

/**
 * Each config's JSON, made once: a record's config is replaced, never changed in place, so a create's
 * reply and the destroy's after it (and every list) serialise it only once.
 */
const configJsonByConfig = new WeakMap<DomainRecord["config"], string>();

function configJson(config: DomainRecord["config"]): string {
  let json = configJsonByConfig.get(config);
  if (json === undefined) {
    json = JSON.stringify(config);
    configJsonByConfig.set(config, json);
  }
  return json;
}

/** One domain as `xl list` / `xl list -l` shows it. */
export function domainInfo(toolstack: Toolstack, record: DomainRecord): DomainInfo {
  const domain = toolstack.domainOf(record);
  return {
    domid: record.domid,
    name: record.name,
    uuid: record.uuid,
    type: domain.type,
    state: domain.stateLetters(),
    memoryKib: domain.memoryKib,
    maxmemKib: domain.maxmemKib,
    vcpusOnline: domain.vcpusOnline,
    maxvcpus: domain.maxvcpus,
    cpuTimeNs: Math.round(domain.cpuTimeNs),
    weight: domain.weight,
    cap: domain.cap,
    shutdownReason: domain.shutdownReason ?? -1,
    configJson: configJson(record.config),
    workload: formatWorkloadSpec(domain.workload.spec),
    populatedPages: domain.memory.populatedPageCount(),
    cpupool: cpupoolName(toolstack, toolstack.hypervisor.domainCpupool(record.domid)),
  };
}
