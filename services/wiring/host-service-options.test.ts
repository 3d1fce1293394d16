import { getChannelzHandlers, type ServerUnaryCall } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { HostService } from "./host-service.js";

/** How many servers channelz has registered in this process. */
async function channelzServerCount(): Promise<number> {
  const { GetServers } = getChannelzHandlers();
  return new Promise((resolve, reject) => {
    const call = { request: { start_server_id: "0", max_results: "0" } };
    GetServers(call as unknown as ServerUnaryCall<never, never>, (error, value) => {
      if (error) reject(new Error(String(error.details)));
      else resolve(((value as { server?: unknown[] }).server ?? []).length);
    });
  });
}

describe("a host's gRPC server", () => {
  it("starts with the servers' base options: channelz does not track it", async () => {
    const before = await channelzServerCount();
    const service = new HostService({
      spec: { pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400, hostId: "h1" },
      dom0: { memoryMib: 256, vcpus: 1 },
      seed: 1,
      listenAddress: "127.0.0.1:0",
      bus: undefined,
      heartbeatIntervalMs: 1000,
    });
    expect(await channelzServerCount()).toBe(before);
    await service.stop();
  });
});
