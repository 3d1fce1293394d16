import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { Prng } from "../core/prng.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { libxlDomainEntry } from "./libxl-json.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { requestedHost, oneHost } from "./host-routing.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { connectCliHost } from "./cli-clients.js";

interface CreateOptions {
  p?: boolean;
  n?: boolean;
  policy?: string;
}

/** `xsim create cfg [key=value...]` (xl_vmcontrol.c main_create): placed by the scheduler without -H. */
export function addCreateCommand(program: Command, io: CliIo): void {
  program
    .command("create")
    .description("Create a domain from config file")
    .argument("<cfg>", "xl.cfg file")
    .argument("[overrides...]", "key=value settings applied after the file")
    .option("-p", "leave the domain paused after it is created")
    .option("-n", "dry run: parse and check the config, print it as libxl's JSON, create nothing")
    .option("--policy <policy>", "placement without -H: spread (default), pack, first-fit")
    .action(async (cfg: string, overrides: string[], options: CreateOptions) => {
      const text = readConfigFile(cfg);
      io.err(`Parsing config from ${cfg}`);
      if (options.n) {
        const config = loadDomainConfig(text, cfg, overrides, new Prng(1));
        io.out(JSON.stringify(libxlDomainEntry(config), null, 4));
        return;
      }
      const request = { configText: text, configFileName: cfg, overrides, paused: options.p ?? false };
      const scheduler = requestedHost(program) ? undefined : schedulerAddress();
      if (scheduler) {
        const client = connectScheduler(scheduler);
        const reply = await unaryCall(client.create.bind(client), {
          ...request,
          policy: options.policy ?? "spread",
        });
        client.close();
        io.err(`Created domain ${reply.domain?.name} (domid ${reply.domain?.domid}) on ${reply.hostId}`);
        return;
      }
      const client = connectCliHost((await oneHost(program, "create without a scheduler")).address);
      const reply = await unaryCall(client.create.bind(client), { ...request, configJson: "" });
      client.close();
      io.err(`Created domain ${reply.domain?.name} (domid ${reply.domain?.domid})`);
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
