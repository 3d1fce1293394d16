import { migrationConformance } from "../../host/migration.case.js";
import { HostService } from "../../wiring/host-service.js";
import type { Statefile } from "../../contracts/statefile.js";

const SPEC = { pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };

function hostService(hostId: string, seed: number, statefile?: Statefile): HostService {
  return new HostService({
    spec: { ...SPEC, hostId },
    dom0: { memoryMib: 256, vcpus: 1 },
    seed,
    listenAddress: "127.0.0.1:0",
    bus: undefined,
    heartbeatIntervalMs: 1000,
    ...(statefile ? { statefile } : {}),
  });
}

migrationConformance(
  "gRPC links (two Hosts, each behind its own gRPC server on loopback)",
  async (options) => {
    const source = hostService("src", 1);
    const destination = hostService("dst", 2, options?.destinationStatefile);
    await Promise.all([source.start(), destination.start()]);
    return {
      source: source.host,
      destination: destination.host,
      // Port 1 (tcpmux) answers nowhere on loopback: connection refused.
      unreachableAddress: "127.0.0.1:1",
      close: async () => {
        await Promise.all([source.stop(), destination.stop()]);
      },
    };
  },
);
