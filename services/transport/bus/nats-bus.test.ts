import { afterAll, beforeAll } from "vitest";
import { busConformance } from "./bus.case.js";
import { NatsBus } from "./nats-bus.js";
import { startNatsServer, type NatsServerHandle } from "../../../tests/support/nats-server.js";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
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
