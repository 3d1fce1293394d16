import type { Scheduler } from "./scheduler.js";
import type { HaRecord } from "./ha-records.js";
import type { Statefile } from "../contracts/statefile.js";
import { chooseAndClaim } from "./operations.js";
import { parseConfig, placementRequest } from "./placement-adapter.js";

/** Key of the token that lets one scheduler restart one guest of one lost lease (docs/specs/ha.md §5). */
export function restartTokenKey(uuid: string, epoch: string): string {
  return `harestart.${uuid}.${epoch}`;
}

export interface LostHost {
  hostId: string;
  /** The epoch of the lease that was revoked: a guest is restarted once per lost lease. */
  epoch: string;
}

/**
 * HA restart of a host that provably lost its lease (docs/specs/ha.md §5): its HA domains are
 * created again on other hosts, `restart` priority before `best-effort` (XAPI's
 * ha-restart-priority), each only after this scheduler won the domain's restart token with a
 * compare-and-set, so a second scheduler or a repeated round never starts a second copy.
 */
export async function restartLostHost(
  scheduler: Scheduler,
  statefile: Statefile,
  lost: LostHost,
  excludeHostIds: readonly string[] = [],
): Promise<string[]> {
  const results: string[] = [];
  for (const record of await scheduler.ha.onHost(lost.hostId)) {
    const running = scheduler.view.findDomain(record.uuid);
    if (running && running.host.hostId !== lost.hostId) {
      await scheduler.ha.moved(record.uuid, running.host.hostId, running.domain.domid);
      results.push(`${record.name}: already runs on ${running.host.hostId}`);
      continue;
    }
    const token = restartTokenKey(record.uuid, lost.epoch);
    if ((await statefile.create(token, JSON.stringify({ from: lost.hostId }))) === undefined) continue;
    const result = await restartOne(scheduler, record, [lost.hostId, ...excludeHostIds]);
    // A protected guest that found no room is tried again next round; best-effort gets one try.
    if (!result.restarted && record.priority === "restart") await statefile.remove(token);
    results.push(result.report);
  }
  return results;
}

async function restartOne(
  scheduler: Scheduler,
  record: HaRecord,
  excludeHostIds: string[],
): Promise<{ restarted: boolean; report: string }> {
  const config = parseConfig(record.configJson);
  if (!config) return { restarted: false, report: `${record.name}: not restarted (no config recorded)` };
  try {
    const { host: target, claim } = chooseAndClaim(
      scheduler,
      placementRequest({ ...config, name: record.name }, { excludeHostIds }),
    );
    const configJson = JSON.stringify({ ...config, name: record.name, uuid: record.uuid });
    const domain = await scheduler.options.gateway
      .create(target.address, {
        configText: "",
        configFileName: `ha:${record.name}`,
        overrides: [],
        paused: false,
        configJson,
      })
      .catch((error: unknown) => {
        claim.release();
        throw error;
      });
    claim.settle();
    await scheduler.ha.moved(record.uuid, target.hostId, domain.domid);
    await scheduler.syncHost(target);
    scheduler.log(`HA: restarted ${record.name} (${record.priority}) on ${target.hostId}`);
    return { restarted: true, report: `${record.name}: restarted on ${target.hostId}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    scheduler.log(`HA: could not restart ${record.name} (${record.priority}): ${message}`);
    return { restarted: false, report: `${record.name}: not restarted (${message})` };
  }
}
