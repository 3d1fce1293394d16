import type { Command } from "commander";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostClientFor, oneHostClient } from "./host-routing.js";

/** domid, domname (xl_info.c) and xensim's own look-ups: workload, checksum, xenstore-ls. */
export function addQueryCommands(program: Command, io: CliIo): void {
  program
    .command("domid")
    .description("Convert a domain name to domain id")
    .argument("<name>")
    .action(async (name: string) => {
      const client = await hostClientFor(program, name);
      const reply = await unaryCall(client.lookup.bind(client), { domain: name });
      client.close();
      io.out(String(reply.domain?.domid));
    });

  program
    .command("domname")
    .description("Convert a domain id to domain name")
    .argument("<domid>")
    .action(async (domid: string) => {
      if (!/^\d+$/.test(domid)) throw new Error(`domname: "${domid}" is not a domain id`);
      const client = await hostClientFor(program, domid);
      const reply = await unaryCall(client.lookup.bind(client), { domain: domid });
      client.close();
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
      client.close();
    });

  program
    .command("checksum")
    .description("Print the xxh64 checksum of a domain's whole memory (xensim)")
    .argument("<domain>")
    .action(async (domain: string) => {
      const client = await hostClientFor(program, domain);
      const reply = await unaryCall(client.memoryChecksum.bind(client), { domain });
      client.close();
      io.out(`${reply.checksum}  ${reply.pageCount} pages, ${reply.populatedPageCount} populated`);
    });

  program
    .command("xenstore-ls")
    .description("List a xenstore subtree as path = value (xensim)")
    .argument("[path]", "", "/local/domain")
    .action(async (path: string) => {
      const client = await oneHostClient(program, "xenstore-ls");
      const reply = await unaryCall(client.xenstoreList.bind(client), { path });
      client.close();
      for (const [key, value] of Object.entries(reply.entries).sort()) io.out(`${key} = "${value}"`);
    });
}
