import { mibToKib } from "../core/units.js";
import { ToolstackError } from "./errors.js";
import { MEMORY_MIB_MAX } from "./xlcfg/build-resources.js";

/** The largest memory size an RPC may ask for, in KiB: the same 16 TiB an xl.cfg may give. */
export const MEMORY_KIB_ARG_MAX = mibToKib(MEMORY_MIB_MAX);

/** A memory size from a user (mem-set, mem-max): a whole number of KiB in 1..16 TiB, or INVALID_ARGUMENT. */
export function checkMemoryKibArg(memoryKib: number, field: string): void {
  if (!Number.isSafeInteger(memoryKib) || memoryKib < 1 || memoryKib > MEMORY_KIB_ARG_MAX) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `${field} ${memoryKib} KiB is out of range: must be between 1 KiB and ${MEMORY_KIB_ARG_MAX} KiB (${MEMORY_MIB_MAX / 1024 / 1024} TiB)`,
    );
  }
}
