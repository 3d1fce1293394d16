import { ToolstackError } from "./errors.js";
import type { DomainRecord } from "./toolstack.js";
import { isUuidText } from "../core/uuid-text.js";

/**
 * xl's name-or-domid lookup (libxl_domain_qualifier_to_domid): all digits means a domid. A uuid is
 * accepted too, so the cluster's scheduler can name exactly the guest it checked.
 */
export function resolveDomain(records: ReadonlyMap<number, DomainRecord>, ref: string): DomainRecord {
  if (/^\d+$/.test(ref)) {
    const record = records.get(Number(ref));
    if (record) return record;
    throw new ToolstackError("NOT_FOUND", `no domain with id ${ref}`);
  }
  if (isUuidText(ref)) {
    for (const record of records.values()) if (record.uuid === ref.toLowerCase()) return record;
    throw new ToolstackError("NOT_FOUND", `no domain with uuid ${ref}`);
  }
  for (const record of records.values()) if (record.name === ref) return record;
  throw new ToolstackError("NOT_FOUND", `no domain named "${ref}"`);
}

export function checkNameFree(records: Iterable<DomainRecord>, name: string): void {
  for (const record of records) {
    if (record.name === name) {
      throw new ToolstackError(
        "ALREADY_EXISTS",
        `a domain named "${name}" already exists (domid ${record.domid})`,
      );
    }
  }
}
