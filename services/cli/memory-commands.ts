import type { Command } from "commander";
import { unaryCall } from "../transport/grpc/host-client.js";
import { hostClientFor } from "./host-routing.js";
import { parseMemSizeKib } from "./mem-size.js";
import { UINT32_MAX, wholeNumberArg } from "./number-args.js";

/** xl_cmdtable.c's usage of both verbs: a bare number is MiB. */
const MEM_SIZE_USAGE = "MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]: a bare number is MiB, as xl";

/** `xsim mem-set` / `mem-max` (xl_mem.c) and `vcpu-set` (xl_vcpu.c). */
export function addMemoryCommands(program: Command): void {
  for (const [name, description] of [
    ["mem-set", "Set the current memory usage for a domain"],
    ["mem-max", "Set the maximum amount reservation for a domain"],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument("<domain>")
      .argument("<memory>", MEM_SIZE_USAGE)
      .action(async (domain: string, memory: string) => {
        const memoryKib = parseMemSizeKib(memory);
        const client = await hostClientFor(program, domain);
        const method = name === "mem-set" ? client.memSet.bind(client) : client.memMax.bind(client);
        await unaryCall(method, { domain, memoryKib });
        client.close();
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
      client.close();
    });
}
