import type { XenStore } from "../xenstore/store.js";
import {
  controlShutdownPath,
  domainPath,
  memoryStaticMaxPath,
  memoryTargetPath,
  vmPath,
} from "../xenstore/paths.js";
import type { DomainConfig } from "./xlcfg/domain-config.js";

export interface DomainIdentity {
  domid: number;
  name: string;
  uuid: string;
}

/**
 * Writes a new domain's nodes as libxl does (docs/misc/xenstore-paths.pandoc): its name, its /vm
 * link, memory target and static-max in KiB, vCPU availability, and control/ for the guest. All in
 * one transaction, as libxl__domain_make (tools/libs/light/libxl_create.c) makes the home; the
 * store builds both subtrees apart and adds them at once when neither is there yet.
 */
export function writeDomainLayout(store: XenStore, id: DomainIdentity, config: DomainConfig): void {
  const dom = domainPath(id.domid);
  const vm = vmPath(id.uuid);
  store.transactionOnNewSubtrees([dom, vm], (tx) => {
    // libxl's roperm: Dom0 owns the home, the guest may read it; children inherit that.
    tx.mkdir(dom);
    tx.setPerms(dom, [
      { domid: 0, perm: "n" },
      { domid: id.domid, perm: "r" },
    ]);
    tx.write(`${dom}/name`, id.name);
    tx.write(`${dom}/domid`, String(id.domid));
    tx.write(`${dom}/vm`, vm);
    tx.write(memoryTargetPath(id.domid), String(config.memoryMib * 1024));
    tx.write(memoryStaticMaxPath(id.domid), String(config.maxmemMib * 1024));
    tx.write(controlShutdownPath(id.domid), "");
    for (let vcpu = 0; vcpu < config.maxvcpus; vcpu++) {
      tx.write(`${dom}/cpu/${vcpu}/availability`, vcpu < config.vcpus ? "online" : "offline");
    }
    tx.write(`${vm}/name`, id.name);
    tx.write(`${vm}/uuid`, id.uuid);
    tx.write(`${vm}/image/ostype`, config.type === "hvm" ? "hvm" : "linux");
    // libxl's rwperm: the guest owns control/ and the nodes it answers through.
    tx.setPerms(`${dom}/control`, [{ domid: id.domid, perm: "n" }]);
    tx.setPerms(controlShutdownPath(id.domid), [{ domid: id.domid, perm: "n" }]);
  });
}

/** Removes the domain's home and its /vm entry; either may be gone already. */
export function removeDomainLayout(store: XenStore, id: DomainIdentity): void {
  store.rm(domainPath(id.domid));
  store.rm(vmPath(id.uuid));
}

export function renameInLayout(store: XenStore, id: DomainIdentity): void {
  store.transaction((tx) => {
    tx.write(`${domainPath(id.domid)}/name`, id.name);
    tx.write(`${vmPath(id.uuid)}/name`, id.name);
  });
}
