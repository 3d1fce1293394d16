import type { Command } from "commander";
import type { DomainVcpus } from "../gen/xensim/v1/host.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostOfDomain, requestedHost, targetHosts, type HostTarget } from "./host-routing.js";
import { formatVcpuList, formatVcpuListRows, VCPU_LIST_HEADER } from "./sched-format.js";
import { connectCliHost } from "./cli-clients.js";

interface HostVcpus {
  hostId: string;
  domain: DomainVcpus;
}

/**
 * `xsim vcpu-list [domain...]` (xl_vcpu.c): each named domain is asked of its own host, in the order
 * given; without names, every host's domains. Without -H the rows end with the host's id.
 */
export function addVcpuListCommand(program: Command, io: CliIo): void {
  program
    .command("vcpu-list")
    .description("List the VCPUs for all/some domains (every host's without -H)")
    .argument("[domains...]")
    .option("--json", "as JSON: one object per domain with its vcpus (and host without -H)")
    .action(async (domains: string[], options: { json?: boolean }) => {
      const rows = domains.length === 0 ? await everyHost(program) : await eachDomain(program, domains);
      const withHost = requestedHost(program) === undefined;
      if (options.json)
        io.out(
          JSON.stringify(
            rows.map((r) => (withHost ? r : r.domain)),
            null,
            2,
          ),
        );
      else io.out(withHost ? formatWithHost(rows) : formatVcpuList(rows.map((r) => r.domain)));
    });
}

async function vcpusOn(host: HostTarget, domains: string[]): Promise<HostVcpus[]> {
  const client = connectCliHost(host.address);
  try {
    const reply = await unaryCall(client.vcpuList.bind(client), { domains });
    return reply.domains.map((domain) => ({ hostId: host.hostId, domain }));
  } finally {
    client.close();
  }
}

async function everyHost(program: Command): Promise<HostVcpus[]> {
  const perHost = await Promise.all((await targetHosts(program)).map((host) => vcpusOn(host, [])));
  return perHost.flat();
}

async function eachDomain(program: Command, domains: string[]): Promise<HostVcpus[]> {
  const perDomain = await Promise.all(
    domains.map(async (domain) => vcpusOn(await hostOfDomain(program, domain), [domain])),
  );
  return perDomain.flat();
}

function formatWithHost(rows: HostVcpus[]): string {
  const lines = rows.flatMap((r) => formatVcpuListRows(r.domain).map((line) => `${line}\t${r.hostId}`));
  return [`${VCPU_LIST_HEADER}\tHost`, ...lines].join("\n");
}
