import { afterAll, describe, expect, it } from "vitest";
import { credentials, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { HaPeerClient, HaPeerService } from "../gen/xensim/v1/ha.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { unary } from "../transport/grpc/status.js";
import { ToolstackError } from "../dom0/errors.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { describeError } from "./error-words.js";
import { ANSWERED_TRAILER_KEY } from "../transport/grpc/answer-trailer.js";

const REFUSAL =
  "db: the cluster's state store cannot be reached (get: TIMEOUT); nothing was changed, try again";

/** A loopback server whose one RPC refuses with `error`, as a host's handler would. */
async function refusingServer(error: () => unknown): Promise<{ address: string; server: Server }> {
  const server = new Server();
  server.addService(HaPeerService, {
    ping: unary(() => {
      throw error();
    }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, server };
}

async function failureOf(address: string): Promise<unknown> {
  const client = new HaPeerClient(address, credentials.createInsecure());
  try {
    await unaryCall(client.ping.bind(client), { hostId: "h1", address: "" });
  } catch (error) {
    return error;
  } finally {
    client.close();
  }
  throw new Error("the call succeeded");
}

describe("xsim's words for a failed call, over real gRPC on loopback", () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.forceShutdown()));

  it("a host that answered UNAVAILABLE is quoted in its own words", async () => {
    const { address, server } = await refusingServer(() => new ToolstackError("UNAVAILABLE", REFUSAL));
    servers.push(server);
    const error = await failureOf(address);
    expect((error as { code: number }).code).toBe(status.UNAVAILABLE);
    expect(describeError(error)).toBe(REFUSAL);
  });

  it("a host whose state store is unavailable is quoted too", async () => {
    const { address, server } = await refusingServer(() => new StoreUnavailableError("put", "TIMEOUT"));
    servers.push(server);
    const words = describeError(await failureOf(address));
    expect(words).not.toMatch(/unreachable, no answer/);
    expect(words).toMatch(/try again$/);
  });

  it("a verb whose deadline passes (a peer that never answers): it may or may not have been done", async () => {
    const server = new Server();
    server.addService(HaPeerService, { ping: () => undefined });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    servers.push(server);
    const client = new HaPeerClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const error = await unaryCall(
      client.ping.bind(client),
      { hostId: "h1", address: "" },
      { deadline: Date.now() + 200 },
    )
      .then(() => new Error("the call succeeded"))
      .catch((e: unknown) => e)
      .finally(() => client.close());
    expect((error as { code: number }).code).toBe(status.DEADLINE_EXCEEDED);
    expect(describeError(error)).toMatch(
      /^no answer before the call's deadline \(Deadline exceeded[^)]*\); the request went out, so a change it asked for may or may not have been made: xsim list and xsim ha-status show the state$/,
    );
  });

  it("no server at the address (connection refused): unreachable, no answer", async () => {
    // Port 1 (tcpmux) answers nowhere on loopback.
    const error = await failureOf("127.0.0.1:1");
    expect((error as { code: number }).code).toBe(status.UNAVAILABLE);
    expect(describeError(error)).toMatch(/^unreachable, no answer: /);
  });
});

describe("describeError without a network", () => {
  it("UNAVAILABLE with no trailers (grpc-js's own), never connected: unreachable, no answer", () => {
    const details = "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1";
    const error = { code: status.UNAVAILABLE, details, metadata: new Metadata() };
    expect(describeError(error)).toBe(`unreachable, no answer: ${details}`);
  });

  it("the connection lost after the call went out: the change may or may not have been made", () => {
    for (const details of ["Connection dropped", "read ECONNRESET", "write EPIPE"]) {
      const error = { code: status.UNAVAILABLE, details, metadata: new Metadata() };
      expect(describeError(error)).toBe(
        `no answer: the connection dropped after the request went out (${details}); ` +
          "a change it asked for may or may not have been made: xsim list shows the state",
      );
    }
  });

  it("a peer's own DEADLINE_EXCEEDED answer, and the query deadline's words, are quoted as they are", () => {
    const trailers = new Metadata();
    trailers.set(ANSWERED_TRAILER_KEY, "1");
    const peer = { code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded", metadata: trailers };
    expect(describeError(peer)).toBe("Deadline exceeded");
    const details =
      "h1 did not answer List within 20 s (stalled, overloaded or cut off); a query changes nothing";
    expect(describeError({ code: status.DEADLINE_EXCEEDED, details, metadata: new Metadata() })).toBe(
      details,
    );
  });

  it("PERMISSION_DENIED names the refusal; other codes print the details", () => {
    expect(describeError({ code: status.PERMISSION_DENIED, details: "no", metadata: new Metadata() })).toBe(
      "refused (PERMISSION_DENIED): no",
    );
    expect(describeError({ code: status.NOT_FOUND, details: "no domain db", metadata: new Metadata() })).toBe(
      "no domain db",
    );
  });
});
