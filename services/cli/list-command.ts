import type { Command } from "commander";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { formatClusterList, formatList, formatListLong } from "./format.js";
import { clusterHostsAndDown, requestedHost, targetHosts } from "./host-routing.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { connectCliHost } from "./cli-clients.js";
import {
  answeredDownNote,
  DOWN_HOST_LIST_DEADLINE_MS,
  listEveryHost,
  type EveryHostList,
  type HostDomain,
} from "./every-host-list.js";

/** `xsim list [-l] [domain...]`: one host's domains with -H, else the whole cluster's with a Host column. */
export function addListCommand(program: Command, io: CliIo): void {
  program
    .command("list")
    .description("List information about all/some domains")
    .option("-l, --long", "print the domains' configuration as JSON")
    .option("-v, --verbose", "also print each domain's UUID and shutdown reason code, as xl list -v")
    .option(
      "-c, --cpupool",
      "also print the cpupool each domain runs in, as xl list -c (asks every host, those seen down too)",
    )
    .argument("[domains...]")
    .action(async (domains: string[], options: { long?: boolean; verbose?: boolean; cpupool?: boolean }) => {
      if (requestedHost(program)) {
        const [host] = await targetHosts(program);
        const client = connectCliHost(host!.address);
        const reply = await unaryCall(client.list.bind(client), { domains });
        client.close();
        io.out(
          options.long
            ? formatListLong(reply.domains)
            : formatList(reply.domains, options.verbose, options.cpupool),
        );
        return;
      }
      // The scheduler's view does not know pools: -c asks every host.
      const listed = await clusterDomains(options.cpupool === true);
      const all = selectDomains(listed.domains, domains);
      const notes = [
        unreachableNote(listed.unreachableHostIds, listed.brokerNote),
        unansweredNote(listed.unansweredHosts),
        answeredDownNote(listed.answeredDownHostIds, listed.brokerNote),
      ];
      for (const note of notes) if (note) io.err(note);
      io.out(
        options.long
          ? formatListLong(all.map((d) => d.domain))
          : formatClusterList(all, options.verbose, options.cpupool),
      );
    });
}

/**
 * What `xsim list` says of hosts the scheduler cannot see (declared down: dead, or cut from the
 * broker): their guests are missing from the list, maybe still running (XAPI shows such a host as
 * not live). With the scheduler's note of its own broker outage (ListAllReply.broker_note), that
 * cause comes first. Undefined when every host answers.
 */
export function unreachableNote(hostIds: readonly string[], brokerNote = ""): string | undefined {
  if (hostIds.length === 0) return undefined;
  const hosts = hostIds.join(", ");
  const domainsOf = `the domains of ${hostIds.length === 1 ? "host" : "hosts"} ${hosts}`;
  if (brokerNote) return `xsim: ${brokerNote}; not listed: ${domainsOf} (ask with xsim -H HOST list)`;
  return `xsim: not listed: the domains of ${hostIds.length === 1 ? "host" : "hosts"} ${hosts}, which the scheduler cannot reach (no heartbeat: down, or cut from the broker); they may still run: ask with xsim -H HOST list`;
}

/** Every domain of the cluster with its host: the scheduler's view, else each host's own list. */
async function clusterDomains(fromHosts = false): Promise<EveryHostList & { brokerNote: string }> {
  const scheduler = fromHosts ? undefined : schedulerAddress();
  if (scheduler) {
    const client = connectScheduler(scheduler);
    const reply = await unaryCall(client.listAll.bind(client), {});
    client.close();
    return {
      domains: reply.domains.filter((d) => d.domain).map((d) => ({ hostId: d.hostId, domain: d.domain! })),
      unreachableHostIds: reply.unreachableHostIds,
      unansweredHosts: [],
      answeredDownHostIds: [],
      brokerNote: reply.brokerNote,
    };
  }
  const { hosts, downHosts, brokerNote } = await clusterHostsAndDown();
  const listed = await listEveryHost(hosts, downHosts, async (host, seenDown) => {
    const client = connectCliHost(host.address);
    const deadline = seenDown ? { deadline: Date.now() + DOWN_HOST_LIST_DEADLINE_MS } : {};
    try {
      return (await unaryCall(client.list.bind(client), { domains: [] }, deadline)).domains;
    } finally {
      client.close();
    }
  });
  return { ...listed, brokerNote };
}

/** What `xsim list` says of hosts asked one by one that did not answer: their guests are missing. */
export function unansweredNote(hosts: readonly string[]): string | undefined {
  if (hosts.length === 0) return undefined;
  return `xsim: not listed: the domains of ${hosts.length === 1 ? "host" : "hosts"} ${hosts.join("; ")}; they may still run`;
}

/** The domains named (by name or domid), in the cluster's order; every name must match one. */
function selectDomains(all: HostDomain[], refs: string[]): HostDomain[] {
  if (refs.length === 0) return all;
  const matches = (d: HostDomain, ref: string) => d.domain.name === ref || String(d.domain.domid) === ref;
  const missing = refs.filter((ref) => !all.some((d) => matches(d, ref)));
  if (missing.length > 0) throw new Error(`no domain ${missing.map((m) => `"${m}"`).join(", ")} on any host`);
  return all.filter((d) => refs.some((ref) => matches(d, ref)));
}
