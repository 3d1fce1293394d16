import { afterEach, describe, expect, it } from "vitest";
import { credentials, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { HaClient, HaService } from "../../services/gen/xensim/v1/ha.js";
import { testCall } from "./test-call.js";

/** A Ha service on loopback whose Status never answers and whose Disable refuses. */
async function hangingHa(): Promise<{ client: InstanceType<typeof HaClient>; close: () => void }> {
  const server = new Server();
  server.addService(HaService, {
    enable: () => undefined,
    disable: (_call: unknown, callback: (error: object) => void) =>
      callback({ code: status.FAILED_PRECONDITION, details: "not now" }),
    status: () => undefined, // never answers
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new HaClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    close: () => {
      client.close();
      server.forceShutdown();
    },
  };
}

describe("testCall: a test's gRPC call with a deadline", () => {
  let close = () => undefined as void;
  afterEach(() => close());

  it("a call left unanswered fails naming the call, not as a test timeout", async () => {
    const ha = await hangingHa();
    close = ha.close;
    await expect(
      testCall("ha-status of the test scheduler", ha.client.status.bind(ha.client), {}, 50),
    ).rejects.toThrow("ha-status of the test scheduler: no answer within 50 ms (DEADLINE_EXCEEDED)");
  });

  it("a refusal is the call's own error, with its code", async () => {
    const ha = await hangingHa();
    close = ha.close;
    await expect(testCall("ha-disable", ha.client.disable.bind(ha.client), {})).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: "not now",
    });
  });
});
