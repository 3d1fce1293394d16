import { getChannelzHandlers, Server, type ServerUnaryCall } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { SERVER_OPTIONS_BASE } from "./server-options.js";

/** The servers channelz has registered in this process, by id. */
async function channelzServerIds(): Promise<string[]> {
  const { GetServers } = getChannelzHandlers();
  return new Promise((resolve, reject) => {
    const call = { request: { start_server_id: "0", max_results: "0" } };
    GetServers(call as unknown as ServerUnaryCall<never, never>, (error, value) => {
      if (error) reject(new Error(String(error.details)));
      else
        resolve(
          ((value as { server?: { ref: { server_id: string } }[] }).server ?? []).map((s) => s.ref.server_id),
        );
    });
  });
}

describe("SERVER_OPTIONS_BASE", () => {
  it("makes a server channelz does not track, where a default server is tracked", async () => {
    const before = await channelzServerIds();
    const plain = new Server();
    const tracked = await channelzServerIds();
    expect(tracked.length).toBe(before.length + 1);
    const base = new Server(SERVER_OPTIONS_BASE);
    expect(await channelzServerIds()).toEqual(tracked);
    plain.forceShutdown();
    base.forceShutdown();
  });
});
