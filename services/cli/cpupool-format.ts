import type { CpupoolInfo } from "../gen/xensim/v1/cpupool.js";

/** `xl cpupool-list`'s name column (xl_cpupool.c main_cpupoollist: "%-19s"). */
const NAME_WIDTH = 19;

/** `xl cpupool-list [-c]`: "%-19s" then "CPUs   Sched     Active   Domain count" or "CPU list". */
export function formatCpupoolList(pools: readonly CpupoolInfo[], cpus = false): string {
  const header = "Name".padEnd(NAME_WIDTH) + (cpus ? "CPU list" : "CPUs   Sched     Active   Domain count");
  return [header, ...pools.map((pool) => formatCpupoolRow(pool, cpus))].join("\n");
}

/** One pool: "%-19s" then "%3d %9s       y       %4d" (count, scheduler, domains) or the cpus "0,1,2". */
export function formatCpupoolRow(pool: CpupoolInfo, cpus = false): string {
  const name = pool.name.padEnd(NAME_WIDTH);
  if (cpus) return name + pool.cpus.join(",");
  return (
    name +
    `${String(pool.cpus.length).padStart(3)} ${pool.sched.padStart(9)}       y       ` +
    String(pool.domainCount).padStart(4)
  );
}

/** What `xl cpupool-create` prints before it creates (or instead, with -n). */
export function formatCpupoolCreate(source: string, name: string, sched: string, cpuCount: number): string {
  return [
    `Using config file "${source}"`,
    `cpupool name:   ${name}`,
    `scheduler:      ${sched}`,
    `number of cpus: ${cpuCount}`,
  ].join("\n");
}

/** libxl_cpupoolinfo as libxl's JSON generator writes it (libxl_types.idl): cpumap as the set pCPUs. */
export function cpupoolJson(pool: CpupoolInfo): Record<string, unknown> {
  return {
    poolid: pool.poolId,
    pool_name: pool.name,
    sched: pool.sched,
    n_dom: pool.domainCount,
    cpumap: [...pool.cpus],
  };
}
