import type { Command } from "commander";
import { BlockListReply, NetworkListReply } from "../gen/xensim/v1/host.js";
import { JSON_HELP, toJson } from "./json-output.js";
import type { CliIo } from "./domain-commands.js";
import { hostClientFor } from "./host-routing.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { formatBlockList, formatNetworkList } from "./device-format.js";

/** xl's device lists (tools/xl/xl_nic.c, xl_block.c), with xensim's per-device I/O counters. */
export function addDeviceCommands(program: Command, io: CliIo): void {
  program
    .command("network-list")
    .description("List virtual network interfaces for a domain, and their I/O (xensim)")
    .argument("<domains...>")
    .option("--xl", "print xl's columns only, without the I/O counters")
    .option("--json", JSON_HELP)
    .action(async (domains: string[], options: { xl?: boolean; json?: boolean }) => {
      const replies = [];
      for (const domain of domains) {
        const client = await hostClientFor(program, domain);
        replies.push(await unaryCall(client.networkList.bind(client), { domain }));
        client.close();
      }
      io.out(
        options.json
          ? toJson(replies.map((r) => NetworkListReply.toJSON(r)))
          : formatNetworkList(replies, options.xl ?? false),
      );
    });

  program
    .command("block-list")
    .description("List virtual block devices for a domain, and their I/O (xensim)")
    .argument("<domains...>")
    .option("--xl", "print xl's columns only, without the I/O counters")
    .option("--json", JSON_HELP)
    .action(async (domains: string[], options: { xl?: boolean; json?: boolean }) => {
      const replies = [];
      for (const domain of domains) {
        const client = await hostClientFor(program, domain);
        replies.push(await unaryCall(client.blockList.bind(client), { domain }));
        client.close();
      }
      io.out(
        options.json
          ? toJson(replies.map((r) => BlockListReply.toJSON(r)))
          : formatBlockList(replies, options.xl ?? false),
      );
    });
}
