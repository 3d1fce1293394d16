import type { HostCpus } from "../core/numa.js";
import { CpuListError, parseCpuList } from "../core/sched/index.js";
import { ToolstackError } from "./errors.js";

/** xl.cfg's affinity keys: hard (`cpus`) and soft (`cpus_soft`). */
export type AffinityKey = "cpus" | "cpus_soft";

/** A parsed cpu list: the pCPUs and the list as xl prints a cpumap ("all", "0-3,5"). */
export interface Affinity {
  pcpus: readonly number[];
  text: string;
}

/** One vCPU's affinity, or every vCPU's ("all"), as xl.cfg or `xl vcpu-pin` gives it. */
export interface AffinityPin extends Affinity {
  vcpu: number | "all";
}

/** The affinity every vCPU has until something pins it. */
export const AFFINITY_ALL_TEXT = "all";

/** Parses a cpu list a user gave; `where` names its origin (`xl.cfg cpus = "..."`) in the error. */
export function parseAffinity(where: string, text: string, cpus: HostCpus): Affinity {
  try {
    const mask = parseCpuList(text, cpus.pcpuCount, cpus.nodePcpus);
    return { pcpus: mask.list(), text: mask.format() };
  } catch (error) {
    if (error instanceof CpuListError)
      throw new ToolstackError("INVALID_ARGUMENT", `${where}: ${error.message}`);
    throw error;
  }
}

/**
 * xl.cfg `cpus` / `cpus_soft` as xl_parse.c parse_vcpu_affinity reads them: a string applies to every
 * vCPU; a list gives vCPU i the i-th item, leaves vCPUs past its end alone and silently ignores items
 * past maxvcpus.
 */
export function configAffinityPins(
  key: AffinityKey,
  value: string | readonly string[] | undefined,
  cpus: HostCpus,
  maxvcpus: number,
): AffinityPin[] {
  if (value === undefined) return [];
  if (typeof value === "string") {
    return [{ vcpu: "all", ...parseAffinity(`xl.cfg ${key} = "${value}"`, value, cpus) }];
  }
  return value
    .slice(0, maxvcpus)
    .map((text, vcpu) => ({ vcpu, ...parseAffinity(`xl.cfg ${key}[${vcpu}] = "${text}"`, text, cpus) }));
}

/** Each vCPU's affinity text after the pins, in order, starting from `base` (default: all "all"). */
export function affinityTexts(
  pins: readonly AffinityPin[],
  vcpuCount: number,
  base: readonly string[] = [],
): string[] {
  const texts = Array.from({ length: vcpuCount }, (_, vcpu) => base[vcpu] ?? AFFINITY_ALL_TEXT);
  for (const pin of pins) {
    if (pin.vcpu === "all") texts.fill(pin.text);
    else if (pin.vcpu < vcpuCount) texts[pin.vcpu] = pin.text;
  }
  return texts;
}

/**
 * Per-vCPU affinities back as an xl.cfg value, as libxl_retrieve_domain_configuration keeps the
 * affinity a domain runs with: none when every vCPU may run anywhere, one string when all agree,
 * else one item per vCPU.
 */
export function configAffinityValue(texts: readonly string[]): string | string[] | undefined {
  if (texts.every((text) => text === AFFINITY_ALL_TEXT)) return undefined;
  const first = texts[0];
  if (first !== undefined && texts.every((text) => text === first)) return first;
  return [...texts];
}
