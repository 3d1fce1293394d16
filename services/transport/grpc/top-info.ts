import type { TopDomain, TopReply } from "../../gen/xensim/v1/host.js";
import type { DomainRecord, Toolstack } from "../../dom0/toolstack.js";
import type { CpuUsageSampler } from "../../dom0/cpu-usage.js";
import { type DomainRunState, ShutdownReason } from "../../core/domain-state.js";
import { XEN_VERSION } from "../../core/host-spec.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { ioTotals, type IoTotals } from "../../dom0/io/device-list.js";

const PERCENT = 100;
const BYTES_PER_KIB = 1024;

/** The split-driver I/O totals xentop sums over a domain's vifs and vbds. */
export type DomainIoTotals = IoTotals;

/** `xl top` (xentop): every domain's CPU, memory and I/O, and the host's totals. */
export function topReply(toolstack: Toolstack, cpuUsage: CpuUsageSampler): TopReply {
  const frames = toolstack.hypervisor.frames;
  const totalMemoryKib = (frames.frameCountTotal * PAGE_SIZE_BYTES) / BYTES_PER_KIB;
  const records = [...toolstack.records.values()].sort((a, b) => a.domid - b.domid);
  return {
    domains: records.map((record) => topDomain(toolstack, cpuUsage, record, totalMemoryKib)),
    totalMemoryKib,
    freeMemoryKib: (frames.frameCountFreeNow * PAGE_SIZE_BYTES) / BYTES_PER_KIB,
    nrCpus: toolstack.spec.pcpuCount,
    cpuMhz: toolstack.spec.cpuMhz,
    xenVersion: `${XEN_VERSION.major}.${XEN_VERSION.minor}${XEN_VERSION.extra}`,
    sampleIntervalMs: cpuUsage.intervalMs,
  };
}

function topDomain(
  toolstack: Toolstack,
  cpuUsage: CpuUsageSampler,
  record: DomainRecord,
  totalMemoryKib: number,
): TopDomain {
  const domain = toolstack.domainOf(record);
  return {
    name: record.name,
    domid: record.domid,
    state: xentopStateLetters(domain.runState()),
    cpuTimeNs: Math.round(domain.cpuTimeNs),
    cpuPercent: cpuUsage.percent(domain.domid, domain.uuid),
    memoryKib: domain.memoryKib,
    memoryPercent: (domain.memoryKib * PERCENT) / totalMemoryKib,
    maxmemKib: domain.maxmemKib,
    maxmemPercent: (domain.maxmemKib * PERCENT) / totalMemoryKib,
    vcpus: domain.vcpusOnline,
    ...domainIoTotals(toolstack, record),
    ssid: 0, // xensim runs no XSM policy: libxenstat's ssid is 0 without one
  };
}

/**
 * NETTX/NETRX/VBD_RD/VBD_WR: the netback and blkback (or QEMU) counters of the domain's devices,
 * since each device's backend last connected.
 */
export function domainIoTotals(toolstack: Toolstack, record: DomainRecord): DomainIoTotals {
  return ioTotals(toolstack.io, record);
}

/**
 * xentop's STATE column (xentop.c state_funcs): d s b c p r, "-" where clear; libxenstat counts a
 * crash as crashed, not shut down.
 */
export function xentopStateLetters(state: DomainRunState): string {
  const crashed = state.shutdown && state.shutdownReason === ShutdownReason.Crash;
  return [
    state.dying ? "d" : "-",
    state.shutdown && !crashed ? "s" : "-",
    state.blocked ? "b" : "-",
    crashed ? "c" : "-",
    state.paused ? "p" : "-",
    state.running ? "r" : "-",
  ].join("");
}
