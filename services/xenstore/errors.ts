/** Errno names xenstored answers with (XS_ERROR, xen/include/public/io/xs_wire.h `xsd_errors`). */
export type XenStoreErrorCode = "EINVAL" | "EACCES" | "EEXIST" | "ENOENT" | "EPERM" | "E2BIG";

/**
 * Bad input from a caller (a path, a value, a permission, a domain's access). The operation that
 * threw changed nothing. The message starts with the code, e.g. "EACCES: domain 5 may not write ...".
 */
export class XenStoreError extends Error {
  override readonly name = "XenStoreError";
  readonly code: XenStoreErrorCode;

  constructor(code: XenStoreErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
  }
}
