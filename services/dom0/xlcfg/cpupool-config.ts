import { XlCfgError } from "./errors.js";
import { parseXlCfgStatements } from "./parser.js";
import { applyStatements, type XlCfgValue } from "./settings.js";

/** The schedulers a pool may run (xlcpupool.cfg(5) `sched`). */
export const CPUPOOL_SCHEDULERS = ["credit", "credit2", "rtds"] as const;
export type CpupoolScheduler = (typeof CPUPOOL_SCHEDULERS)[number];
/** The command line's KEY=VALUE settings, as xl names their source. */
export const CPUPOOL_COMMAND_LINE = "command line";
/** Most pCPUs or nodes one cpupool config may list. */
const CPUPOOL_LIST_LENGTH_MAX = 256;

/** A cpupool config as xl_cpupool.c main_cpupoolcreate reads it (xlcpupool.cfg(5)). */
export interface CpupoolConfig {
  name: string;
  /** Unset: the scheduler the host booted with. */
  sched?: CpupoolScheduler;
  /** `cpus = ["2", "3"]` or `cpus = [2, 3]`: pCPU numbers. */
  cpus?: number[];
  /** `cpus = "2-3,^4"`: a cpu range the host resolves against its pCPUs. */
  cpuList?: string;
  /** `nodes = [0]`: every free pCPU of these NUMA nodes. */
  nodes?: number[];
  /** What xl prints as the config source: the file name, or "command line". */
  source: string;
}

/**
 * Parses a cpupool config file (the xl.cfg grammar of libxlu) with `xl cpupool-create`'s trailing
 * KEY=VALUE settings appended as lines. `name` defaults to the file's base name, as libxl_basename.
 * Unknown keys are ignored, as xl ignores them. Errors name file:line:column.
 */
export function parseCpupoolConfig(
  text: string | undefined,
  fileName: string | undefined,
  extras: readonly string[],
): CpupoolConfig {
  const source = fileName ?? CPUPOOL_COMMAND_LINE;
  const statements = [
    ...(text === undefined ? [] : parseXlCfgStatements(text, source)),
    ...parseXlCfgStatements(extras.join("\n"), CPUPOOL_COMMAND_LINE),
  ];
  const settings = applyStatements(new Map(), statements);
  const nameValue = settings.get("name")?.value;
  const name = nameValue ? stringOf(nameValue, "name") : fileName?.split("/").pop();
  if (name === undefined || name === "")
    throw new XlCfgError({ file: source, line: 1, column: 1 }, "Missing cpupool name!");
  const config: CpupoolConfig = { name, source };
  const sched = settings.get("sched")?.value;
  if (sched) config.sched = schedOf(sched);
  const nodes = settings.get("nodes")?.value;
  const cpus = settings.get("cpus")?.value;
  if (nodes) config.nodes = numbersOf(nodes, "nodes");
  else if (cpus?.kind === "list") config.cpus = numbersOf(cpus, "cpus");
  else if (cpus) config.cpuList = stringOf(cpus, "cpus");
  return config;
}

function schedOf(value: XlCfgValue): CpupoolScheduler {
  const text = stringOf(value, "sched");
  const known = CPUPOOL_SCHEDULERS.find((name) => name === text);
  if (known === undefined)
    throw new XlCfgError(value.position, `Unknown scheduler "${text}" (${CPUPOOL_SCHEDULERS.join(", ")})`);
  return known;
}

function stringOf(value: XlCfgValue, key: string): string {
  if (value.kind === "string") return value.value;
  if (value.kind === "number") return value.text;
  throw new XlCfgError(value.position, `${key}: a string, not a list`);
}

/** A list of pCPU or node numbers, each a number or a string of digits (xl's atoi of each item). */
function numbersOf(value: XlCfgValue, key: string): number[] {
  if (value.kind !== "list") throw new XlCfgError(value.position, `${key}: a list such as ["2", "3"]`);
  if (value.items.length > CPUPOOL_LIST_LENGTH_MAX)
    throw new XlCfgError(value.position, `${key}: more than ${CPUPOOL_LIST_LENGTH_MAX} entries`);
  return value.items.map((item) => {
    const text = item.kind === "list" ? "" : stringOf(item, key);
    if (!/^\d+$/.test(text.trim()))
      throw new XlCfgError(item.position, `${key}: "${text}" illegal: give a number such as "2"`);
    return Number(text.trim());
  });
}
