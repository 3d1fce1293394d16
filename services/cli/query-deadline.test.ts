import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { CreateRequest, HostClient, HostService } from "../gen/xensim/v1/host.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { QUERY_METHOD_PATHS, queryDeadlineInterceptor } from "./query-deadline.js";

/** Short, for the test: the CLI's is CLI_QUERY_DEADLINE_MS. */
const TEST_DEADLINE_MS = 300;
/** How long the test lets a change wait before it gives up on it itself. */
const CHANGE_WAIT_MS = 1_000;

/** A host that takes every call and answers none: a stalled host, as a client sees it. */
let server: Server;
let address: string;
let client: InstanceType<typeof HostClient>;

beforeAll(async () => {
  server = new Server();
  const never = () => undefined;
  server.addService(HostService, { list: never, create: never, info: never });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  address = `127.0.0.1:${port}`;
  client = new HostClient(address, credentials.createInsecure(), {
    interceptors: [queryDeadlineInterceptor(address, TEST_DEADLINE_MS)],
  });
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error("answered");
    },
    (error: ServiceError) => error,
  );
}

describe("the CLI's deadline on queries (a host that does not answer)", () => {
  it("a query fails at the deadline, saying who did not answer what, and that nothing changed", async () => {
    const error = await failure(unaryCall(client.list.bind(client), { domains: [] }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toBe(
      `${address} did not answer List within 0.3 s (stalled, overloaded or cut off); a query changes nothing`,
    );
  });

  it("a change has no deadline: it is still waiting well past the queries' one", async () => {
    let settled: ServiceError | null | undefined;
    const call = client.create(CreateRequest.fromPartial({}), (error) => (settled = error));
    await new Promise((resolve) => setTimeout(resolve, CHANGE_WAIT_MS));
    expect(settled, "no answer and no deadline yet").toBeUndefined();
    call.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled?.code).toBe(status.CANCELLED);
  });

  it("a query's own deadline is kept (the interceptor adds one only when there is none)", async () => {
    const started = Date.now();
    const error = await failure(
      unaryCall(client.info.bind(client), {}, { deadline: Date.now() + CHANGE_WAIT_MS }),
    );
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CHANGE_WAIT_MS - 50);
  });

  it("the queries are reads only", () => {
    const reads = /\/(List\w*|Info|\w*List|Top|Lookup|MemoryChecksum|Uptime|Dmesg|Console)$/;
    for (const path of QUERY_METHOD_PATHS) expect(path).toMatch(reads);
  });
});
