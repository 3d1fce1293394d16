import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { Prng } from "../core/prng.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { connectHost, unaryCall } from "../transport/grpc/host-client.js";
import { resolveHostAddress } from "./cluster-state.js";
import { formatClusterList, formatInfo, formatList, formatListLong, parseMemoryKib } from "./format.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { UINT32_MAX, wholeNumberArg } from "./number-args.js";
import type { HostClient } from "../gen/xensim/v1/host.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Without -H, cluster-wide verbs go to the scheduler when one runs. */
function viaScheduler(program: Command): string | undefined {
  return program.opts<{ host?: string }>().host ? undefined : schedulerAddress();
}

export function hostClient(program: Command): HostClient {
  const options = program.opts<{ host?: string }>();
  return connectHost(resolveHostAddress(options.host));
}

/**
 * The host a domain verb goes to: -H when given; otherwise, with a scheduler running, the host
 * where the scheduler sees that domain (by name, or by domid when only one host has it).
 */
export async function hostClientFor(program: Command, domain: string): Promise<HostClient> {
  const scheduler = viaScheduler(program);
  if (!scheduler) return hostClient(program);
  const client = connectScheduler(scheduler);
  const [reply, hostList] = await Promise.all([
    unaryCall(client.listAll.bind(client), {}),
    unaryCall(client.hostList.bind(client), {}),
  ]);
  client.close();
  const matches = reply.domains.filter(
    (d) => d.domain && (d.domain.name === domain || String(d.domain.domid) === domain),
  );
  const hosts = [...new Set(matches.map((m) => m.hostId))];
  if (hosts.length > 1)
    throw new Error(`"${domain}" matches domains on ${hosts.join(", ")}: name the host with -H`);
  if (hosts.length === 0) throw new Error(`no domain "${domain}" on any host (see \`xsim list\`)`);
  const address = hostList.hosts.find((h) => h.hostId === hosts[0])?.address;
  if (!address) throw new Error(`host ${hosts[0]} is not known to the scheduler`);
  return connectHost(address);
}

/** The xl verbs on one host: create, list, info, destroy, shutdown, ... (tools/xl/xl_cmdtable.c). */
export function addDomainCommands(program: Command, io: CliIo): void {
  program
    .command("create")
    .description("Create a domain from config file")
    .argument("<cfg>", "xl.cfg file")
    .argument("[overrides...]", "key=value settings applied after the file")
    .option("-p", "leave the domain paused after it is created")
    .option("-n", "dry run: parse and check the config, print it as JSON, create nothing")
    .option("--policy <policy>", "placement without -H: spread (default), pack, first-fit")
    .action(
      async (cfg: string, overrides: string[], options: { p?: boolean; n?: boolean; policy?: string }) => {
        const text = readConfigFile(cfg);
        io.err(`Parsing config from ${cfg}`);
        if (options.n) {
          const config = loadDomainConfig(text, cfg, overrides, new Prng(1));
          io.out(JSON.stringify(config, null, 4));
          return;
        }
        const scheduler = viaScheduler(program);
        if (scheduler) {
          const client = connectScheduler(scheduler);
          const request = {
            configText: text,
            configFileName: cfg,
            overrides,
            paused: options.p ?? false,
            policy: options.policy ?? "spread",
          };
          const reply = await unaryCall(client.create.bind(client), request);
          io.err(`Created domain ${reply.domain?.name} (domid ${reply.domain?.domid}) on ${reply.hostId}`);
          return;
        }
        const client = hostClient(program);
        const reply = await unaryCall(client.create.bind(client), {
          configText: text,
          configFileName: cfg,
          overrides,
          paused: options.p ?? false,
          configJson: "",
        });
        io.err(`Created domain ${reply.domain?.name} (domid ${reply.domain?.domid})`);
      },
    );

  program
    .command("list")
    .description("List information about all/some domains")
    .option("-l, --long", "print the domains' configuration as JSON")
    .argument("[domains...]")
    .action(async (domains: string[], options: { long?: boolean }) => {
      const scheduler = viaScheduler(program);
      if (scheduler) {
        const client = connectScheduler(scheduler);
        const reply = await unaryCall(client.listAll.bind(client), {});
        client.close();
        const wanted = (name: string, domid: number) =>
          domains.length === 0 || domains.includes(name) || domains.includes(String(domid));
        const all = reply.domains
          .filter((d) => d.domain && wanted(d.domain.name, d.domain.domid))
          .map((d) => ({ hostId: d.hostId, domain: d.domain! }));
        const missing = domains.filter(
          (ref) => !all.some((d) => d.domain.name === ref || String(d.domain.domid) === ref),
        );
        if (missing.length > 0)
          throw new Error(`no domain ${missing.map((m) => `"${m}"`).join(", ")} on any host`);
        io.out(options.long ? formatListLong(all.map((d) => d.domain)) : formatClusterList(all));
        return;
      }
      const client = hostClient(program);
      const reply = await unaryCall(client.list.bind(client), { domains });
      io.out(options.long ? formatListLong(reply.domains) : formatList(reply.domains));
    });

  program
    .command("info")
    .description("Get information about Xen host")
    .action(async () => {
      const client = hostClient(program);
      io.out(formatInfo(await unaryCall(client.info.bind(client), {})));
    });

  simple(program, "destroy", "Terminate a domain immediately", (c, domain) =>
    unaryCall(c.destroy.bind(c), { domain }),
  );
  simple(program, "reboot", "Issue a reboot signal to a domain", (c, domain) =>
    unaryCall(c.reboot.bind(c), { domain }),
  );
  simple(program, "pause", "Pause execution of a domain", (c, domain) =>
    unaryCall(c.pause.bind(c), { domain }),
  );
  simple(program, "unpause", "Unpause a paused domain", (c, domain) =>
    unaryCall(c.unpause.bind(c), { domain }),
  );
  simple(program, "crash", "Crash a domain (xensim: fault injection for tests)", (c, domain) =>
    unaryCall(c.injectCrash.bind(c), { domain }),
  );

  program
    .command("shutdown")
    .description("Issue a shutdown signal to a domain")
    .option("-w", "wait for the domain to shut down")
    .argument("<domain>")
    .action(async (domain: string, options: { w?: boolean }) => {
      const client = await hostClientFor(program, domain);
      await unaryCall(client.shutdown.bind(client), { domain, wait: options.w ?? false });
      if (options.w) io.err(`Domain ${domain} has been shut down`);
    });

  program
    .command("rename")
    .description("Rename a domain")
    .argument("<domain>")
    .argument("<new-name>")
    .action(async (domain: string, newName: string) => {
      const client = await hostClientFor(program, domain);
      await unaryCall(client.rename.bind(client), { domain, newName });
    });

  for (const [name, description] of [
    ["mem-set", "Set the current memory usage for a domain"],
    ["mem-max", "Set the maximum amount reservation for a domain"],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument("<domain>")
      .argument("<memory>", "size; default unit KiB, or a suffix b/k/m/g/t")
      .action(async (domain: string, memory: string) => {
        const client = await hostClientFor(program, domain);
        const memoryKib = parseMemoryKib(memory);
        const method = name === "mem-set" ? client.memSet.bind(client) : client.memMax.bind(client);
        await unaryCall(method, { domain, memoryKib });
      });
  }

  program
    .command("vcpu-set")
    .description("Set the number of active VCPUs allowed for the domain")
    .argument("<domain>")
    .argument("<vcpus>")
    .action(async (domain: string, vcpus: string) => {
      // xl ignores a count below 1; above a uint32 it could not even be sent.
      const count = wholeNumberArg(vcpus, "vcpu-set", Number.MIN_SAFE_INTEGER, UINT32_MAX);
      if (count < 1) return; // xl silently ignores n < 1
      const client = await hostClientFor(program, domain);
      await unaryCall(client.vcpuSet.bind(client), { domain, vcpus: count });
    });

  program
    .command("domid")
    .description("Convert a domain name to domain id")
    .argument("<name>")
    .action(async (name: string) => {
      const client = await hostClientFor(program, name);
      const reply = await unaryCall(client.lookup.bind(client), { domain: name });
      io.out(String(reply.domain?.domid));
    });

  program
    .command("domname")
    .description("Convert a domain id to domain name")
    .argument("<domid>")
    .action(async (domid: string) => {
      if (!/^\d+$/.test(domid)) throw new Error(`domname: "${domid}" is not a domain id`);
      const client = hostClient(program);
      const reply = await unaryCall(client.lookup.bind(client), { domain: domid });
      io.out(reply.domain?.name ?? "");
    });

  program
    .command("workload")
    .description("Set a domain's guest workload (xensim), e.g. wws:hot=64M,rate=20000")
    .argument("<domain>")
    .argument("<spec>")
    .action(async (domain: string, workload: string) => {
      const client = await hostClientFor(program, domain);
      await unaryCall(client.setWorkload.bind(client), { domain, workload });
    });

  program
    .command("checksum")
    .description("Print the xxh64 checksum of a domain's whole memory (xensim)")
    .argument("<domain>")
    .action(async (domain: string) => {
      const client = await hostClientFor(program, domain);
      const reply = await unaryCall(client.memoryChecksum.bind(client), { domain });
      io.out(`${reply.checksum}  ${reply.pageCount} pages, ${reply.populatedPageCount} populated`);
    });

  program
    .command("xenstore-ls")
    .description("List a xenstore subtree as path = value (xensim)")
    .argument("[path]", "", "/local/domain")
    .action(async (path: string) => {
      const client = hostClient(program);
      const reply = await unaryCall(client.xenstoreList.bind(client), { path });
      for (const [key, value] of Object.entries(reply.entries).sort()) io.out(`${key} = "${value}"`);
    });
}

function simple(
  program: Command,
  name: string,
  description: string,
  run: (client: HostClient, domain: string) => Promise<unknown>,
): void {
  program
    .command(name)
    .description(description)
    .argument("<domain>")
    .action(async (domain: string) => {
      await run(await hostClientFor(program, domain), domain);
    });
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read config file ${path}: ${code === "ENOENT" ? "no such file" : String(code)}`, {
      cause: error,
    });
  }
}
