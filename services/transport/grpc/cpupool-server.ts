import type { CpupoolInfo, CpupoolServer } from "../../gen/xensim/v1/cpupool.js";
import { SCHEDULER_NAMES, type SchedulerName } from "../../core/sched/index.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import { ToolstackError } from "../../dom0/errors.js";
import {
  type CpupoolEntry,
  addCpupoolCpus,
  createCpupool,
  destroyCpupool,
  domainsIn,
  listCpupools,
  migrateToCpupool,
  numaSplit,
  parseCpus,
  removeCpupoolCpus,
  renameCpupool,
  requireCpupool,
  selectCreateCpus,
} from "../../dom0/cpupool.js";
import { unary } from "./status.js";

/** The Cpupool service: `xl cpupool-*` on one host, each RPC handed to dom0/cpupool.ts. */
export function cpupoolServer(toolstack: Toolstack): CpupoolServer {
  const info = (pool: CpupoolEntry): CpupoolInfo => cpupoolInfo(toolstack, pool);
  const listReply = (pools: readonly CpupoolEntry[]) => ({
    pools: pools.map(info),
    freeCpus: toolstack.hypervisor.cpupools.freeCpus(),
  });
  return {
    list: unary((request) =>
      listReply(request.pool === "" ? listCpupools(toolstack) : [requireCpupool(toolstack, request.pool)]),
    ),
    create: unary((request) => {
      const cpus = selectCreateCpus(toolstack, request);
      const spec = { name: request.name, cpus, ...schedulerOf(request.sched) };
      const pool = createCpupool(toolstack, spec, request.dryRun);
      return request.dryRun ? { ...info({ ...pool, poolId: 0 }), domains: [] } : info(pool);
    }),
    destroy: unary((request) =>
      info({ ...destroyCpupool(toolstack, request.pool), cpus: [], domainCount: 0 }),
    ),
    rename: unary((request) => info(renameCpupool(toolstack, request.pool, request.newName))),
    cpuAdd: unary((request) =>
      info(addCpupoolCpus(toolstack, request.pool, parseCpus(toolstack, request.cpus))),
    ),
    cpuRemove: unary((request) =>
      info(removeCpupoolCpus(toolstack, request.pool, parseCpus(toolstack, request.cpus))),
    ),
    migrate: unary((request) => {
      migrateToCpupool(toolstack, request.domain, request.pool);
      return info(requireCpupool(toolstack, request.pool));
    }),
    numaSplit: unary(() => listReply(numaSplit(toolstack))),
  };
}

function schedulerOf(text: string): { scheduler?: SchedulerName } {
  if (text === "") return {};
  const known = SCHEDULER_NAMES.find((name) => name === text);
  if (known === undefined)
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `Unknown scheduler "${text}" (this host runs ${SCHEDULER_NAMES.join(", ")})`,
    );
  return { scheduler: known };
}

function cpupoolInfo(toolstack: Toolstack, pool: CpupoolEntry): CpupoolInfo {
  const domains = toolstack.hypervisor.cpupools.hasCpupool(pool.poolId)
    ? domainsIn(toolstack, pool.poolId)
    : [];
  return {
    poolId: pool.poolId,
    name: pool.name,
    sched: pool.scheduler,
    cpus: [...pool.cpus],
    domainCount: pool.domainCount,
    domains: domains.map((record) => record.name),
  };
}
