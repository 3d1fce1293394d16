import type { Toolstack } from "../dom0/toolstack.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import type { Heartbeat } from "../contracts/heartbeat.js";

export function buildHeartbeat(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrations: { outbound: number; inbound: number },
  timeMs: number,
): Heartbeat {
  const frames = toolstack.hypervisor.frames;
  let vcpusAllocated = 0;
  for (const domain of toolstack.hypervisor.domains())
    if (domain.domid !== 0) vcpusAllocated += domain.vcpusOnline;
  return {
    hostId: toolstack.spec.hostId,
    address,
    sequence,
    timeMs,
    pcpus: toolstack.spec.pcpuCount,
    hvm: toolstack.spec.hvmCapable,
    totalMemoryKib: (frames.frameCountTotal * PAGE_SIZE_BYTES) / 1024,
    freeMemoryKib: (frames.frameCountFreeNow * PAGE_SIZE_BYTES) / 1024,
    domainCount: toolstack.hypervisor.domainCount,
    vcpusAllocated,
    migrationsOutbound: migrations.outbound,
    migrationsInbound: migrations.inbound,
    intervalMs,
    realMemoryUsedBytes: HOST_CHUNK_POOL.byteCountHeld,
  };
}
