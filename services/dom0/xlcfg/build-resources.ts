import { cpuRangeProblem } from "./cpu-affinity.js";
import { singleString, type SettingsReader } from "./settings-reader.js";
import { XlCfgError } from "./errors.js";

export interface DomainResources {
  memoryMib: number;
  maxmemMib: number;
  vcpus: number;
  maxvcpus: number;
  cpus?: string | string[];
  cpusSoft?: string | string[];
  cpuWeight: number;
  cap: number;
  pool?: string;
}

/** libxl's memory when neither memory nor maxmem is set (libxl_create.c: max_memkb default 32 * 1024). */
export const MEMORY_MIB_DEFAULT = 32;
/** The largest memory/maxmem xensim accepts in a config (16 TiB); whether a host can hold it is checked later. */
export const MEMORY_MIB_MAX = 16 * 1024 * 1024;
/** The most vCPUs xensim accepts in a config; the host checks its own limits later. */
export const VCPU_COUNT_MAX = 4096;
/** Credit scheduler weight: default and bounds (xl.cfg(5) cpu_weight). */
export const CPU_WEIGHT_DEFAULT = 256;
export const CPU_WEIGHT_MIN = 1;
export const CPU_WEIGHT_MAX = 65535;
/** cap is a percentage of one pCPU, 0 = uncapped; Xen keeps it in 16 bits. */
export const CAP_PERCENT_MAX = 65535;

export function readResources(reader: SettingsReader): DomainResources {
  const { memoryMib, maxmemMib } = readMemory(reader);
  const { vcpus, maxvcpus } = readVcpus(reader);
  const resources: DomainResources = {
    memoryMib,
    maxmemMib,
    vcpus,
    maxvcpus,
    cpuWeight: reader.boundedNumber("cpu_weight", CPU_WEIGHT_MIN, CPU_WEIGHT_MAX) ?? CPU_WEIGHT_DEFAULT,
    cap: reader.boundedNumber("cap", 0, CAP_PERCENT_MAX) ?? 0,
  };
  const cpus = readAffinity(reader, "cpus");
  if (cpus !== undefined) resources.cpus = cpus;
  const cpusSoft = readAffinity(reader, "cpus_soft");
  if (cpusSoft !== undefined) resources.cpusSoft = cpusSoft;
  const pool = reader.string("pool");
  if (pool !== undefined) resources.pool = pool;
  return resources;
}

/** memory and maxmem in MiB: each defaults to the other, both to 32; maxmem below memory is an error. */
function readMemory(reader: SettingsReader): { memoryMib: number; maxmemMib: number } {
  const memory = reader.boundedNumber("memory", 1, MEMORY_MIB_MAX);
  const maxmem = reader.boundedNumber("maxmem", 1, MEMORY_MIB_MAX);
  const memoryMib = memory ?? maxmem ?? MEMORY_MIB_DEFAULT;
  const maxmemMib = maxmem ?? memoryMib;
  if (maxmemMib < memoryMib) {
    throw new XlCfgError(
      reader.valuePosition("maxmem"),
      `maxmem (${maxmemMib} MiB) < memory (${memoryMib} MiB)`,
    );
  }
  return { memoryMib, maxmemMib };
}

/**
 * vcpus defaults to 1 and must be 1..VCPU_COUNT_MAX (a domain without a vCPU cannot run, libxl
 * refuses max_vcpus 0 once set); maxvcpus defaults to vcpus, 0 meaning not set (xl_parse.c).
 */
function readVcpus(reader: SettingsReader): { vcpus: number; maxvcpus: number } {
  const vcpus = reader.boundedNumber("vcpus", 1, VCPU_COUNT_MAX) ?? 1;
  const maxvcpusSet = reader.boundedNumber("maxvcpus", 0, VCPU_COUNT_MAX);
  // xl treats maxvcpus = 0 as not set.
  const maxvcpus = maxvcpusSet === undefined || maxvcpusSet === 0 ? vcpus : maxvcpusSet;
  if (maxvcpus < vcpus) {
    throw new XlCfgError(reader.valuePosition("maxvcpus"), `maxvcpus < vcpus (${maxvcpus} < ${vcpus})`);
  }
  return { vcpus, maxvcpus };
}

/** A cpu range string for all vCPUs, or a list with one per vCPU (xl.cfg(5) cpus). */
function readAffinity(reader: SettingsReader, key: string): string | string[] | undefined {
  const setting = reader.setting(key);
  if (setting === undefined) return undefined;
  const items = setting.value.kind === "list" ? setting.value.items : [setting.value];
  const ranges = items.map((item) => {
    const range = singleString(key, item);
    const problem = cpuRangeProblem(range);
    if (problem !== undefined) throw new XlCfgError(item.position, problem);
    return range;
  });
  return setting.value.kind === "list" ? ranges : ranges[0];
}
