import { hostCpus, hostNumaLayout } from "../core/numa.js";
import {
  CPUPOOL_COUNT_MAX,
  CPUPOOL_ID_POOL0,
  type CpupoolInfo,
  type SchedulerName,
  formatCpus,
  parseCpuList,
} from "../core/sched/index.js";
import { DOMID_DOM0 } from "../core/units.js";
import { vmPath } from "../xenstore/paths.js";
import type { XenStore } from "../xenstore/store.js";
import { ToolstackError } from "./errors.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { toToolstackError } from "./xen-error-map.js";

/** Pool-0's name when /local/pool/0/name was never written (libxl_cpupoolid_to_name). */
export const POOL0_NAME = "Pool-0";
/** A cpupool name: what xl accepts in a config string, bounded and without path separators. */
export const CPUPOOL_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** numa-split names each node's pool so (xl_cpupool.c main_cpupoolnumasplit). */
const NUMA_POOL_NAME_PREFIX = "Pool-node";

/** One pool as `xl cpupool-list` prints it (libxl_cpupoolinfo). */
export interface CpupoolEntry extends CpupoolInfo {
  name: string;
}

/** Where libxl keeps a pool's name (libxl_cpupool_create: /local/pool/<poolid>/name). */
export function cpupoolPath(poolId: number): string {
  return `/local/pool/${poolId}`;
}

/**
 * libxl_cpupoolid_to_name. A pool's name is the node /local/pool/<poolid>/name and nothing else,
 * so each is read from the store once while the store's changeCount (every committed change) stands
 * still: a List names every domain's pool, and an idle cluster lists each host once a minute. Each
 * pool's read is kept and brought up to date in place (a create's and a destroy's reply each come
 * after a change): no new map, path or record per reply.
 */
export function cpupoolName(toolstack: Toolstack, poolId: number): string {
  const store = toolstack.store;
  let reads = nameReadsByStore.get(store);
  if (reads === undefined || reads.size >= CPUPOOL_COUNT_MAX) {
    reads = new Map();
    nameReadsByStore.set(store, reads);
  }
  let read = reads.get(poolId);
  if (read === undefined) {
    read = { changeCount: Number.NaN, name: "", path: `${cpupoolPath(poolId)}/name` };
    reads.set(poolId, read);
  }
  if (read.changeCount !== store.changeCount) {
    read.name = store.read(read.path) ?? (poolId === CPUPOOL_ID_POOL0 ? POOL0_NAME : `Pool-${poolId}`);
    read.changeCount = store.changeCount;
  }
  return read.name;
}

/** A pool's name as cpupoolName last read it, and the store's changeCount then. */
interface NameRead {
  changeCount: number;
  name: string;
  /** The node read: /local/pool/<poolid>/name. */
  readonly path: string;
}

const nameReadsByStore = new WeakMap<XenStore, Map<number, NameRead>>();

/** libxl_list_cpupool: every pool, by id. */
export function listCpupools(toolstack: Toolstack): CpupoolEntry[] {
  return toolstack.hypervisor.cpupools
    .cpupools()
    .map((info) => ({ ...info, name: cpupoolName(toolstack, info.poolId) }));
}

/** libxl_cpupool_qualifier_to_cpupoolid: a pool's name, or its id as digits; undefined if none. */
export function findCpupool(toolstack: Toolstack, ref: string): CpupoolEntry | undefined {
  const pools = listCpupools(toolstack);
  return (
    pools.find((pool) => pool.name === ref) ??
    (/^\d+$/.test(ref) ? pools.find((pool) => pool.poolId === Number(ref)) : undefined)
  );
}

export function requireCpupool(toolstack: Toolstack, ref: string): CpupoolEntry {
  const pool = findCpupool(toolstack, ref);
  if (pool === undefined) {
    const names = listCpupools(toolstack).map((p) => p.name);
    throw new ToolstackError(
      "NOT_FOUND",
      `unknown cpupool '${ref}' (host ${hostOf(toolstack)} has ${names.join(", ")})`,
    );
  }
  return pool;
}

/**
 * xl.cfg `pool=` (libxl__domain_config_setdefault: "Illegal pool specified"): the id of the named
 * pool, which must have a pCPU; Pool-0 when the key is absent. `where` names the file and key.
 */
export function cpupoolForConfig(toolstack: Toolstack, poolName: string | undefined, where: string): number {
  if (poolName === undefined) return CPUPOOL_ID_POOL0;
  const pool = findCpupool(toolstack, poolName);
  const names = listCpupools(toolstack).map((p) => p.name);
  if (pool === undefined) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `Illegal pool specified: ${where}: pool = "${poolName}": host ${hostOf(toolstack)} has no cpupool of that name (it has ${names.join(", ")})`,
    );
  }
  if (pool.cpus.length === 0) {
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `${where}: pool = "${poolName}": cpupool ${pool.name} on host ${hostOf(toolstack)} has no CPU to run a domain on`,
    );
  }
  return pool.poolId;
}

/** Writes /vm/<uuid>/pool_name, as libxl__domain_make does. */
export function writeDomainPoolName(toolstack: Toolstack, record: DomainRecord): void {
  const poolId = toolstack.hypervisor.domainCpupool(record.domid);
  toolstack.store.write(`${vmPath(record.uuid)}/pool_name`, cpupoolName(toolstack, poolId));
}

export interface CpupoolCreateSpec {
  name: string;
  /** Default: the scheduler the hypervisor booted with (libxl_get_scheduler). */
  scheduler?: SchedulerName;
  cpus: readonly number[];
}

/** libxl_cpupool_create: an unused name, free pCPUs only; all or nothing. A dry run only checks. */
export function createCpupool(toolstack: Toolstack, spec: CpupoolCreateSpec, dryRun = false): CpupoolEntry {
  checkCpupoolName(spec.name);
  if (findCpupool(toolstack, spec.name) !== undefined)
    throw new ToolstackError("ALREADY_EXISTS", `Pool name "${spec.name}" already exists`);
  const free = toolstack.hypervisor.cpupools.freeCpus();
  const taken = spec.cpus.find((pcpu) => !free.includes(pcpu));
  if (taken !== undefined)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cpu ${taken} illegal or not free (free: ${formatCpus(free)})`,
    );
  const scheduler = spec.scheduler ?? toolstack.hypervisor.schedulerName;
  if (dryRun) return { poolId: -1, name: spec.name, scheduler, cpus: [...spec.cpus], domainCount: 0 };
  const poolId = wrapped(() => toolstack.hypervisor.cpupools.createCpupool(scheduler));
  for (const pcpu of spec.cpus) toolstack.hypervisor.cpupools.assignCpu(poolId, pcpu);
  toolstack.store.write(`${cpupoolPath(poolId)}/name`, spec.name);
  toolstack.onChange();
  return requireCpupool(toolstack, String(poolId));
}

/** libxl_cpupool_destroy: its pCPUs become free; refused while it holds a domain, and for Pool-0. */
export function destroyCpupool(toolstack: Toolstack, ref: string): CpupoolEntry {
  const pool = requireCpupool(toolstack, ref);
  if (pool.poolId === CPUPOOL_ID_POOL0)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `Can't destroy cpupool '${pool.name}': Pool-0 always exists`,
    );
  if (pool.domainCount > 0) {
    const names = domainsIn(toolstack, pool.poolId).map((r) => r.name);
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `Can't destroy cpupool '${pool.name}': it has ${pool.domainCount} domain(s) (${names.join(", ")}); cpupool-migrate or destroy them first`,
    );
  }
  wrapped(() => toolstack.hypervisor.cpupools.destroyCpupool(pool.poolId));
  toolstack.store.rm(cpupoolPath(pool.poolId));
  toolstack.onChange();
  return pool;
}

/** libxl_cpupool_rename. */
export function renameCpupool(toolstack: Toolstack, ref: string, newName: string): CpupoolEntry {
  const pool = requireCpupool(toolstack, ref);
  checkCpupoolName(newName);
  if (newName === pool.name) return pool;
  if (findCpupool(toolstack, newName) !== undefined)
    throw new ToolstackError(
      "ALREADY_EXISTS",
      `Can't rename cpupool '${pool.name}': "${newName}" already exists`,
    );
  toolstack.store.write(`${cpupoolPath(pool.poolId)}/name`, newName);
  for (const record of domainsIn(toolstack, pool.poolId)) writeDomainPoolName(toolstack, record);
  toolstack.onChange();
  return { ...pool, name: newName };
}

/** libxl_cpupool_cpuadd_cpumap: each pCPU must be free; none is added unless all can be. */
export function addCpupoolCpus(toolstack: Toolstack, ref: string, cpus: readonly number[]): CpupoolEntry {
  const pool = requireCpupool(toolstack, ref);
  const free = toolstack.hypervisor.cpupools.freeCpus();
  const taken = cpus.find((pcpu) => !free.includes(pcpu) && !pool.cpus.includes(pcpu));
  if (taken !== undefined) {
    const owner = listCpupools(toolstack).find((p) => p.cpus.includes(taken));
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cpu ${taken} is not free: it is in cpupool ${owner?.name ?? "?"}; cpupool-cpu-remove it there first`,
    );
  }
  for (const pcpu of cpus)
    if (!pool.cpus.includes(pcpu)) wrapped(() => toolstack.hypervisor.cpupools.assignCpu(pool.poolId, pcpu));
  toolstack.onChange();
  return requireCpupool(toolstack, String(pool.poolId));
}

/** libxl_cpupool_cpuremove_cpumap: refused whole if any pCPU is not in the pool or the last of a busy one. */
export function removeCpupoolCpus(toolstack: Toolstack, ref: string, cpus: readonly number[]): CpupoolEntry {
  const pool = requireCpupool(toolstack, ref);
  const outside = cpus.find((pcpu) => !pool.cpus.includes(pcpu));
  if (outside !== undefined)
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `cpu ${outside} is not in cpupool ${pool.name} (${formatCpus(pool.cpus)})`,
    );
  const left = pool.cpus.filter((pcpu) => !cpus.includes(pcpu));
  if (left.length === 0 && pool.domainCount > 0) {
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `removing cpus ${formatCpus(cpus)} would leave the ${pool.domainCount} domain(s) of cpupool ${pool.name} no CPU`,
    );
  }
  for (const pcpu of cpus) wrapped(() => toolstack.hypervisor.cpupools.unassignCpu(pool.poolId, pcpu));
  toolstack.onChange();
  return requireCpupool(toolstack, String(pool.poolId));
}

/** libxl_cpupool_movedomain: the domain runs in the pool from now on; its config says so for migration. */
export function migrateToCpupool(toolstack: Toolstack, domainRef: string, poolRef: string): DomainRecord {
  const record = toolstack.requireDomain(domainRef);
  const pool = requireCpupool(toolstack, poolRef);
  if (toolstack.isMigrating(record.domid))
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is being migrated`);
  if (pool.cpus.length === 0)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cpupool ${pool.name} has no CPU to run ${record.name} on`,
    );
  wrapped(() => toolstack.hypervisor.moveDomainToCpupool(record.domid, pool.poolId));
  if (record.domid !== DOMID_DOM0) {
    const { pool: _previous, ...rest } = record.config;
    record.config = pool.poolId === CPUPOOL_ID_POOL0 ? rest : { ...rest, pool: pool.name };
    writeDomainPoolName(toolstack, record);
  }
  toolstack.onChange();
  return record;
}

/**
 * `xl cpupool-numa-split` (xl_cpupool.c main_cpupoolnumasplit): Pool-0 is renamed Pool-node0 and
 * keeps node 0's pCPUs; every other node's pCPUs leave it for a new pool Pool-node<N> running the
 * same scheduler. Pool-0's domains stay in it. Refused once other pools exist.
 */
export function numaSplit(toolstack: Toolstack): CpupoolEntry[] {
  const pools = listCpupools(toolstack);
  if (pools.length > 1)
    throw new ToolstackError("FAILED_PRECONDITION", "splitting not possible, already cpupools in use");
  const scheduler = pools[0]!.scheduler;
  renameCpupool(toolstack, String(CPUPOOL_ID_POOL0), `${NUMA_POOL_NAME_PREFIX}0`);
  for (const node of hostNumaLayout(toolstack.spec).slice(1)) {
    removeCpupoolCpus(toolstack, String(CPUPOOL_ID_POOL0), node.pcpus);
    createCpupool(toolstack, { name: `${NUMA_POOL_NAME_PREFIX}${node.node}`, scheduler, cpus: node.pcpus });
  }
  return listCpupools(toolstack);
}

/** The domains running in a pool, by domid. */
export function domainsIn(toolstack: Toolstack, poolId: number): DomainRecord[] {
  return [...toolstack.records.values()]
    .filter((record) => toolstack.hypervisor.domainCpupool(record.domid) === poolId)
    .sort((a, b) => a.domid - b.domid);
}

function checkCpupoolName(name: string): void {
  if (!CPUPOOL_NAME_PATTERN.test(name))
    throw new ToolstackError("INVALID_ARGUMENT", `cpupool name "${name}": 1-64 of A-Z a-z 0-9 _ . : -`);
}

function hostOf(toolstack: Toolstack): string {
  return toolstack.spec.hostId;
}

function wrapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toToolstackError(error);
  }
}

/** What `cpus`/`nodes` of a cpupool config select (xl_cpupool.c main_cpupoolcreate). */
export interface CpupoolCpuSelection {
  cpus: readonly number[];
  cpuList: string;
  nodes: readonly number[];
}

/**
 * The pCPUs a new pool gets: `nodes` = every free pCPU of those nodes (none free is an error, "no
 * free cpu found"); else the `cpus` list or range, each of which must exist and be free.
 */
export function selectCreateCpus(toolstack: Toolstack, selection: CpupoolCpuSelection): number[] {
  const free = toolstack.hypervisor.cpupools.freeCpus();
  if (selection.nodes.length > 0) {
    const onNodes = selection.nodes.flatMap((node) => parseCpus(toolstack, `node:${node}`));
    const cpus = free.filter((pcpu) => onNodes.includes(pcpu));
    if (cpus.length === 0)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `no free cpu found on node(s) ${selection.nodes.join(",")}`,
      );
    return cpus;
  }
  if (selection.cpuList !== "") return parseCpus(toolstack, selection.cpuList);
  return [...selection.cpus];
}

/** A cpu list as xl's parse_cpurange takes it ("3", "2-5,^4", "node:0", "all") on this host. */
export function parseCpus(toolstack: Toolstack, text: string): number[] {
  const cpus = hostCpus(toolstack.spec);
  return wrapped(() => [...parseCpuList(text, cpus.pcpuCount, cpus.nodePcpus).list()]);
}
