/**
 * Which host a verb goes to. There is no silent default host: `-H` names one; otherwise a domain
 * verb goes to the host that runs the domain (the scheduler's view, or, without a scheduler, the
 * one host that answers for it), a cluster verb covers every host, and a host verb on a cluster
 * of more than one host asks for -H.
 */
import type { Command } from "commander";
import { status } from "@grpc/grpc-js";
import type { HostClient } from "../gen/xensim/v1/host.js";
import { readClusterState, resolveHostAddress } from "./cluster-state.js";
import { isServiceError, unaryCall } from "../transport/grpc/host-client.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { connectCliHost } from "./cli-clients.js";

export interface HostTarget {
  hostId: string;
  address: string;
}

/** The -H option, when given. */
export function requestedHost(program: Command): string | undefined {
  return program.opts<{ host?: string }>().host;
}

/** -H as a target: a host id of `xsim up`'s cluster, or host:port. */
function targetOf(host: string): HostTarget {
  return { hostId: host, address: resolveHostAddress(host) };
}

/** Every host of the cluster: the scheduler's view when one runs, else what `xsim up` recorded. */
export async function clusterHosts(): Promise<HostTarget[]> {
  return (await clusterHostsAndDown()).hosts;
}

/**
 * clusterHosts, and the hosts the scheduler has declared down (no heartbeat), which are left out:
 * a verb that covers every host says it did not ask them (their guests may still run).
 */
export async function clusterHostsAndDown(): Promise<{
  hosts: HostTarget[];
  downHostIds: string[];
  /** The down hosts with their addresses, for a verb that asks them anyway (`list -c`). */
  downHosts: HostTarget[];
  /** HostListReply.broker_note: why the down hosts may be fine (the scheduler's broker outage). */
  brokerNote: string;
}> {
  const scheduler = schedulerAddress();
  if (scheduler) {
    const client = connectScheduler(scheduler);
    try {
      const reply = await unaryCall(client.hostList.bind(client), {});
      return {
        hosts: reply.hosts
          .filter((h) => h.state !== "down")
          .map((h) => ({ hostId: h.hostId, address: h.address })),
        downHostIds: reply.hosts.filter((h) => h.state === "down").map((h) => h.hostId),
        downHosts: reply.hosts
          .filter((h) => h.state === "down")
          .map((h) => ({ hostId: h.hostId, address: h.address })),
        brokerNote: reply.brokerNote,
      };
    } finally {
      client.close();
    }
  }
  const state = readClusterState();
  if (!state) throw new Error("no cluster is up: run `xsim up` first, or pass -H host:port");
  return {
    hosts: state.hosts.map((h) => ({ hostId: h.hostId, address: h.address })),
    downHostIds: [],
    downHosts: [],
    brokerNote: "",
  };
}

/** The hosts a cluster-wide verb (info, top, migrations, vcpu-list) covers: -H's, else all. */
export async function targetHosts(program: Command): Promise<HostTarget[]> {
  const host = requestedHost(program);
  return host ? [targetOf(host)] : clusterHosts();
}

/** The one host a host verb goes to: -H, or the cluster's only host; otherwise an error asking for -H. */
export async function oneHost(program: Command, verb: string): Promise<HostTarget> {
  const host = requestedHost(program);
  if (host) return targetOf(host);
  const hosts = await clusterHosts();
  if (hosts.length === 1) return hosts[0]!;
  throw new Error(
    `${verb} works on one host: name it with -H (the cluster has ${hosts.map((h) => h.hostId).join(", ") || "no host up"})`,
  );
}

export async function oneHostClient(program: Command, verb: string): Promise<HostClient> {
  return connectCliHost((await oneHost(program, verb)).address);
}

/** Where `domain` (a name or domid) runs: -H's host, else the scheduler's view, else the host that has it. */
export async function hostOfDomain(program: Command, domain: string): Promise<HostTarget> {
  const host = requestedHost(program);
  if (host) return targetOf(host);
  const scheduler = schedulerAddress();
  const found = scheduler ? await askScheduler(scheduler, domain) : await askEveryHost(domain);
  const hostIds = [...new Set(found.map((h) => h.hostId))];
  if (hostIds.length > 1)
    throw new Error(`"${domain}" matches domains on ${hostIds.join(", ")}: name the host with -H`);
  if (found.length === 0) throw new Error(`no domain "${domain}" on any host (see \`xsim list\`)`);
  return found[0]!;
}

export async function hostClientFor(program: Command, domain: string): Promise<HostClient> {
  return connectCliHost((await hostOfDomain(program, domain)).address);
}

async function askScheduler(address: string, domain: string): Promise<HostTarget[]> {
  const client = connectScheduler(address);
  try {
    const [reply, hostList] = await Promise.all([
      unaryCall(client.listAll.bind(client), {}),
      unaryCall(client.hostList.bind(client), {}),
    ]);
    const hostIds = reply.domains
      .filter((d) => d.domain && (d.domain.name === domain || String(d.domain.domid) === domain))
      .map((d) => d.hostId);
    return [...new Set(hostIds)].map((hostId) => {
      const address = hostList.hosts.find((h) => h.hostId === hostId)?.address;
      if (!address) throw new Error(`host ${hostId} is not known to the scheduler`);
      return { hostId, address };
    });
  } finally {
    client.close();
  }
}

/** Without a scheduler: every host of `xsim up`'s cluster is asked; NOT_FOUND means not there. */
async function askEveryHost(domain: string): Promise<HostTarget[]> {
  const hosts = await clusterHosts();
  const answers = await Promise.all(
    hosts.map(async (host) => {
      const client = connectCliHost(host.address);
      try {
        await unaryCall(client.lookup.bind(client), { domain });
        return host;
      } catch (error) {
        if (isServiceError(error) && error.code === status.NOT_FOUND) return undefined;
        throw error;
      } finally {
        client.close();
      }
    }),
  );
  return answers.filter((h): h is HostTarget => h !== undefined);
}
