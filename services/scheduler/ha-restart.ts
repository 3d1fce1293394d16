import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import { choose } from "./operations.js";
import { parseConfig, placementRequest } from "./placement-adapter.js";

/**
 * HA: when a host is declared down, its HA domains are created again on surviving hosts, `restart`
 * priority before `best-effort` (XAPI's ha-restart-priority). The dead host, if it is only cut off,
 * fences itself (destroys its DomUs) before the scheduler's deadline, so no guest runs twice.
 */
export async function restartHaDomains(scheduler: Scheduler, deadHost: HostEntry): Promise<string[]> {
  const results: string[] = [];
  for (const record of await scheduler.ha.onHost(deadHost.hostId)) {
    const config = parseConfig(record.configJson);
    if (!config) continue;
    const running = scheduler.view.findDomain(record.uuid);
    if (running && running.host.hostId !== deadHost.hostId) {
      results.push(`${record.name}: already runs on ${running.host.hostId}`);
      continue;
    }
    try {
      const target = choose(
        scheduler,
        placementRequest({ ...config, name: record.name }, { excludeHostIds: [deadHost.hostId] }),
      );
      const configJson = JSON.stringify({ ...config, name: record.name, uuid: record.uuid });
      const domain = await scheduler.options.gateway.create(target.address, {
        configText: "",
        configFileName: `ha:${record.name}`,
        overrides: [],
        paused: false,
        configJson,
      });
      await scheduler.ha.moved(record.uuid, target.hostId, domain.domid);
      await scheduler.syncHost(target);
      results.push(`${record.name}: restarted on ${target.hostId}`);
      scheduler.log(`HA: restarted ${record.name} (${record.priority}) on ${target.hostId}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push(`${record.name}: not restarted (${message})`);
      scheduler.log(`HA: could not restart ${record.name} (${record.priority}): ${message}`);
    }
  }
  return results;
}
