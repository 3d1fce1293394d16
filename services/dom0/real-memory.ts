import { KIB, MIB } from "../core/units.js";
import { ToolstackError } from "./errors.js";

/**
 * The host's real-memory budget: guest pages are real bytes in the host process, so a host may
 * only take guests whose pages, every one of them written, fit in what the machine gives it
 * (`--real-memory-mib`; `xsim up` shares the machine's memory among its hosts). A guest claims its
 * maxmem: the most its workload, a fill, an incoming migration or a restore can ever populate.
 */
export interface RealMemoryClaim {
  /** What asks for memory, for the message ("domain web", "mem-max of web"). */
  what: string;
  /** Bytes the request adds to the guests' claims. */
  byteCountAdded: number;
  /** Bytes the host's guests claim already. */
  byteCountClaimed: number;
  /** The budget; Infinity when none is set. */
  byteCountMax: number;
}

/** Refuses, with RESOURCE_EXHAUSTED naming the budget, a claim that does not fit; changes nothing. */
export function checkRealMemoryClaim(claim: RealMemoryClaim): void {
  if (claim.byteCountClaimed + claim.byteCountAdded <= claim.byteCountMax) return;
  const mib = (byteCount: number) => Math.ceil(byteCount / MIB);
  throw new ToolstackError(
    "RESOURCE_EXHAUSTED",
    `${claim.what} needs ${mib(claim.byteCountAdded)} MiB of real memory, but the host's real-memory budget ` +
      `(--real-memory-mib) is ${mib(claim.byteCountMax)} MiB and its guests claim ${mib(claim.byteCountClaimed)} MiB`,
  );
}

export function kibToByteCount(memoryKib: number): number {
  return memoryKib * KIB;
}
