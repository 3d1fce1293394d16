import { afterAll, beforeAll, describe } from "vitest";
import { connect, type NatsConnection } from "nats";
import { startNatsServer, type NatsServerHandle } from "./support/nats-server.js";
import { NatsKvStore } from "../services/transport/kv/nats-kv-store.js";
import { stateStoreCases } from "../services/contracts/state-store.case.js";

let nats: NatsServerHandle;
let connection: NatsConnection;

beforeAll(async () => {
  // The store's conformance suite writes keys of its own: a server without cluster users.
  nats = await startNatsServer("plain");
  connection = await connect({ servers: nats.url });
});

afterAll(async () => {
  await connection?.close();
  await nats?.stop();
});

describe("NatsKvStore (JetStream KV on a real nats-server)", () => {
  stateStoreCases(() => NatsKvStore.open(connection));
});
