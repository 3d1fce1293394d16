import { closeSync, fstatSync, openSync, rmSync, writeSync } from "node:fs";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { fileError } from "./migrate/file-errors.js";

/** docs/specs/dump-core.md: the file starts with this magic, then the version. */
export const CORE_MAGIC = "XSIMCORE";
export const CORE_VERSION = 1;
export const CORE_HEADER_BYTE_COUNT = 64;
/** Pages written per write(2): 4 MiB, the size of a migration batch. */
const PAGE_COUNT_PER_WRITE = 1024;

export interface CoreDump {
  record: DomainRecord;
  pageCount: number;
  byteCount: number;
  /** xxh64 of the page data, as `xsim checksum` prints the guest's memory. */
  checksum: string;
}

/**
 * `xl dump-core DOMAIN FILE`: the guest's pages to `realPath` (already confined by the caller), in
 * pfn order after a 64-byte header (docs/specs/dump-core.md). Written in one synchronous pass, so
 * the guest cannot write in between: the file is the memory of one instant, and its checksum too.
 */
export function dumpCore(toolstack: Toolstack, ref: string, realPath: string): CoreDump {
  const record = toolstack.requireDomUToChange(ref);
  const memory = toolstack.domainOf(record).memory;
  const pageCount = memory.pageCount;
  const outcome = `no core was dumped; ${record.name} runs on`;
  let fd: number;
  try {
    fd = openSync(realPath, "w", 0o600);
  } catch (error) {
    throw fileError(error, "write", realPath, outcome);
  }
  try {
    writeSync(fd, coreHeader(record, pageCount));
    const buffer = new Uint8Array(PAGE_COUNT_PER_WRITE * PAGE_SIZE_BYTES);
    for (let first = 0; first < pageCount; first += PAGE_COUNT_PER_WRITE) {
      const count = Math.min(PAGE_COUNT_PER_WRITE, pageCount - first);
      for (let i = 0; i < count; i++) memory.copyPageTo(first + i, buffer, i * PAGE_SIZE_BYTES);
      writeSync(fd, buffer, 0, count * PAGE_SIZE_BYTES);
    }
  } catch (error) {
    // A partial core is no core: removed, if it is a file of its own (never a device such as /dev/full).
    const partial = fstatSync(fd).isFile();
    closeSync(fd);
    if (partial) rmSync(realPath, { force: true });
    throw fileError(error, "write", realPath, outcome);
  }
  closeSync(fd);
  const byteCount = CORE_HEADER_BYTE_COUNT + pageCount * PAGE_SIZE_BYTES;
  toolstack.log(`d${record.domid} (${record.name}): core dumped, ${pageCount} pages`);
  return { record, pageCount, byteCount, checksum: memory.checksum() };
}

/** magic, version, page size, domid, 0, page count (u64), uuid (16 bytes), 16 zero bytes; little-endian. */
function coreHeader(record: DomainRecord, pageCount: number): Uint8Array {
  const header = Buffer.alloc(CORE_HEADER_BYTE_COUNT);
  header.write(CORE_MAGIC, 0, "latin1");
  header.writeUInt32LE(CORE_VERSION, 8);
  header.writeUInt32LE(PAGE_SIZE_BYTES, 12);
  header.writeUInt32LE(record.domid, 16);
  header.writeBigUInt64LE(BigInt(pageCount), 24);
  Buffer.from(record.uuid.replaceAll("-", ""), "hex").copy(header, 32);
  return header;
}
