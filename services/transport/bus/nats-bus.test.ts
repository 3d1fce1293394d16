import { afterAll, beforeAll } from "vitest";
import { busConformance } from "./bus.case.js";
import { NatsBus } from "./nats-bus.js";
import { startNatsServer, type NatsServerHandle } from "../../../tests/support/nats-server.js";

let server: NatsServerHandle;
beforeAll(async () => {
  // The bus conformance suite publishes on subjects of its own: a server without cluster users.
  server = await startNatsServer("plain");
});
afterAll(async () => {
  await server.stop();
});

busConformance("NatsBus over a real nats-server", async () => {
  const publisher = await NatsBus.connect({ servers: server.url, name: "pub" });
  const subscriber = await NatsBus.connect({ servers: server.url, name: "sub" });
  return {
    publisher,
    subscriber,
    close: async () => {
      await publisher.close();
      await subscriber.close();
    },
  };
});
