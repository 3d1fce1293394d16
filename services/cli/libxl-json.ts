/**
 * `xl list -l` and `xl create -n` JSON: libxl's libxl_domain_config as libxl's generated JSON
 * writes it (tools/libs/light/libxl_types.idl, gentypes.py): snake_case field names, memory in KiB
 * (`max_memkb`, `target_memkb`), enums as their lower-case names, the build info's keyed union under
 * `"type.<type>"`, bitmaps as arrays of set bits, and each entry `{"domid": N, "config": {...}}`.
 * xensim's own `xsim_*` settings, which libxl has no field for, go beside `config` under `xsim`.
 */
import type { DiskSpec, DomainConfig, LifecycleAction, VifSpec } from "../dom0/xlcfg/domain-config.js";

const KIB_PER_MIB = 1024;

/** Live figures of a running domain that override the configuration's (after mem-set, vcpu-set). */
export interface LiveDomain {
  domid: number;
  uuid?: string;
  memoryKib?: number;
  maxmemKib?: number;
  vcpusOnline?: number;
}

export interface LibxlDomainEntry {
  domid: number | null;
  config: Record<string, unknown>;
  xsim?: Record<string, unknown>;
}

/** One entry of `xl list -l`; `create -n` passes domid null, as xl prints before a domain exists. */
export function libxlDomainEntry(config: DomainConfig, live?: LiveDomain): LibxlDomainEntry {
  const entry: LibxlDomainEntry = {
    domid: live?.domid ?? null,
    config: {
      c_info: createInfo(config, live),
      b_info: buildInfo(config, live),
      disks: config.disks.map(disk),
      nics: config.vifs.map(nic),
      on_poweroff: action(config.onPoweroff),
      on_reboot: action(config.onReboot),
      on_watchdog: action(config.onWatchdog),
      on_crash: action(config.onCrash),
      on_soft_reset: action(config.onSoftReset),
    },
  };
  if (Object.keys(config.xsim).length > 0) entry.xsim = { ...config.xsim };
  return entry;
}

function createInfo(config: DomainConfig, live?: LiveDomain): Record<string, unknown> {
  const uuid = live?.uuid || config.uuid;
  return {
    type: config.type,
    name: config.name,
    ...(uuid ? { uuid } : {}),
    ...(config.pool ? { pool_name: config.pool } : {}),
    run_hotplug_scripts: "True",
  };
}

function buildInfo(config: DomainConfig, live?: LiveDomain): Record<string, unknown> {
  const vcpus = live?.vcpusOnline ?? config.vcpus;
  const typeFields = {
    ...(config.type === "hvm" && config.firmware ? { firmware: config.firmware } : {}),
    ...(config.type === "hvm" && config.boot ? { boot: config.boot } : {}),
  };
  return {
    max_vcpus: config.maxvcpus,
    avail_vcpus: Array.from({ length: vcpus }, (_, vcpu) => vcpu),
    max_memkb: live?.maxmemKib ?? config.maxmemMib * KIB_PER_MIB,
    target_memkb: live?.memoryKib ?? config.memoryMib * KIB_PER_MIB,
    sched_params: { weight: config.cpuWeight, cap: config.cap },
    ...(config.kernel ? { kernel: config.kernel } : {}),
    ...(config.cmdline ? { cmdline: config.cmdline } : {}),
    ...(config.ramdisk ? { ramdisk: config.ramdisk } : {}),
    ...(config.bootloader ? { bootloader: config.bootloader } : {}),
    [`type.${config.type}`]: typeFields,
  };
}

/** libxl_device_disk: pdev_path, vdev, backend, format, readwrite, is_cdrom. */
function disk(spec: DiskSpec): Record<string, unknown> {
  return {
    backend_domname: spec.backend,
    pdev_path: spec.target,
    vdev: spec.vdev,
    backend: spec.backendtype ?? "unknown",
    format: spec.format,
    ...(spec.script ? { script: spec.script } : {}),
    removable: spec.devtype === "cdrom" ? 1 : 0,
    readwrite: spec.access === "rw" ? 1 : 0,
    is_cdrom: spec.devtype === "cdrom" ? 1 : 0,
  };
}

/** libxl_device_nic: devid, mtu, model, mac, ip, bridge, ifname, script, nictype. */
function nic(spec: VifSpec): Record<string, unknown> {
  return {
    backend_domname: spec.backend,
    devid: spec.devid,
    mtu: spec.mtu,
    ...(spec.model ? { model: spec.model } : {}),
    mac: spec.mac,
    ...(spec.ip ? { ip: spec.ip } : {}),
    bridge: spec.bridge,
    ...(spec.vifname ? { ifname: spec.vifname } : {}),
    script: spec.script,
    nictype: spec.type === "ioemu" ? "vif_ioemu" : "vif",
  };
}

/** libxl_action_on_shutdown's names: xl.cfg's with '_' (rename-restart is RESTART_RENAME). */
function action(value: LifecycleAction): string {
  return value === "rename-restart" ? "restart_rename" : value.replace("-", "_");
}
