import { CpuMask } from "./cpu-mask.js";

/** A cpu list (xl.cfg `cpus`, `xl vcpu-pin`) that does not parse or names a pCPU the host lacks. */
export class CpuListError extends Error {
  constructor(
    readonly text: string,
    detail: string,
  ) {
    super(`cpu list "${text}": ${detail}`);
    this.name = "CpuListError";
  }
}

/** Longest list accepted, so a bad peer cannot make error messages huge. */
const CPU_LIST_TEXT_LENGTH_MAX = 1024;

const RANGE_PATTERN = /^([0-9]+)(?:-([0-9]+))?$/;

/**
 * Parses a cpu list as xl's parse_cpurange does (tools/xl/xl_parse.c): comma-separated items, each
 * `[^][node:|nodes:](all | N | N-M)`, applied left to right, `^` removing. Every pCPU must exist on
 * this host (0..pcpuCount-1) and the result must not be empty.
 */
export function parseCpuList(
  text: string,
  pcpuCount: number,
  /** Each NUMA node's pCPUs, for `node:N`; default one node holding every pCPU. */
  nodePcpus: readonly (readonly number[])[] = [Array.from({ length: pcpuCount }, (_, pcpu) => pcpu)],
): CpuMask {
  if (text.length > CPU_LIST_TEXT_LENGTH_MAX) {
    throw new CpuListError(text.slice(0, 32) + "...", `longer than ${CPU_LIST_TEXT_LENGTH_MAX} characters`);
  }
  const members = new Set<number>();
  for (const item of text.split(",").map((part) => part.trim())) {
    if (item === "") continue;
    const negated = item.startsWith("^");
    const body = negated ? item.slice(1) : item;
    const pcpus = itemPcpus(text, body, pcpuCount, nodePcpus);
    if (negated && body === "all") throw new CpuListError(text, `can't combine "^" and "all"`);
    for (const pcpu of pcpus) {
      if (negated) members.delete(pcpu);
      else members.add(pcpu);
    }
  }
  if (members.size === 0) throw new CpuListError(text, "selects no pCPU");
  return CpuMask.of(
    pcpuCount,
    [...members].sort((a, b) => a - b),
  );
}

function itemPcpus(
  text: string,
  body: string,
  pcpuCount: number,
  nodePcpus: readonly (readonly number[])[],
): number[] {
  const all = Array.from({ length: pcpuCount }, (_, pcpu) => pcpu);
  if (body === "all") return all;
  const node = /^nodes?:(.*)$/.exec(body);
  const [first, last] = range(text, node ? node[1]! : body);
  if (node) {
    if (last >= nodePcpus.length) {
      const nodes = nodePcpus.length === 1 ? "node 0 only" : `nodes 0..${nodePcpus.length - 1}`;
      throw new CpuListError(text, `NUMA node ${last} does not exist (${nodes})`);
    }
    if (node[1] === "all") return all;
    return nodePcpus.slice(first, last + 1).flat();
  }
  if (last >= pcpuCount) {
    throw new CpuListError(text, `pCPU ${last} does not exist on this host (0..${pcpuCount - 1})`);
  }
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function range(text: string, body: string): [number, number] {
  if (body === "all") return [0, 0];
  const match = RANGE_PATTERN.exec(body);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (match === null || last < first) throw new CpuListError(text, `invalid range '${body}'`);
  return [first, last];
}
