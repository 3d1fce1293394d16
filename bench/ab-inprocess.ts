import { join } from "node:path";
import { performance } from "node:perf_hooks";

// `node dist/bench/ab-inprocess.js DIST COUNT`: the host's Create and Destroy handlers of the build
// in DIST (the same hostServer that gRPC calls, each reply serialized as its server does), in this one
// process, with no gRPC and no ticks: CPU per round trip of the host's own work, far steadier on a
// loaded machine than a real host. Prints one JSON line. bench:ab --in-process runs it per side.

/** Domains kept alive while the next is created, as with 64 round trips in flight. */
export const LIVE_DOMAIN_COUNT = 64;
/** Round trips before the measured ones, so that the JIT is warm. */
export const WARMUP_ROUND_TRIP_COUNT = 3_000;

type Callback = (error: { details?: string } | null, value?: unknown) => void;
type Handler = (call: { request: unknown }, callback: Callback) => void;
/** A method of a service definition as grpc-js takes it: how its reply is serialized. */
type Definition = Record<string, { responseSerialize: (value: unknown) => Buffer } | undefined>;

export interface InProcessResult {
  distDir: string;
  roundTripCount: number;
  cpuUsPerRoundTrip: number;
}

async function importFrom<T>(distDir: string, ...paths: string[]): Promise<T> {
  let lastError: unknown;
  for (const path of paths) {
    try {
      return (await import(join(distDir, path))) as T;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Builds differ in where SystemClock lives (core/ until it moved to wiring/). */
async function loadBuild(distDir: string) {
  const { Toolstack } = await importFrom<{ Toolstack: new (...args: unknown[]) => unknown }>(
    distDir,
    "services/dom0/toolstack.js",
  );
  const { hostServer, HOST_SERVICE_DEFINITION } = await importFrom<{
    hostServer: (toolstack: unknown, hostname: string) => Record<string, Handler>;
    /** The definition the server registers (since its replies have a reused writer). */
    HOST_SERVICE_DEFINITION?: Definition;
  }>(distDir, "services/transport/grpc/host-server.js");
  const { SystemClock } = await importFrom<{ SystemClock: new () => unknown }>(
    distDir,
    "services/wiring/system-clock.js",
    "services/core/clock.js",
  );
  const { Prng } = await importFrom<{ Prng: new (seed: number) => unknown }>(
    distDir,
    "services/core/prng.js",
  );
  const { HostService } = await importFrom<{ HostService: Definition }>(
    distDir,
    "services/gen/xensim/v1/host.js",
  );
  const spec = { hostId: "inproc", pcpuCount: 8, memoryMib: 16384, hvmCapable: true, cpuMhz: 2400 };
  const toolstack = new Toolstack(spec, { memoryMib: 1024, vcpus: 2 }, new SystemClock(), new Prng(1));
  return { server: hostServer(toolstack, "inproc"), definition: HOST_SERVICE_DEFINITION ?? HostService };
}

function benchConfig(name: string): string {
  return `name = "${name}"\ntype = "pv"\nkernel = "/boot/vmlinuz-bench"\nmemory = 32\nvcpus = 1\nxsim_workload = "idle"\n`;
}

export async function runInProcess(distDir: string, roundTripCount: number): Promise<InProcessResult> {
  const { server, definition } = await loadBuild(distDir);
  const call = (method: "create" | "destroy", request: unknown) =>
    new Promise<void>((resolve, reject) => {
      const handler = server[method];
      const serialize = definition[method]?.responseSerialize;
      if (!handler || !serialize) throw new Error(`${distDir}: the host server has no ${method}`);
      handler({ request }, (error, value) => {
        if (error) reject(new Error(error.details));
        else {
          serialize(value);
          resolve();
        }
      });
    });
  const live: string[] = [];
  let sequence = 0;
  const roundTrip = async () => {
    const name = `ip${sequence++}`;
    const request = {
      configText: benchConfig(name),
      configFileName: `${name}.cfg`,
      overrides: [],
      paused: false,
      configJson: "",
    };
    await call("create", request);
    live.push(name);
    if (live.length > LIVE_DOMAIN_COUNT) await call("destroy", { domain: live.shift() });
  };
  for (let i = 0; i < WARMUP_ROUND_TRIP_COUNT; i++) await roundTrip();
  const before = process.cpuUsage();
  for (let i = 0; i < roundTripCount; i++) await roundTrip();
  const used = process.cpuUsage(before);
  return { distDir, roundTripCount, cpuUsPerRoundTrip: (used.user + used.system) / roundTripCount };
}

if (process.argv[1] === import.meta.filename) {
  const [distDir, countText = "10000"] = process.argv.slice(2);
  const started = performance.now();
  if (!distDir) {
    process.stderr.write("usage: node dist/bench/ab-inprocess.js DIST [ROUND_TRIPS]\n");
    process.exit(2);
  }
  runInProcess(distDir, Number(countText)).then(
    (result) =>
      process.stdout.write(`${JSON.stringify({ ...result, wallMs: performance.now() - started })}\n`),
    (error: unknown) => {
      process.stderr.write(
        `ab-inprocess ${distDir}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
