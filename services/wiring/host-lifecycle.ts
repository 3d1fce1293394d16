import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import type { HostService } from "./host-service.js";
import { DOMID_DOM0 } from "../core/units.js";
import { encodeJson } from "../contracts/bus.js";
import { formatGuestFate, guestFateSubject, type GuestFate } from "../contracts/host-shutdown.js";
import { shutdownHost, type ShutdownGuest } from "../host/shutdown.js";
import { requestEvacuation } from "../host/shutdown-request.js";
import { restoreSaved } from "../host/restore-saved.js";

/** What a host does with its guests on SIGTERM: xendomains (migrate, else save) or destroy them. */
export const ON_SHUTDOWN_MODES = ["xendomains", "destroy"] as const;
export type OnShutdownMode = (typeof ON_SHUTDOWN_MODES)[number];

/** The default state directory: XSIM_HOME/state/HOST (xendomains keeps its saves in /var/lib/xen/save). */
export function defaultStateDir(hostId: string): string {
  return join(process.env.XSIM_HOME ?? join(homedir(), ".xsim"), "state", hostId);
}

/** Reports a guest's fate on stderr and on the bus. */
function reporter(service: HostService): (fate: GuestFate) => void {
  const hostId = service.options.spec.hostId;
  return (fate) => {
    process.stderr.write(`${hostId}: ${formatGuestFate(fate)}\n`);
    service.options.bus?.publish(guestFateSubject(hostId), encodeJson(fate));
  };
}

/** xendomains stop for a real host process: see services/host/shutdown.ts. */
export async function stopGuests(
  service: HostService,
  mode: OnShutdownMode,
  stateDir: string,
): Promise<GuestFate[]> {
  const { toolstack, migrations } = service;
  const bus = service.options.bus;
  toolstack.closedReason = "is shutting down";
  if (mode === "xendomains") await mkdir(stateDir, { recursive: true });
  const fates = await shutdownHost({
    hostId: toolstack.spec.hostId,
    clock: toolstack.clock,
    guests: () => guestsOf(service),
    isMigrating: (domid) => migrations.isMigrating(domid),
    ...(bus && mode === "xendomains"
      ? { evacuate: (request) => requestEvacuation(bus, toolstack.clock, request) }
      : {}),
    save: async (guest, path) => {
      const file = await freePath(path, guest);
      await service.host.save({
        domain: String(guest.domid),
        path: file,
        keepRunning: false,
      });
      return file;
    },
    destroy: (guest) => toolstack.destroy(String(guest.domid)),
    stateDir: mode === "xendomains" ? stateDir : undefined,
    report: reporter(service),
    newRequestId: () => randomUUID(),
  });
  await bus?.flush().catch(() => undefined);
  return fates;
}

/** xendomains start: restores every guest saved in `stateDir` at the last shutdown. */
export async function restoreGuests(service: HostService, stateDir: string): Promise<GuestFate[]> {
  const fileNames = await readdir(stateDir).catch(() => []);
  if (fileNames.length === 0) return [];
  const { toolstack } = service;
  return restoreSaved({
    hostId: toolstack.spec.hostId,
    stateDir,
    fileNames,
    restore: async (path) => {
      const reply = await service.host.restore({ path, paused: false });
      return { name: reply.name, uuid: toolstack.records.get(reply.domid)?.uuid ?? "" };
    },
    remove: (path) => rm(path, { force: true }),
    report: reporter(service),
  });
}

function guestsOf(service: HostService): ShutdownGuest[] {
  return [...service.toolstack.records.values()]
    .filter((r) => r.domid !== DOMID_DOM0)
    .map(({ domid, name, uuid }) => ({ domid, name, uuid }));
}

/** `path`, or beside it with the uuid when a file from an earlier shutdown is still there. */
async function freePath(path: string, guest: ShutdownGuest): Promise<string> {
  const taken = await stat(path).then(
    () => true,
    () => false,
  );
  return taken ? path.replace(/\.xsim$/, `-${guest.uuid.slice(0, 8)}.xsim`) : path;
}
