import type { Command } from "commander";
import { SchedCreditReply, type SchedCreditRequest } from "../gen/xensim/v1/host.js";
import { JSON_HELP, toJson } from "./json-output.js";
import type { CliIo } from "./domain-commands.js";
import { hostClientFor, oneHostClient } from "./host-routing.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { formatSchedDomains, formatSchedPool } from "./sched-format.js";
import { UINT32_MAX, wholeNumberArg } from "./number-args.js";
import { addSchedRtdsCommand } from "./rtds-command.js";
import { addTopCommand } from "./top-command.js";
import { addVcpuListCommand } from "./vcpu-list-command.js";

/** xl's "-" for an affinity: leave it as it is (xl_vcpu.c main_vcpupin). */
const AFFINITY_UNCHANGED = "-";

interface SchedCreditOptions {
  domain?: string;
  weight?: string;
  cap?: string;
  schedparam?: boolean;
  cpupool?: string;
  /** commander keeps xl's long option names: --tslice_ms, --ratelimit_us. */
  tslice_ms?: string;
  ratelimit_us?: string;
  json?: boolean;
}

/** xl's vCPU scheduling verbs: vcpu-list, vcpu-pin, sched-credit, sched-credit2, sched-rtds, top (tools/xl/xl_vcpu.c, xl_sched.c). */
export function addSchedCommands(program: Command, io: CliIo): void {
  addVcpuListCommand(program, io);

  program
    .command("vcpu-pin")
    .description("Set which CPUs a VCPU can use (hard affinity, and soft affinity)")
    .argument("<domain>")
    .argument("<vcpu>", "a vCPU number or all")
    .argument("<hard>", 'cpu list such as "0-3,^1", or - to leave it')
    .argument("[soft]", "cpu list, or - to leave it")
    .action(async (domain: string, vcpu: string, hard: string, soft: string | undefined) => {
      const client = await hostClientFor(program, domain);
      await unaryCall(client.vcpuPin.bind(client), {
        domain,
        vcpu,
        ...(hard !== AFFINITY_UNCHANGED ? { hardAffinity: hard } : {}),
        ...(soft !== undefined && soft !== AFFINITY_UNCHANGED ? { softAffinity: soft } : {}),
      });
    });

  addSchedCreditCommand(program, io, "sched-credit", "Get/set credit scheduler parameters", true);
  addSchedCreditCommand(program, io, "sched-credit2", "Get/set credit2 scheduler parameters", false);
  addSchedRtdsCommand(program, io);
  addTopCommand(program, io);
}

function addSchedCreditCommand(
  program: Command,
  io: CliIo,
  name: "sched-credit" | "sched-credit2",
  description: string,
  hasTslice: boolean,
): void {
  const command = program
    .command(name)
    .description(description)
    .option("-d, --domain <domain>", "domain to show or modify")
    .option("-w, --weight <weight>", "weight (1..65535, default 256)")
    .option("-c, --cap <cap>", "cap in % of one pCPU (0 = none)")
    .option("-s, --schedparam", "show or set the pool's parameters")
    .option("-p, --cpupool <cpupool>", "restrict output to CPUPOOL (with -s: that pool's parameters)")
    .option("--json", JSON_HELP);
  if (hasTslice) command.option("-t, --tslice_ms <ms>", "timeslice, ms (with -s)");
  command
    .option("-r, --ratelimit_us <us>", "rate limit, us (with -s)")
    .action(async (options: SchedCreditOptions) => {
      const client = options.domain
        ? await hostClientFor(program, options.domain)
        : await oneHostClient(program, `${name} without -d`);
      const request = schedCreditRequest(options);
      const method =
        name === "sched-credit" ? client.schedCredit.bind(client) : client.schedCredit2.bind(client);
      const reply = await unaryCall<SchedCreditRequest, SchedCreditReply>(method, request);
      const setting = [request.weight, request.cap, request.tsliceMs, request.ratelimitUs].some(
        (v) => v !== undefined,
      );
      // xl prints nothing after a change
      if (!setting)
        io.out(options.json ? toJson(SchedCreditReply.toJSON(reply)) : formatSchedCreditReply(reply));
    });
}

function schedCreditRequest(options: SchedCreditOptions): SchedCreditRequest {
  const number = (text: string | undefined, flag: string) =>
    text === undefined ? {} : { [flag]: wholeNumber(text, flag) };
  return {
    domain: options.domain ?? "",
    pool: options.schedparam ?? false,
    cpupool: options.cpupool ?? "",
    ...number(options.weight, "weight"),
    ...number(options.cap, "cap"),
    ...number(options.tslice_ms, "tsliceMs"),
    ...number(options.ratelimit_us, "ratelimitUs"),
  };
}

/** xl_sched.c sched_domain_output: per pool, its line, the header and its domains. */
export function formatSchedCreditReply(reply: SchedCreditReply): string {
  if (reply.sections.length > 0) {
    return reply.sections
      .map((section) =>
        [...(section.pool ? [formatSchedPool(section.pool)] : []), formatSchedDomains(section.domains)].join(
          "\n",
        ),
      )
      .join("\n");
  }
  const parts: string[] = [];
  if (reply.pool) parts.push(formatSchedPool(reply.pool));
  if (reply.domains.length > 0 || !reply.pool) parts.push(formatSchedDomains(reply.domains));
  return parts.join("\n");
}

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${what}: "${text}" is not a whole number`);
  return wholeNumberArg(text, what, 0, UINT32_MAX);
}
