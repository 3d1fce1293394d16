import type { Clock } from "./clock.js";
import type { Prng } from "./prng.js";
import { Domain, type DomainCreateSpec } from "./domain.js";
import { DomidAllocator } from "./domid-allocator.js";
import { XenError, assert } from "./errors.js";
import { FrameAllocator } from "./frames.js";
import type { Dom0Spec, HostSpec } from "./host-spec.js";
import { ShutdownReason } from "./domain-state.js";
import { DOMID_DOM0, DOMID_MAX, MIB, PAGE_SIZE_BYTES, kibToPages, mibToKib } from "./units.js";
import { shareCpu } from "./cpu-share.js";

/** Longest stretch of time one tick accounts for; a longer gap (a stalled process) is clipped. */
export const TICK_ELAPSED_MS_MAX = 1000;

export type DomainShutdownListener = (domain: Domain) => void;

/**
 * The hypervisor core of one host (≈ xen/): physical CPUs and frames, domains, their memory and CPU
 * time. No I/O and no clock of its own: time comes from the injected Clock, randomness from the Prng.
 */
export class Hypervisor {
  readonly frames: FrameAllocator;
  private readonly domainsById = new Map<number, Domain>();
  private readonly domids = new DomidAllocator();
  private readonly shutdownListeners: DomainShutdownListener[] = [];
  private lastTickMs: number;

  constructor(
    readonly spec: HostSpec,
    readonly clock: Clock,
    readonly prng: Prng,
  ) {
    assert(spec.pcpuCount >= 1, "a host needs at least one pCPU");
    this.frames = new FrameAllocator((spec.memoryMib * MIB) / PAGE_SIZE_BYTES);
    this.lastTickMs = clock.nowMs();
  }

  get dom0Running(): boolean {
    return this.domainsById.has(DOMID_DOM0);
  }

  /** Boot: the hypervisor builds Dom0 first; no DomU is accepted before it runs. */
  bootDom0(dom0: Dom0Spec, uuid: string): Domain {
    assert(!this.dom0Running, "Dom0 is already running");
    if (dom0.vcpus > this.spec.pcpuCount) {
      throw new XenError(
        "EINVAL",
        `Dom0 asks for ${dom0.vcpus} vCPUs but the host has ${this.spec.pcpuCount} pCPUs`,
      );
    }
    const memoryKib = mibToKib(dom0.memoryMib);
    const spec: DomainCreateSpec = {
      uuid,
      type: "pv",
      memoryKib,
      maxmemKib: memoryKib,
      vcpus: dom0.vcpus,
      maxvcpus: dom0.vcpus,
      weight: 256,
      cap: 0,
      workload: "idle",
    };
    return this.buildDomain(DOMID_DOM0, spec, "Dom0");
  }

  /** XEN_DOMCTL_createdomain + max_mem + populate_physmap: refuses whole, or builds whole. */
  createDomain(spec: DomainCreateSpec): Domain {
    if (!this.dom0Running)
      throw new XenError("EPERM", "Dom0 is not running: no DomU can be created before it");
    if (spec.type === "hvm" && !this.spec.hvmCapable) {
      throw new XenError(
        "EOPNOTSUPP",
        `host ${this.spec.hostId} has no hardware virtualisation support: HVM guests cannot run here`,
      );
    }
    if (spec.domid !== undefined) {
      if (spec.domid < 1 || spec.domid > DOMID_MAX)
        throw new XenError("EINVAL", `domid ${spec.domid} out of range 1..${DOMID_MAX}`);
      if (this.domainsById.has(spec.domid)) throw new XenError("EEXIST", `domid ${spec.domid} is in use`);
    }
    const domid = spec.domid ?? this.domids.allocate((d) => this.domainsById.has(d));
    if (spec.domid !== undefined) this.domids.skipPast(spec.domid);
    return this.buildDomain(domid, spec, `domain ${domid}`);
  }

  private buildDomain(domid: number, spec: DomainCreateSpec, what: string): Domain {
    assert(spec.maxmemKib >= spec.memoryKib, "maxmem below memory");
    assert(spec.maxvcpus >= spec.vcpus && spec.vcpus >= 1, "vcpus out of range");
    const pageCount = kibToPages(spec.memoryKib);
    this.frames.allocate(domid, pageCount, what);
    try {
      const domain = new Domain(domid, spec.uuid, spec.type, spec, this.prng.fork(domid));
      domain.paused = domid !== DOMID_DOM0; // a new DomU is paused until the toolstack unpauses it
      this.domainsById.set(domid, domain);
      return domain;
    } catch (error) {
      this.frames.releaseAll(domid);
      throw error;
    }
  }

  domain(domid: number): Domain | undefined {
    return this.domainsById.get(domid);
  }

  requireDomain(domid: number): Domain {
    const domain = this.domainsById.get(domid);
    if (!domain) throw new XenError("ESRCH", `no domain with id ${domid}`);
    return domain;
  }

  domains(): Domain[] {
    return [...this.domainsById.values()].sort((a, b) => a.domid - b.domid);
  }

  get domainCount(): number {
    return this.domainsById.size;
  }

  /** XEN_DOMCTL_destroydomain: releases memory and the domid at once. */
  destroyDomain(domid: number): void {
    if (domid === DOMID_DOM0) throw new XenError("EPERM", "Dom0 cannot be destroyed");
    const domain = this.requireDomain(domid);
    domain.dying = true;
    domain.memory.release();
    this.frames.releaseAll(domid);
    this.domainsById.delete(domid);
  }

  pauseDomain(domid: number): void {
    this.requireDomU(domid).paused = true;
  }

  unpauseDomain(domid: number): void {
    this.requireDomU(domid).paused = false;
  }

  /** SCHEDOP_shutdown from the guest (or a crash): the domain stops and the toolstack is told. */
  shutdownDomain(domid: number, reason: ShutdownReason): void {
    const domain = this.requireDomU(domid);
    if (domain.isShutdown) return;
    domain.shutdownReason = reason;
    domain.ranLastTick = false;
    for (const listener of this.shutdownListeners) listener(domain);
  }

  onDomainShutdown(listener: DomainShutdownListener): void {
    this.shutdownListeners.push(listener);
  }

  /** XEN_DOMCTL_max_mem: the most the domain may hold; never below what it holds now. */
  setMaxMem(domid: number, maxmemKib: number): void {
    const domain = this.requireDomU(domid);
    if (maxmemKib < domain.memoryKib) {
      throw new XenError(
        "EINVAL",
        `maxmem ${maxmemKib} KiB is below the domain's current ${domain.memoryKib} KiB`,
      );
    }
    domain.maxmemKib = maxmemKib;
    domain.memory.setPageCountMax(kibToPages(maxmemKib));
  }

  /** The balloon driver's work: grow or shrink the domain's allocation to `memoryKib`. */
  setDomainMemory(domid: number, memoryKib: number): void {
    const domain = this.requireDomU(domid);
    if (memoryKib > domain.maxmemKib) {
      throw new XenError("EINVAL", `memory ${memoryKib} KiB exceeds maxmem ${domain.maxmemKib} KiB`);
    }
    const pageCountNew = kibToPages(memoryKib);
    const pageCountOld = domain.memory.pageCount;
    if (pageCountNew > pageCountOld)
      this.frames.allocate(domid, pageCountNew - pageCountOld, `ballooning domain ${domid} up`);
    if (pageCountNew < pageCountOld) this.frames.release(domid, pageCountOld - pageCountNew);
    domain.memory.setPageCount(pageCountNew);
  }

  setVcpusOnline(domid: number, vcpus: number): void {
    const domain = this.requireDomain(domid);
    if (vcpus < 1 || vcpus > domain.maxvcpus) {
      throw new XenError(
        "EINVAL",
        `domain ${domid} can have 1..${domain.maxvcpus} vCPUs online (maxvcpus), not ${vcpus}`,
      );
    }
    domain.vcpusOnline = vcpus;
  }

  /** Runs the guests for the time since the last tick: workloads write memory, CPU time accrues. */
  tick(): void {
    const nowMs = this.clock.nowMs();
    const elapsedMs = Math.min(Math.max(0, nowMs - this.lastTickMs), TICK_ELAPSED_MS_MAX);
    this.lastTickMs = nowMs;
    if (elapsedMs === 0) return;
    const runnable = this.domains().filter((d) => d.isRunnable);
    const shares = shareCpu(runnable, this.spec.pcpuCount, elapsedMs);
    for (const domain of runnable) {
      const pageCountWritten = domain.workload.run(
        domain.memory,
        elapsedMs,
        domain.prng,
        domain.throttleFraction,
      );
      const cpuMs = shares.get(domain.domid) ?? 0;
      domain.cpuTimeNs += Math.round(cpuMs * 1e6);
      domain.ranLastTick = pageCountWritten > 0 || cpuMs > elapsedMs * 0.05;
    }
  }

  private requireDomU(domid: number): Domain {
    if (domid === DOMID_DOM0) throw new XenError("EPERM", "not permitted on Dom0");
    return this.requireDomain(domid);
  }
}
