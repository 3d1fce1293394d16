import { XenError, type XenErrno } from "../core/errors.js";
import { XenStoreError } from "../xenstore/errors.js";
import { XlCfgError } from "./xlcfg/errors.js";
import { WorkloadSpecError } from "../core/workload/spec.js";
import { CpuDemandSpecError, CpuListError } from "../core/sched/index.js";
import { ToolstackError, type ToolstackErrorCode } from "./errors.js";
import { PageChecksumError, StreamFormatError, StreamVerifyError } from "./stream/errors.js";

const CODE_BY_ERRNO: Record<XenErrno, ToolstackErrorCode> = {
  ENOMEM: "RESOURCE_EXHAUSTED",
  ENOSPC: "RESOURCE_EXHAUSTED",
  ESRCH: "NOT_FOUND",
  EEXIST: "ALREADY_EXISTS",
  EINVAL: "INVALID_ARGUMENT",
  EBUSY: "FAILED_PRECONDITION",
  EPERM: "FAILED_PRECONDITION",
  EOPNOTSUPP: "FAILED_PRECONDITION",
};

/** Turns an expected error from a lower layer into a ToolstackError; anything else is rethrown as is. */
export function toToolstackError(error: unknown): unknown {
  if (error instanceof ToolstackError) return error;
  if (error instanceof XenError) return new ToolstackError(CODE_BY_ERRNO[error.errno], error.message);
  if (
    error instanceof XlCfgError ||
    error instanceof WorkloadSpecError ||
    error instanceof CpuDemandSpecError ||
    error instanceof CpuListError
  ) {
    return new ToolstackError("INVALID_ARGUMENT", error.message);
  }
  if (error instanceof XenStoreError) return new ToolstackError("INVALID_ARGUMENT", error.message);
  if (error instanceof PageChecksumError || error instanceof StreamVerifyError) {
    return new ToolstackError("ABORTED", `memory verification failed: ${error.message}`);
  }
  if (error instanceof StreamFormatError)
    return new ToolstackError("INVALID_ARGUMENT", `migration stream: ${error.message}`);
  return error;
}
