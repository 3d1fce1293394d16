import type { Command } from "commander";
import type { HostClient } from "../gen/xensim/v1/host.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { addCreateCommand } from "./create-command.js";
import { addInfoCommand } from "./info-command.js";
import { addListCommand } from "./list-command.js";
import { addMemoryCommands } from "./memory-commands.js";
import { addQueryCommands } from "./query-commands.js";
import { hostClientFor } from "./host-routing.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** The xl verbs on domains: create, list, info, destroy, shutdown, ... (tools/xl/xl_cmdtable.c). */
export function addDomainCommands(program: Command, io: CliIo): void {
  addCreateCommand(program, io);
  addListCommand(program, io);
  addInfoCommand(program, io);
  addLifecycleCommands(program, io);
  addMemoryCommands(program);
  addQueryCommands(program, io);
}

/** destroy, reboot, pause, unpause, crash, shutdown, rename (xl_vmcontrol.c). */
function addLifecycleCommands(program: Command, io: CliIo): void {
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

  program
    .command("shutdown")
    .description("Issue a shutdown signal to a domain")
    .option("-w", "wait for the domain to shut down")
    .argument("<domain>")
    .action(async (domain: string, options: { w?: boolean }) => {
      const client = await hostClientFor(program, domain);
      await unaryCall(client.shutdown.bind(client), { domain, wait: options.w ?? false });
      client.close();
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
      client.close();
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
      const client = await hostClientFor(program, domain);
      await run(client, domain);
      client.close();
    });
}
