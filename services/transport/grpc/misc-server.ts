import type { HostServer } from "../../gen/xensim/v1/host.js";
import type { DomainUptime } from "../../gen/xensim/v1/misc.js";
import type { DomainRecord, Toolstack } from "../../dom0/toolstack.js";
import { DOMID_DOM0 } from "../../core/units.js";
import { startTimePath } from "../../xenstore/paths.js";
import { domainInfo } from "./domain-info.js";
import { unary } from "./status.js";
import type { ConfinedPaths } from "../../dom0/confined-paths.js";
import { ToolstackError } from "../../dom0/errors.js";
import { dumpCore } from "../../dom0/dump-core.js";

type MiscHandlers = Pick<HostServer, "uptime" | "dmesg" | "console" | "suspend" | "resume" | "dumpCore">;

/** Where a file a caller names may go on this host (dom0/confined-paths.ts); undefined: nowhere. */
export type HostFiles = (() => ConfinedPaths) | undefined;

/** `xl uptime`, `dmesg`, `console`, `suspend`, `resume`, `dump-core` on one host. */
export function miscServer(toolstack: Toolstack, files: HostFiles): MiscHandlers {
  const reply = (record: DomainRecord) => ({ domain: domainInfo(toolstack, record) });
  return {
    uptime: unary((request) => {
      const records =
        request.domains.length === 0
          ? [...toolstack.records.values()].sort((a, b) => a.domid - b.domid)
          : request.domains.map((ref) => toolstack.requireDomain(ref));
      return { domains: records.map((record) => uptimeOf(toolstack, record)) };
    }),
    dmesg: unary((request) => {
      const lines = toolstack.dmesg.read();
      if (request.clear) toolstack.dmesg.clear();
      return { lines };
    }),
    console: unary((request) => {
      const record = toolstack.requireDomain(request.domain);
      return { domid: record.domid, name: record.name, lines: record.guest?.console.read() ?? [] };
    }),
    suspend: unary(async (request) => reply(await toolstack.suspend(request.domain))),
    resume: unary((request) => reply(toolstack.resume(request.domain))),
    dumpCore: unary((request) => {
      toolstack.requireDomUToChange(request.domain); // NOT_FOUND before anything about the path
      if (!files)
        throw new ToolstackError(
          "FAILED_PRECONDITION",
          "this host has no state directory for file operations",
        );
      const path = files().forWriting(request.path);
      const dump = dumpCore(toolstack, request.domain, path);
      const { domid, name } = dump.record;
      return {
        domid,
        name,
        path,
        pageCount: dump.pageCount,
        byteCount: dump.byteCount,
        checksum: dump.checksum,
      };
    }),
  };
}

/** Domain-0: since the host booted; a DomU: since start_time (libxl_vm_get_start_time). */
function uptimeOf(toolstack: Toolstack, record: DomainRecord): DomainUptime {
  const nowMs = toolstack.clock.nowMs();
  const startS =
    record.domid === DOMID_DOM0
      ? toolstack.bootMs / 1000
      : Number(toolstack.store.read(startTimePath(record.uuid)) ?? nowMs / 1000);
  return { domid: record.domid, name: record.name, uptimeS: Math.max(0, nowMs / 1000 - startS) };
}
