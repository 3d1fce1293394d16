import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type handleUnaryCall,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { createClusterPki } from "../services/identity/cluster-pki.js";
import { loadIdentity } from "../services/identity/pki.js";
import { clusterServerCredentials } from "../services/transport/tls/grpc-credentials.js";
import { bytesMethod } from "./noop-service.js";
import { frameMessage, unframeReply, WireCallError, WireClient } from "./wire-client.js";

// The benches' gRPC client against a real grpc-js server: what a grpc-js client would get.
const SERVICE: ServiceDefinition = {
  echo: bytesMethod("/t.T/Echo"),
  big: bytesMethod("/t.T/Big"),
  refuse: bytesMethod("/t.T/Refuse"),
};
/** Larger than one HTTP/2 DATA frame (16 KiB), so the reply comes in several chunks. */
const BIG_REPLY = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
const seenHeaders: Record<string, unknown>[] = [];
const echo: handleUnaryCall<Buffer, Buffer> = (call, callback) => {
  seenHeaders.push(call.metadata.getMap());
  callback(null, Buffer.concat([Buffer.from("echo:"), call.request]));
};
const big: handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, BIG_REPLY);
const refuse: handleUnaryCall<Buffer, Buffer> = (_call, callback) =>
  callback({ code: status.NOT_FOUND, details: "domain « web » 100% gone", metadata: new Metadata() });

async function serve(credentials: ServerCredentials): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(SERVICE, { echo, big, refuse });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

describe("WireClient", () => {
  let plain: { server: Server; address: string };
  let client: WireClient;
  beforeAll(async () => {
    plain = await serve(ServerCredentials.createInsecure());
    client = new WireClient(plain.address);
  });
  afterAll(() => {
    client.close();
    plain.server.forceShutdown();
  });

  it("sends the request and returns the reply's message, as grpc-js's client does", async () => {
    const reply = await client.unary("/t.T/Echo", Buffer.from("hello"));
    expect(reply.toString()).toBe("echo:hello");
    expect(seenHeaders.at(-1)).toMatchObject({ "user-agent": "xsim-bench-wire-client" });
  });

  it("joins a reply that came in many chunks", async () => {
    const reply = await client.unary("/t.T/Big", Buffer.alloc(0));
    expect(reply.equals(BIG_REPLY)).toBe(true);
  });

  it("fails a refused call with the server's status and its message, decoded", async () => {
    const error = await client.unary("/t.T/Refuse", Buffer.alloc(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WireCallError);
    expect(error).toMatchObject({ code: status.NOT_FOUND, details: "domain « web » 100% gone" });
  });

  it("fails a method the server does not have with UNIMPLEMENTED", async () => {
    const error = await client.unary("/t.T/Nope", Buffer.alloc(0)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: status.UNIMPLEMENTED });
  });

  it("keeps many calls in flight on one connection", async () => {
    const replies = await Promise.all(
      Array.from({ length: 64 }, (_, i) => client.unary("/t.T/Echo", Buffer.from(String(i)))),
    );
    expect(replies.map(String)).toEqual(Array.from({ length: 64 }, (_, i) => `echo:${i}`));
  });
});

describe("WireClient over the cluster's mutual TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "xsim-wire-client-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("calls a host's server as the operator, and refuses a server that is not a host", async () => {
    createClusterPki(dir, { hostIds: ["h1"] });
    const operator = { kind: "tls" as const, identity: loadIdentity(dir, "operator", "operator") };
    const host = await serve(clusterServerCredentials(loadIdentity(dir, "host", "h1")));
    const scheduler = await serve(clusterServerCredentials(loadIdentity(dir, "scheduler", "scheduler")));
    const toHost = new WireClient(host.address, operator);
    const toScheduler = new WireClient(scheduler.address, operator, ["host"]);
    try {
      expect(String(await toHost.unary("/t.T/Echo", Buffer.from("x")))).toBe("echo:x");
      await expect(toScheduler.unary("/t.T/Echo", Buffer.from("x"))).rejects.toThrow(/expected a host/);
    } finally {
      toHost.close();
      toScheduler.close();
      host.server.forceShutdown();
      scheduler.server.forceShutdown();
    }
  });
});

describe("gRPC message framing", () => {
  it("prefixes a message with 0 and its length, and takes it back out", () => {
    const frame = frameMessage(Buffer.from("abc"));
    expect([...frame]).toEqual([0, 0, 0, 0, 3, 97, 98, 99]);
    expect(String(unframeReply(frame))).toBe("abc");
  });

  it("says what is wrong with a reply that is short, too long or compressed", () => {
    expect(unframeReply(Buffer.from([0, 0, 0]))).toMatch(/no message/);
    expect(unframeReply(Buffer.from([0, 0, 0, 0, 2, 1]))).toMatch(/says 2 bytes but 1 came/);
    expect(unframeReply(Buffer.from([1, 0, 0, 0, 1, 1]))).toMatch(/compressed/);
  });
});
