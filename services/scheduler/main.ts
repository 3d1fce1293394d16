import { parseArgs } from "node:util";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SystemClock } from "../wiring/system-clock.js";
import { Prng } from "../core/prng.js";
import { NatsBus } from "../transport/bus/nats-bus.js";
import { SchedulerService } from "../gen/xensim/v1/scheduler.js";
import { schedulerServer } from "../transport/grpc/scheduler-server.js";
import { GrpcHostGateway } from "../transport/grpc/host-gateway-grpc.js";
import { Scheduler } from "./scheduler.js";
import { NatsKvStore } from "./state-store.js";
import { restartHaDomains } from "./ha-restart.js";
import { resumeEvacuations } from "./evacuate.js";
import { serveShutdownRequests } from "./host-shutdown.js";

/** Time after start-up to let heartbeats arrive before resuming interrupted operations. */
export const RESUME_DELAY_MS = 2500;

/** `node dist/services/scheduler/main.js --nats nats://127.0.0.1:4222 --listen 127.0.0.1:0` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: "string", default: "127.0.0.1:0" },
      nats: { type: "string", default: "nats://127.0.0.1:4222" },
      seed: { type: "string", default: "1" },
      "missed-heartbeats": { type: "string", default: "3" },
    },
  });
  const bus = await NatsBus.connect({ servers: values.nats, name: "xsim-scheduler" });
  const store = await NatsKvStore.open(bus.connection);
  const gateway = new GrpcHostGateway();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} scheduler: ${line}\n`);
  const scheduler = new Scheduler({
    clock: new SystemClock(),
    prng: new Prng(Number(values.seed)),
    bus,
    store,
    gateway,
    missedHeartbeatCountMax: Number(values["missed-heartbeats"]),
    log,
  });
  scheduler.onHostDown((host) => void restartHaDomains(scheduler, host));
  await scheduler.start();
  serveShutdownRequests(scheduler, bus);
  const server = new Server();
  server.addService(SchedulerService, schedulerServer(scheduler));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(values.listen, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `${values.listen.replace(/:\d+$/, "")}:${port}`;
  process.stdout.write(`${JSON.stringify({ ready: true, address, pid: process.pid })}\n`);
  setTimeout(
    () =>
      void resumeEvacuations(scheduler, (e) => log(`resumed evacuation: ${e.kind} ${e.domain} ${e.message}`)),
    RESUME_DELAY_MS,
  ).unref();
  const stop = () => {
    scheduler.stop();
    gateway.close();
    server.tryShutdown(() => void bus.close().finally(() => process.exit(0)));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`xsim-scheduler: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
