import { getChannelzHandlers, Server, type ServerUnaryCall } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { SERVER_OPTIONS_BASE } from "./server-options.js";
import { connectHost } from "./host-client.js";

type ChannelzList = "GetServers" | "GetTopChannels";

/** The ids of what channelz has registered in this process: servers or channels. */
async function channelzIds(list: ChannelzList): Promise<string[]> {
  const handler = getChannelzHandlers()[list] as (
    call: ServerUnaryCall<never, never>,
    callback: (error: { details?: string } | null, value?: unknown) => void,
  ) => void;
  return new Promise((resolve, reject) => {
    const call = { request: { start_server_id: "0", start_channel_id: "0", max_results: "0" } };
    handler(call as unknown as ServerUnaryCall<never, never>, (error, value) => {
      if (error) return reject(new Error(String(error.details)));
      const entries = value as {
        server?: { ref: { server_id: string } }[];
        channel?: { ref: { channel_id: string } }[];
      };
      resolve([
        ...(entries.server ?? []).map((s) => s.ref.server_id),
        ...(entries.channel ?? []).map((c) => c.ref.channel_id),
      ]);
    });
  });
}

describe("channelz off", () => {
  it("SERVER_OPTIONS_BASE makes a server channelz does not track, where a default server is tracked", async () => {
    const before = await channelzIds("GetServers");
    const plain = new Server();
    const tracked = await channelzIds("GetServers");
    expect(tracked.length).toBe(before.length + 1);
    const base = new Server(SERVER_OPTIONS_BASE);
    expect(await channelzIds("GetServers")).toEqual(tracked);
    plain.forceShutdown();
    base.forceShutdown();
  });

  it("a cluster channel (connectHost) is not tracked either", async () => {
    const before = await channelzIds("GetTopChannels");
    const client = connectHost("127.0.0.1:1", { kind: "insecure" });
    expect(await channelzIds("GetTopChannels")).toEqual(before);
    client.close();
  });
});
