import {
  CreateResponse,
  DomainReply,
  HostService,
  ListResponse,
  type HostServer,
} from "../../gen/xensim/v1/host.js";
import { withReusedReplyWriter } from "./reply-writer.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import { ToolstackError } from "../../dom0/errors.js";
import { loadDomainConfig } from "../../dom0/xlcfg/load.js";
import { domainInfo } from "./domain-info.js";
import { hostInfo } from "./host-info.js";
import { unary } from "./status.js";
import { configFromJson } from "../../dom0/xlcfg/config-json.js";
import { CpuUsageSampler } from "../../dom0/cpu-usage.js";
import { schedServer } from "./sched-server.js";
import { deviceListServer } from "./device-lists.js";
import { hotplugServer } from "./hotplug-server.js";
import { type HostFiles, miscServer } from "./misc-server.js";
import type { HostNames } from "../../dom0/host-names.js";

/** The Host service as the server registers it: create, destroy and list replies through one reused writer. */
export const HOST_SERVICE_DEFINITION = withReusedReplyWriter(HostService, {
  create: CreateResponse,
  destroy: DomainReply,
  list: ListResponse,
});

/** The Host gRPC service: each RPC is an xl verb handed to the toolstack. */
export function hostServer(
  toolstack: Toolstack,
  hostname: string,
  cpuUsage = new CpuUsageSampler(toolstack.hypervisor),
  /** Cluster-wide names (reserved in the state store); undefined: a host on its own. */
  names?: HostNames,
  faultInjectionAllowed = false,
  /** Where dump-core may write (the host's confined paths); undefined: refused. */
  files: HostFiles = undefined,
  /** The host's HA lease epoch now, sent with its List (docs/specs/ha.md §5); empty: none. */
  leaseEpoch: () => string = () => "",
): HostServer {
  const reply = (record: Parameters<typeof domainInfo>[1]) => ({ domain: domainInfo(toolstack, record) });
  return {
    info: unary(() => ({ ...hostInfo(toolstack, hostname), faultInjectionAllowed })),
    list: unary((request) => {
      const records =
        request.domains.length === 0
          ? [...toolstack.records.values()].sort((a, b) => a.domid - b.domid)
          : request.domains.map((ref) => toolstack.requireDomain(ref));
      return { domains: records.map((r) => domainInfo(toolstack, r)), leaseEpoch: leaseEpoch() };
    }),
    create: unary(async (request) => {
      const config = request.configJson
        ? configFromJson(request.configJson)
        : loadDomainConfig(
            request.configText,
            request.configFileName || "<config>",
            request.overrides,
            toolstack.prng,
          );
      const options = { paused: request.paused, configSource: request.configFileName || "<config>" };
      await toolstack.admissionReady(config);
      return reply(names ? await names.create(config, options) : toolstack.create(config, options));
    }),
    destroy: unary(async (request) => {
      const info = domainInfo(toolstack, toolstack.requireDomain(request.domain));
      await (names ? names.destroy(request.domain) : toolstack.destroy(request.domain));
      info.state = "-----d"; // info is this reply's own object (domainInfo makes a new one per call)
      return { domain: info };
    }),
    shutdown: unary(async (request) => {
      const record = toolstack.requireDomain(request.domain);
      const info = domainInfo(toolstack, record);
      await (names
        ? names.shutdown(request.domain, request.wait)
        : toolstack.shutdown(request.domain, request.wait));
      return toolstack.records.get(record.domid) === record
        ? reply(record)
        : { domain: { ...info, state: "---s-d" } };
    }),
    reboot: unary((request) => reply(toolstack.reboot(request.domain))),
    pause: unary((request) => reply(toolstack.pause(request.domain))),
    unpause: unary((request) => reply(toolstack.unpause(request.domain))),
    rename: unary(async (request) => {
      if (!request.newName) throw new ToolstackError("INVALID_ARGUMENT", "rename needs a new name");
      if (names) return reply(await names.rename(request.domain, request.newName));
      return reply(toolstack.rename(request.domain, request.newName));
    }),
    memSet: unary((request) => reply(toolstack.memSet(request.domain, request.memoryKib))),
    memMax: unary((request) => reply(toolstack.memMax(request.domain, request.memoryKib))),
    vcpuSet: unary((request) => reply(toolstack.vcpuSet(request.domain, request.vcpus))),
    lookup: unary((request) => reply(toolstack.requireDomain(request.domain))),
    setWorkload: unary((request) => reply(toolstack.setWorkload(request.domain, request.workload))),
    memoryChecksum: unary((request) => {
      const record = toolstack.requireDomain(request.domain);
      const memory = toolstack.domainOf(record).memory;
      return {
        domid: record.domid,
        checksum: memory.checksum(),
        pageCount: memory.pageCount,
        populatedPageCount: memory.populatedPageCount(),
      };
    }),
    xenstoreList: unary((request) => {
      const path = request.path || "/";
      if (!toolstack.store.exists(path))
        throw new ToolstackError("NOT_FOUND", `xenstore path ${path} does not exist`);
      return { entries: toolstack.store.snapshot(path) };
    }),
    ...schedServer(toolstack, cpuUsage),
    ...deviceListServer(toolstack),
    ...hotplugServer(toolstack),
    ...miscServer(toolstack, files),
  };
}
