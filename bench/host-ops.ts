import { join } from "node:path";
import type { HostClient } from "../services/gen/xensim/v1/host.js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import type { ChildSet, ReadyChild } from "./children.js";

/** dist/bench/ → dist/services/host/main.js */
export const HOST_MAIN_PATH = join(import.meta.dirname, "..", "services", "host", "main.js");
export const BENCH_DOMAIN_MEMORY_MIB = 32;

/** A host service; `securityArgs` are its `--pki DIR` or `--insecure` (bench/bench-pki.ts). */
export function startHost(
  children: ChildSet,
  hostId: string,
  listenHost: string,
  securityArgs: readonly string[] = ["--insecure"],
): Promise<ReadyChild> {
  const args = ["--host-id", hostId, "--listen", `${listenHost}:0`, ...securityArgs];
  return children.startNode(hostId, HOST_MAIN_PATH, args);
}

/** A small idle PV guest, as in xl.cfg(5): PV needs a kernel. */
export function benchDomainConfig(name: string): string {
  return [
    `name = "${name}"`,
    `type = "pv"`,
    `kernel = "/boot/vmlinuz-bench"`,
    `memory = ${BENCH_DOMAIN_MEMORY_MIB}`,
    `vcpus = 1`,
    `xsim_workload = "idle"`,
    "",
  ].join("\n");
}

export async function createDomain(client: HostClient, name: string): Promise<number> {
  const reply = await unaryCall(client.create.bind(client), {
    configText: benchDomainConfig(name),
    configFileName: `${name}.cfg`,
    overrides: [],
    paused: false,
    configJson: "",
  });
  if (!reply.domain) throw new Error(`create ${name}: the reply has no domain`);
  return reply.domain.domid;
}

export async function destroyDomain(client: HostClient, domid: number): Promise<void> {
  await unaryCall(client.destroy.bind(client), { domain: String(domid) });
}

/** One round trip: Create a uniquely named domain, then Destroy it. */
export function createDestroyOp(client: HostClient, namePrefix: string): () => Promise<void> {
  let sequence = 0;
  return async () => {
    const domid = await createDomain(client, `${namePrefix}${sequence++}`);
    await destroyDomain(client, domid);
  };
}

export async function infoHostId(client: HostClient): Promise<string> {
  return (await unaryCall(client.info.bind(client), {})).hostId;
}
