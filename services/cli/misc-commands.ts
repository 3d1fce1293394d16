import type { Command } from "commander";
import type { HostClient } from "../gen/xensim/v1/host.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { type HostTarget, hostOfDomain, requestedHost, targetHosts } from "./host-routing.js";
import { JSON_HELP, toJson } from "./json-output.js";
import { type OnHost, formatClaims, formatDmesg, formatUptime, formatVmList } from "./misc-format.js";
import { addConsoleCommand } from "./console-command.js";
import { connectCliHost } from "./cli-clients.js";

/** Asks every host `call` (one with -H); rows carry the host id unless -H named one. */
async function perHost<T>(
  program: Command,
  call: (client: HostClient) => Promise<T[]>,
): Promise<Array<OnHost<T>>> {
  const single = requestedHost(program) !== undefined;
  const hosts = await targetHosts(program);
  const replies = await Promise.all(hosts.map((host) => withHost(host, call)));
  return replies.flatMap((rows, i) => rows.map((row) => ({ hostId: single ? "" : hosts[i]!.hostId, row })));
}

async function withHost<T>(host: HostTarget, call: (client: HostClient) => Promise<T>): Promise<T> {
  const client = connectCliHost(host.address);
  try {
    return await call(client);
  } finally {
    client.close();
  }
}

/** xl's uptime, vm-list, claims, dmesg, console, suspend, resume, dump-core (xl_info.c, xl_misc.c, xl_vmcontrol.c). */
export function addMiscCommands(program: Command, io: CliIo): void {
  program
    .command("uptime")
    .description("Print uptime for all/some domains (every host without -H, with a Host column)")
    .option("-s", "short: the time of day, then `up` and the uptime without seconds")
    .option("--json", JSON_HELP)
    .argument("[domains...]")
    .action(async (domains: string[], options: { s?: boolean; json?: boolean }) => {
      const rows =
        domains.length === 0 || requestedHost(program)
          ? await perHost(program, async (c) => (await unaryCall(c.uptime.bind(c), { domains })).domains)
          : await Promise.all(domains.map((domain) => uptimeOnItsHost(program, domain)));
      io.out(
        options.json
          ? toJson(rows.map((r) => ({ ...r.row, host: r.hostId })))
          : formatUptime(rows, options.s ?? false, new Date()),
      );
    });

  program
    .command("vm-list")
    .description("List guest domains, excluding dom0 (every host without -H, with a Host column)")
    .action(async () => {
      const rows = await perHost(
        program,
        async (c) => (await unaryCall(c.list.bind(c), { domains: [] })).domains,
      );
      io.out(formatVmList(rows.filter((r) => r.row.domid !== 0)));
    });

  program
    .command("claims")
    .description("List outstanding claim information about all domains (always 0: see docs/cli-reference.md)")
    .action(async () => {
      io.err("claim_mode not enabled (see man xl.conf).");
      const rows = await perHost(
        program,
        async (c) => (await unaryCall(c.list.bind(c), { domains: [] })).domains,
      );
      io.out(formatClaims(rows));
    });

  program
    .command("dmesg")
    .description(
      "Read and/or clear the hypervisor's console ring (every host without -H, each line after its host id)",
    )
    .option("-c, --clear", "clear the ring as well as printing it")
    .action(async (options: { clear?: boolean }) => {
      const rows = await perHost(
        program,
        async (c) => (await unaryCall(c.dmesg.bind(c), { clear: options.clear ?? false })).lines,
      );
      if (rows.length > 0) io.out(formatDmesg(rows));
    });

  domainVerb(program, "suspend", "Suspend a domain to RAM", (c, domain) =>
    unaryCall(c.suspend.bind(c), { domain }),
  );
  domainVerb(program, "resume", "Resume a domain from RAM", (c, domain) =>
    unaryCall(c.resume.bind(c), { domain }),
  );

  program
    .command("dump-core")
    .description(
      "Core dump a domain: its pages to FILE on its host (docs/specs/dump-core.md), confined like save",
    )
    .argument("<domain>")
    .argument("<file>", "a path on the host: relative to its state directory, or inside an allowed directory")
    .action(async (domain: string, path: string) => {
      await withHost(await hostOfDomain(program, domain), (c) =>
        unaryCall(c.dumpCore.bind(c), { domain, path }),
      );
    });

  addConsoleCommand(program, io);
}

async function uptimeOnItsHost(program: Command, domain: string) {
  const host = await hostOfDomain(program, domain);
  const reply = await withHost(host, (c) => unaryCall(c.uptime.bind(c), { domains: [domain] }));
  return { hostId: host.hostId, row: reply.domains[0]! };
}

function domainVerb(
  program: Command,
  name: string,
  description: string,
  call: (client: HostClient, domain: string) => Promise<unknown>,
): void {
  program
    .command(name)
    .description(description)
    .argument("<domain>")
    .action(async (domain: string) => {
      await withHost(await hostOfDomain(program, domain), (c) => call(c, domain));
    });
}
