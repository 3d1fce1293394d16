import { BLKIF_SEGMENT_COUNT_MAX } from "../../core/io/ring.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { formatByteSize, parseByteSize } from "../../core/workload/byte-size.js";
import { ToolstackError } from "../errors.js";
import { parseBytesPerSecond } from "../precopy/parse-bandwidth.js";

/** A guest's network load, in bytes per second seen from the guest: tx it sends, rx it receives. */
export interface NetIoSpec {
  txBytesPerSecond: number;
  rxBytesPerSecond: number;
}

/** A guest's disk load: requests per second of `requestByteCount` bytes each. */
export interface DiskIoSpec {
  readRequestsPerSecond: number;
  writeRequestsPerSecond: number;
  requestByteCount: number;
}

/** xl.cfg `xsim_io`, e.g. `net:tx=20MB/s,rx=5MB/s;disk:read=100iops,write=50iops,size=4K`. */
export interface IoSpec {
  net?: NetIoSpec;
  disk?: DiskIoSpec;
}

/** 100 Gbit/s: the most network load one guest may ask for. */
export const NET_BYTES_PER_SECOND_MAX = 12.5e9;
/** The most disk requests per second one guest may ask for. */
export const DISK_REQUESTS_PER_SECOND_MAX = 1_000_000;
/** A disk request is whole 512-byte sectors, at most one blkif request's 11 pages. */
export const SECTOR_BYTES = 512;
export const DISK_REQUEST_BYTE_COUNT_MAX = BLKIF_SEGMENT_COUNT_MAX * PAGE_SIZE_BYTES;
export const DISK_REQUEST_BYTE_COUNT_DEFAULT = PAGE_SIZE_BYTES;
/** Longest spec accepted, so a bad peer cannot make error messages huge. */
const SPEC_TEXT_LENGTH_MAX = 256;
const IOPS_PATTERN = /^(\d+(?:\.\d+)?)(?:iops)?$/;

/** An `xsim_io` spec that does not parse; the message names the spec and the bad part. */
export class IoSpecError extends ToolstackError {
  constructor(specText: string, detail: string) {
    super("INVALID_ARGUMENT", `xsim_io "${specText}": ${detail}`);
    this.name = "IoSpecError";
  }
}

/** Parses `net:tx=R,rx=R;disk:read=N,write=N,size=S` (either part optional; `none` or "" for no I/O). */
export function parseIoSpec(text: string): IoSpec {
  if (text.length > SPEC_TEXT_LENGTH_MAX) {
    throw new IoSpecError(`${text.slice(0, 32)}...`, `longer than ${SPEC_TEXT_LENGTH_MAX} characters`);
  }
  const trimmed = text.trim();
  const spec: IoSpec = {};
  if (trimmed === "" || trimmed === "none") return spec;
  for (const part of trimmed.split(";").map((p) => p.trim())) {
    const colon = part.indexOf(":");
    const kind = colon < 0 ? part : part.slice(0, colon);
    const params = readParams(trimmed, kind, colon < 0 ? "" : part.slice(colon + 1));
    if (kind === "net") {
      if (spec.net) throw new IoSpecError(trimmed, "net given twice");
      spec.net = netSpec(trimmed, params);
    } else if (kind === "disk") {
      if (spec.disk) throw new IoSpecError(trimmed, "disk given twice");
      spec.disk = diskSpec(trimmed, params);
    } else {
      throw new IoSpecError(trimmed, `unknown device kind "${kind}" (expected net or disk)`);
    }
  }
  return spec;
}

const KEYS_BY_KIND: Record<string, readonly string[]> = {
  net: ["tx", "rx"],
  disk: ["read", "write", "size"],
};

function readParams(text: string, kind: string, paramsText: string): Map<string, string> {
  const known = KEYS_BY_KIND[kind] ?? [];
  const params = new Map<string, string>();
  for (const item of paramsText === "" ? [] : paramsText.split(",")) {
    const equals = item.indexOf("=");
    const key = item.slice(0, Math.max(0, equals)).trim();
    if (equals <= 0) throw new IoSpecError(text, `"${item}" is not key=value`);
    if (known.length > 0 && !known.includes(key)) {
      throw new IoSpecError(text, `unknown parameter "${key}" for ${kind} (expected ${known.join(", ")})`);
    }
    if (params.has(key)) throw new IoSpecError(text, `${kind} ${key} given twice`);
    params.set(key, item.slice(equals + 1).trim());
  }
  return params;
}

function netSpec(text: string, params: Map<string, string>): NetIoSpec {
  const rate = (key: string): number => {
    const value = params.get(key);
    if (value === undefined || Number.parseFloat(value) === 0) return 0;
    let bytesPerSecond: number;
    try {
      bytesPerSecond = parseBytesPerSecond(value);
    } catch {
      throw new IoSpecError(text, `net ${key}: "${value}" is not a rate (e.g. 20MB/s, 100Mbit/s)`);
    }
    if (bytesPerSecond > NET_BYTES_PER_SECOND_MAX)
      throw new IoSpecError(text, `net ${key}: ${value} is above ${NET_BYTES_PER_SECOND_MAX / 1e9}GB/s`);
    return bytesPerSecond;
  };
  return { txBytesPerSecond: rate("tx"), rxBytesPerSecond: rate("rx") };
}

function diskSpec(text: string, params: Map<string, string>): DiskIoSpec {
  const iops = (key: string): number => {
    const value = params.get(key);
    if (value === undefined) return 0;
    const match = IOPS_PATTERN.exec(value);
    if (!match) throw new IoSpecError(text, `disk ${key}: "${value}" is not a request rate (e.g. 100iops)`);
    const perSecond = Number(match[1]);
    if (perSecond > DISK_REQUESTS_PER_SECOND_MAX)
      throw new IoSpecError(text, `disk ${key}: ${value} is above ${DISK_REQUESTS_PER_SECOND_MAX}iops`);
    return perSecond;
  };
  const sizeText = params.get("size");
  const byteCount = sizeText === undefined ? DISK_REQUEST_BYTE_COUNT_DEFAULT : parseByteSize(sizeText);
  if (byteCount === undefined || byteCount < SECTOR_BYTES || byteCount % SECTOR_BYTES !== 0) {
    throw new IoSpecError(text, `disk size: "${sizeText}" is not a whole number of 512-byte sectors`);
  }
  if (byteCount > DISK_REQUEST_BYTE_COUNT_MAX) {
    throw new IoSpecError(
      text,
      `disk size: ${sizeText} is above one blkif request (${DISK_REQUEST_BYTE_COUNT_MAX / 1024}K)`,
    );
  }
  return {
    readRequestsPerSecond: iops("read"),
    writeRequestsPerSecond: iops("write"),
    requestByteCount: byteCount,
  };
}

/** The canonical spec string; `parseIoSpec(formatIoSpec(spec))` equals `spec`. */
export function formatIoSpec(spec: IoSpec): string {
  const parts: string[] = [];
  if (spec.net) {
    const { txBytesPerSecond: tx, rxBytesPerSecond: rx } = spec.net;
    parts.push(`net:${[tx > 0 ? `tx=${tx}B/s` : "", rx > 0 ? `rx=${rx}B/s` : ""].filter(Boolean).join(",")}`);
  }
  if (spec.disk) {
    const { readRequestsPerSecond: read, writeRequestsPerSecond: write, requestByteCount } = spec.disk;
    parts.push(`disk:read=${read}iops,write=${write}iops,size=${formatByteSize(requestByteCount)}`);
  }
  return parts.length === 0 ? "none" : parts.join(";");
}
