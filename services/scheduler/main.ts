import { parseArgs } from "node:util";
import { Server } from "@grpc/grpc-js";
import { SystemClock } from "../wiring/system-clock.js";
import { Prng } from "../core/prng.js";
import { NatsBus } from "../transport/bus/nats-bus.js";
import { SchedulerService } from "../gen/xensim/v1/scheduler.js";
import { schedulerServer } from "../transport/grpc/scheduler-server.js";
import { GrpcHostGateway } from "../transport/grpc/host-gateway-grpc.js";
import { NatsKvStore } from "../transport/kv/nats-kv-store.js";
import { NatsStatefile } from "../transport/bus/nats-statefile.js";
import { HaService } from "../gen/xensim/v1/ha.js";
import { haServer } from "../transport/grpc/ha-server.js";
import { SchedulerProcess } from "./scheduler-process.js";
import { applySecurityFlags, SECURITY_FLAG_OPTIONS } from "../transport/tls/security-flags.js";
import { natsClientOptions } from "../transport/tls/nats-client.js";
import { serverCredentials, serverInterceptors } from "../transport/tls/cluster-credentials.js";
import { SCHEDULER_CALL_POLICY } from "../transport/tls/authorize-calls.js";
import { SERVER_OPTIONS_BASE } from "../transport/grpc/server-options.js";

/** `node dist/services/scheduler/main.js --nats nats://127.0.0.1:4222 --listen 127.0.0.1:0` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: "string", default: "127.0.0.1:0" },
      nats: { type: "string", default: "nats://127.0.0.1:4222" },
      seed: { type: "string", default: "1" },
      "missed-heartbeats": { type: "string", default: "3" },
      // The identity in the leader lease; a restart with the same id takes its own lease back at once.
      id: { type: "string" },
      // The scheduler's cluster credentials (<pki>/scheduler/), or --insecure.
      ...SECURITY_FLAG_OPTIONS,
    },
  });
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} scheduler: ${line}\n`);
  // Last line of defence: every background task catches its own errors; one that escapes is a bug
  // to log, not a reason to stop scheduling (a broker outage must not end the process).
  process.on("unhandledRejection", (reason) => log(`unhandled rejection (a bug): ${String(reason)}`));
  const security = applySecurityFlags(values, "scheduler", "scheduler");
  const bus = await NatsBus.connect({
    servers: values.nats,
    name: "xsim-scheduler",
    security: natsClientOptions(security),
  });
  const store = await NatsKvStore.open(bus.connection);
  const gateway = new GrpcHostGateway(security);
  const clock = new SystemClock();
  // HA restarts follow the leases in the statefile, never NATS heartbeats (docs/specs/ha.md §5).
  const statefile = new NatsStatefile(bus.connection);
  const schedulerProcess = new SchedulerProcess({
    clock,
    prng: new Prng(Number(values.seed)),
    bus,
    busHealth: bus,
    wallTimeMs: () => Date.now(),
    store,
    gateway,
    missedHeartbeatCountMax: Number(values["missed-heartbeats"]),
    log,
    statefile,
    schedulerId: `scheduler-${process.pid}`,
  });
  const { scheduler, ha } = schedulerProcess;
  await schedulerProcess.start();
  const server = new Server({
    ...SERVER_OPTIONS_BASE,
    interceptors: serverInterceptors(SCHEDULER_CALL_POLICY, security),
  });
  server.addService(SchedulerService, schedulerServer(scheduler));
  server.addService(HaService, haServer(ha, statefile, scheduler.clock));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(values.listen, serverCredentials(security), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `${values.listen.replace(/:\d+$/, "")}:${port}`;
  schedulerProcess.lead(values.id ?? `${address}/${process.pid}`, address);
  process.stdout.write(`${JSON.stringify({ ready: true, address, pid: process.pid })}\n`);
  const stop = () => {
    schedulerProcess.stop();
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
