import { assert } from "../errors.js";
import { EventChannelTable } from "./event-channel.js";
import { GRANT_FRAME_COUNT_MAX_DEFAULT, GrantTable } from "./grant-table.js";

/**
 * The grant tables and event channel ports of a host's domains, kept by the hypervisor as Xen keeps
 * them in struct domain. A table comes into being on first use and goes with the domain.
 */
export class DomainIoTables {
  private readonly grantTables = new Map<number, GrantTable>();
  private readonly eventChannelTables = new Map<number, EventChannelTable>();

  grantTable(domid: number): GrantTable {
    let table = this.grantTables.get(domid);
    if (!table) {
      table = new GrantTable(domid, GRANT_FRAME_COUNT_MAX_DEFAULT);
      this.grantTables.set(domid, table);
    }
    return table;
  }

  /** xl.cfg max_grant_frames: sets the size of a table nothing has been granted from yet. */
  setGrantFrameCountMax(domid: number, frameCountMax: number): void {
    const table = this.grantTables.get(domid);
    assert(table === undefined || table.entryCountInUse === 0, `domain ${domid}'s grant table is in use`);
    this.grantTables.set(domid, new GrantTable(domid, frameCountMax));
  }

  eventChannels(domid: number): EventChannelTable {
    let table = this.eventChannelTables.get(domid);
    if (!table) {
      table = new EventChannelTable(domid);
      this.eventChannelTables.set(domid, table);
    }
    return table;
  }

  /** The domain is destroyed: its ports close (peers' ends become unbound) and its grants go. */
  release(domid: number): void {
    this.eventChannelTables.get(domid)?.closeAll();
    this.eventChannelTables.delete(domid);
    this.grantTables.delete(domid);
  }
}
