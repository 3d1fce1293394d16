import { decodeJson, encodeJson, type Bus, type BusSubscription } from "../contracts/bus.js";
import {
  ALL_SHUTDOWN_REQUESTS,
  shutdownRequestSubject,
  shutdownProgressSubject,
  type ShutdownProgress,
  type ShutdownRequest,
} from "../contracts/host-shutdown.js";
import type { Scheduler } from "./scheduler.js";
import { evacuate, EVACUATE_PARALLEL_DEFAULT } from "./evacuate.js";
import { isCutShort } from "./steps-done.js";

/**
 * A host shutting down asks the cluster to take its guests (xendomains' XENDOMAINS_MIGRATE with
 * the scheduler choosing each destination): evacuate it as `host-evacuate` does, telling the host
 * which guest went where, then enable it again so that it takes guests once it is back. The last
 * word ("done") carries why it stopped early, if it did, and an enable that failed.
 */
export async function evacuateForShutdown(
  scheduler: Scheduler,
  request: ShutdownRequest,
  publish: (progress: ShutdownProgress) => void,
): Promise<void> {
  const say = (kind: ShutdownProgress["kind"], domain = "", toHost = "", message = "") =>
    publish({ requestId: request.requestId, kind, domain, toHost, message });
  if (!scheduler.view.hosts.has(request.hostId)) {
    say("done", "", "", `host ${request.hostId} is not known to the scheduler`);
    return;
  }
  say("accepted");
  let message = "";
  try {
    await evacuate(scheduler, request.hostId, { parallel: EVACUATE_PARALLEL_DEFAULT }, (event) => {
      if (event.kind !== "migrate" || event.domain === "") return;
      if (event.ok) say("migrated", event.domain, hostIdAt(scheduler, event.toHost), event.message);
      else say("failed", event.domain, "", event.message);
    });
  } catch (error) {
    // Cut short: what it did, not the advice to a user at the CLI (this path enables the host below).
    message = isCutShort(error)
      ? error.withoutNextStep
      : error instanceof Error
        ? error.message
        : String(error);
  }
  try {
    await scheduler.setHostEnabled(request.hostId, true);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const enable = `could not enable ${request.hostId} again (${why}): run host-enable ${request.hostId} once it is back`;
    message = message === "" ? enable : `${message}; ${enable}`;
  }
  say("done", "", "", message);
}

/** Serves every host's shutdown request on the bus; unsubscribe to stop. */
export function serveShutdownRequests(scheduler: Scheduler, bus: Bus): BusSubscription {
  return bus.subscribe(ALL_SHUTDOWN_REQUESTS, (subject, data) => {
    if (!scheduler.isActive()) return; // the active scheduler serves it; a standby must not as well
    const request = decodeJson<ShutdownRequest>(data);
    // Only a host's own credential may publish on its subject (nats-server's permissions): a request
    // naming another host is a host asking to empty someone else, and is dropped.
    if (subject !== shutdownRequestSubject(request.hostId)) {
      scheduler.log(
        `dropped a shutdown request on ${subject}: it names host ${JSON.stringify(request.hostId)}`,
      );
      return;
    }
    scheduler.log(`${request.hostId} is shutting down with ${request.guests.length} guests: evacuating it`);
    const publish = (progress: ShutdownProgress) =>
      bus.publish(shutdownProgressSubject(request.hostId), encodeJson(progress));
    evacuateForShutdown(scheduler, request, publish).catch((error: unknown) =>
      scheduler.log(`shutdown evacuation of ${request.hostId}: ${String(error)}`),
    );
  });
}

/** The host id behind a migration's destination (an address), or the address when none matches. */
function hostIdAt(scheduler: Scheduler, destination: string): string {
  for (const host of scheduler.view.hosts.values()) if (host.address === destination) return host.hostId;
  return destination;
}
