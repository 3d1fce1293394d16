import type { Command } from "commander";
import type { HostInfo } from "../gen/xensim/v1/host.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { formatInfo, infoJson } from "./format.js";
import { targetHosts } from "./host-routing.js";
import { connectCliHost } from "./cli-clients.js";

/** `xsim info [--json]`: xl info of the -H host, or of every host of the cluster one after another. */
export function addInfoCommand(program: Command, io: CliIo): void {
  program
    .command("info")
    .description("Get information about Xen host (every host without -H)")
    .option("-n, --numa", "also the cpu and NUMA topology (xl info -n)")
    .option("--json", "as JSON: an array with one object of xl info's keys per host")
    .action(async (options: { json?: boolean; numa?: boolean }) => {
      const infos = await Promise.all((await targetHosts(program)).map((host) => hostInfo(host.address)));
      io.out(
        options.json
          ? JSON.stringify(infos.map(infoJson), null, 2)
          : infos.map((info) => formatInfo(info, options.numa)).join("\n\n"),
      );
    });
}

async function hostInfo(address: string): Promise<HostInfo> {
  const client = connectCliHost(address);
  try {
    return await unaryCall(client.info.bind(client), {});
  } finally {
    client.close();
  }
}
