import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import { CpupoolClient, type CpupoolInfo } from "../gen/xensim/v1/cpupool.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { parseCpupoolConfig } from "../dom0/xlcfg/cpupool-config.js";
import type { CliIo } from "./domain-commands.js";
import { type HostTarget, hostOfDomain, oneHost } from "./host-routing.js";
import { cpupoolJson, formatCpupoolCreate, formatCpupoolList } from "./cpupool-format.js";
import { toJson } from "./json-output.js";
import { cliClientOptions } from "./query-deadline.js";

function cpupoolClient(host: HostTarget): CpupoolClient {
  return new CpupoolClient(host.address, channelCredentials(["host"]), {
    ...clusterChannelOptions(),
    ...cliClientOptions(host.address),
  });
}

/** Runs one Cpupool RPC against the host a verb goes to: -H, or the cluster's only host. */
async function onHost<T>(
  program: Command,
  verb: string,
  call: (client: CpupoolClient) => Promise<T>,
): Promise<T> {
  const client = cpupoolClient(await oneHost(program, verb));
  try {
    return await call(client);
  } finally {
    client.close();
  }
}

/** `xl cpupool-*` (tools/xl/xl_cpupool.c): a host's CPU pools. Each verb works on one host (-H). */
export function addCpupoolCommands(program: Command, io: CliIo): void {
  addCpupoolCreate(program, io);
  program
    .command("cpupool-list")
    .description("List CPU pools on host")
    .option("-c, --cpus", "Output list of CPUs used by a pool")
    .option("--json", "print libxl_cpupoolinfo as libxl's JSON")
    .argument("[pool]")
    .action(async (pool: string | undefined, options: { cpus?: boolean; json?: boolean }) => {
      const reply = await onHost(program, "cpupool-list", (client) =>
        unaryCall(client.list.bind(client), { pool: pool ?? "" }),
      );
      io.out(
        options.json ? toJson(reply.pools.map(cpupoolJson)) : formatCpupoolList(reply.pools, options.cpus),
      );
    });
  program
    .command("cpupool-destroy")
    .description("Deactivates a CPU pool")
    .argument("<pool>")
    .action(async (pool: string) => {
      await onHost(program, "cpupool-destroy", (client) => unaryCall(client.destroy.bind(client), { pool }));
    });
  program
    .command("cpupool-rename")
    .description("Renames a CPU pool")
    .argument("<pool>")
    .argument("<new-name>")
    .action(async (pool: string, newName: string) => {
      await onHost(program, "cpupool-rename", (client) =>
        unaryCall(client.rename.bind(client), { pool, newName }),
      );
    });
  addCpuVerb(program, "cpupool-cpu-add", "Adds a CPU to a CPU pool", "cpuAdd");
  addCpuVerb(program, "cpupool-cpu-remove", "Removes a CPU from a CPU pool", "cpuRemove");
  program
    .command("cpupool-migrate")
    .description("Moves a domain into a CPU pool")
    .argument("<domain>")
    .argument("<pool>")
    .action(async (domain: string, pool: string) => {
      const client = cpupoolClient(await hostOfDomain(program, domain));
      try {
        await unaryCall(client.migrate.bind(client), { domain, pool });
      } finally {
        client.close();
      }
    });
  program
    .command("cpupool-numa-split")
    .description("Splits up the machine into one CPU pool per NUMA node")
    .action(async () => {
      await onHost(program, "cpupool-numa-split", (client) => unaryCall(client.numaSplit.bind(client), {}));
    });
}

function addCpuVerb(program: Command, verb: string, description: string, rpc: "cpuAdd" | "cpuRemove"): void {
  program
    .command(verb)
    .description(description)
    .argument("<pool>")
    .argument("<cpus>", 'a CPU number, a list such as "2-5,^4", or node:N')
    .action(async (pool: string, cpus: string) => {
      await onHost(program, verb, (client) => unaryCall(client[rpc].bind(client), { pool, cpus }));
    });
}

interface CreateOptions {
  defconfig?: string;
  dryrun?: boolean;
}

/**
 * `xl cpupool-create [-f FILE] [-n] [FILE] [KEY=VALUE...]`: the config (xlcpupool.cfg(5)) is parsed
 * here, with the KEY=VALUE settings after the file's; xl's four lines are printed, then (unless -n)
 * the host creates the pool with free pCPUs only.
 */
function addCpupoolCreate(program: Command, io: CliIo): void {
  program
    .command("cpupool-create")
    .description("Create a CPU pool based an ConfigFile")
    .option("-f, --defconfig <file>", "Use the given configuration file")
    .option("-n, --dryrun", "Dry run - prints the resulting configuration")
    .argument("[args...]", "[ConfigFile] [KEY=VALUE...]: name=, sched=, cpus=, nodes=")
    .action(async (args: string[], options: CreateOptions) => {
      const extras = args.filter((arg) => arg.includes("="));
      const files = [
        ...(options.defconfig ? [options.defconfig] : []),
        ...args.filter((a) => !a.includes("=")),
      ];
      if (files.length > 1) throw new Error(`cpupool-create takes one config file, not ${files.join(" ")}`);
      const file = files[0];
      const text = file === undefined ? undefined : readConfig(file);
      const config = parseCpupoolConfig(text, file, extras);
      const created: CpupoolInfo = await onHost(program, "cpupool-create", (client) =>
        unaryCall(client.create.bind(client), {
          name: config.name,
          sched: config.sched ?? "",
          cpus: config.cpus ?? [],
          cpuList: config.cpuList ?? "",
          nodes: config.nodes ?? [],
          dryRun: options.dryrun === true,
        }),
      );
      io.out(formatCpupoolCreate(config.source, created.name, created.sched, created.cpus.length));
    });
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `Failed to read config file: ${path}: ${code === "ENOENT" ? "no such file" : String(code)}`,
      {
        cause: error,
      },
    );
  }
}
