import type { Command } from "commander";
import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import { SchedRtdsClient, SchedRtdsReply, type SchedRtdsRequest } from "../gen/xensim/v1/rtds.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostOfDomain, oneHost } from "./host-routing.js";
import { JSON_HELP, toJson } from "./json-output.js";
import { UINT32_MAX, wholeNumberArg } from "./number-args.js";
import { formatSchedRtdsReply } from "./rtds-format.js";

interface SchedRtdsOptions {
  domain?: string;
  vcpuid?: string[];
  period?: string[];
  budget?: string[];
  extratime?: string[];
  cpupool?: string;
  json?: boolean;
}

/** A repeatable option's values in order (no default, so the reference shows none). */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** `xl sched-rtds` (tools/xl/xl_sched.c main_sched_rtds): RTDS period, budget and extratime per vCPU. */
export function addSchedRtdsCommand(program: Command, io: CliIo): void {
  program
    .command("sched-rtds")
    .description("Get/set rtds scheduler parameters")
    .option("-d, --domain <domain>", "domain to show or modify")
    .option("-v, --vcpuid <vcpu>", "vCPU to show or modify, repeatable; all = every vCPU", collect)
    .option("-p, --period <us>", "period in us, one per -v", collect)
    .option("-b, --budget <us>", "budget in us, one per -v", collect)
    .option("-e, --extratime <0|1>", "run past the budget when CPU is spare, one per -v", collect)
    .option("-c, --cpupool <cpupool>", "restrict output to CPUPOOL")
    .option("--json", JSON_HELP)
    .action(async (options: SchedRtdsOptions) => {
      const request = schedRtdsRequest(options);
      const host = options.domain
        ? await hostOfDomain(program, options.domain)
        : await oneHost(program, "sched-rtds without -d");
      const client = new SchedRtdsClient(host.address, channelCredentials(["host"]), clusterChannelOptions());
      try {
        const reply = await unaryCall<SchedRtdsRequest, SchedRtdsReply>(
          client.schedRtds.bind(client),
          request,
        );
        if (!reply.set)
          io.out(options.json ? toJson(SchedRtdsReply.toJSON(reply)) : formatSchedRtdsReply(reply));
      } finally {
        client.close();
      }
    });
}

/** xl's parse: -e takes exactly "0" or "1" ("Invalid extratime."), -v "all" or a vCPU number. */
export function schedRtdsRequest(options: SchedRtdsOptions): SchedRtdsRequest {
  const [vcpuid, period, budget, extratime] = [
    options.vcpuid,
    options.period,
    options.budget,
    options.extratime,
  ].map((list) => list ?? []) as [string[], string[], string[], string[]];
  const bad = extratime.find((text) => text !== "0" && text !== "1");
  if (bad !== undefined) throw new Error(`Invalid extratime. (-e takes 0 or 1, not "${bad}")`);
  const number = (text: string, what: string) => {
    if (!/^\d+$/.test(text)) throw new Error(`${what}: "${text}" is not a whole number`);
    return wholeNumberArg(text, what, 0, UINT32_MAX);
  };
  return {
    domain: options.domain ?? "",
    vcpus: vcpuid.filter((v) => v !== "all").map((v) => number(v, "-v")),
    allVcpus: vcpuid.includes("all"),
    periodsUs: period.map((p) => number(p, "-p")),
    budgetsUs: budget.map((b) => number(b, "-b")),
    extratimes: extratime.map((e) => e === "1"),
    cpupool: options.cpupool ?? "",
  };
}
