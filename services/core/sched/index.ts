export {
  CPUPOOL_COUNT_MAX,
  CPUPOOL_ID_POOL0,
  type CpupoolInfo,
  HostScheduler,
  VCPU_COUNT_PER_DOMAIN_MAX,
  type SchedDomainSetup,
  formatCpus,
} from "./host-scheduler.js";
export { createSchedPolicy } from "./create-policy.js";
export {
  SCHEDULER_NAMES,
  type SchedDomainParams,
  type SchedPoolParams,
  type SchedulerName,
} from "./policy.js";
export { CpuMask, PCPU_COUNT_MAX } from "./cpu-mask.js";
export { RTDS_VCPU_PARAMS_DEFAULT } from "./rtds/rtds-policy.js";
export type { RtdsVcpuParams } from "./rtds/unit.js";
export { CpuListError, parseCpuList } from "./cpu-list.js";
export { type VcpuInfo, formatVcpuState, vcpuInfoOf } from "./vcpu-info.js";
export type { VcpuRunState } from "./vcpu.js";
export {
  type CpuDemandSpec,
  CpuDemandSpecError,
  formatCpuDemandSpec,
  parseCpuDemandSpec,
} from "./demand/index.js";
