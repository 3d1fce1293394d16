import { join } from "node:path";
import {
  CreateRequest,
  CreateResponse,
  DomainRef,
  HostInfo,
  HostService,
  InfoRequest,
} from "../services/gen/xensim/v1/host.js";
import type { ClusterSecurity } from "../services/transport/tls/cluster-credentials.js";
import type { ChildSet, ReadyChild } from "./children.js";
import { WireClient } from "./wire-client.js";

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

/**
 * The Host RPCs the benches call, through their own gRPC client (bench/wire-client.ts): the same
 * requests, encoded by the generated code, and the replies decoded by it, as a HostClient would.
 */
export class BenchHostClient {
  private readonly wire: WireClient;

  constructor(address: string, security: ClusterSecurity = { kind: "insecure" }) {
    this.wire = new WireClient(address, security);
  }

  async create(request: CreateRequest): Promise<CreateResponse> {
    const reply = await this.wire.unary(HostService.create.path, CreateRequest.encode(request).finish());
    return CreateResponse.decode(reply);
  }

  async destroy(request: DomainRef): Promise<void> {
    await this.wire.unary(HostService.destroy.path, DomainRef.encode(request).finish());
  }

  async info(): Promise<HostInfo> {
    return HostInfo.decode(await this.wire.unary(HostService.info.path, InfoRequest.encode({}).finish()));
  }

  close(): void {
    this.wire.close();
  }
}

export async function createDomain(client: BenchHostClient, name: string): Promise<number> {
  const reply = await client.create({
    configText: benchDomainConfig(name),
    configFileName: `${name}.cfg`,
    overrides: [],
    paused: false,
    configJson: "",
  });
  if (!reply.domain) throw new Error(`create ${name}: the reply has no domain`);
  return reply.domain.domid;
}

export async function destroyDomain(client: BenchHostClient, domid: number): Promise<void> {
  await client.destroy({ domain: String(domid) });
}

/** One round trip: Create a uniquely named domain, then Destroy it. */
export function createDestroyOp(client: BenchHostClient, namePrefix: string): () => Promise<void> {
  let sequence = 0;
  return async () => {
    const domid = await createDomain(client, `${namePrefix}${sequence++}`);
    await destroyDomain(client, domid);
  };
}

export async function infoHostId(client: BenchHostClient): Promise<string> {
  return (await client.info()).hostId;
}
