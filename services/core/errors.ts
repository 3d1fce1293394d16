/**
 * Expected refusals from the hypervisor, named after the errno Xen's hypercalls return, so the
 * toolstack can map them to gRPC status codes. A broken invariant is a bug and throws a plain Error.
 */
export type XenErrno = "ENOMEM" | "ESRCH" | "EEXIST" | "EINVAL" | "EBUSY" | "ENOSPC" | "EPERM" | "EOPNOTSUPP";

export class XenError extends Error {
  constructor(
    readonly errno: XenErrno,
    message: string,
  ) {
    super(message);
    this.name = "XenError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
