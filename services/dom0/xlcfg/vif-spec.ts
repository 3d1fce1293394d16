/**
 * VIFSPEC strings (docs/man/xl-network-configuration.5.pod.in; tools/xl/xl_parse.c parse_nic_config,
 * rate syntax tools/libs/util/libxlu_vif.c): comma-separated `key=value`, every key optional, so ''
 * is a NIC with all defaults. Unlike xl, which only warns, an unknown key is an error here.
 */
import { BACKEND_DOMAIN_DEFAULT, type DomainType, type VifSpec } from "./domain-config.js";
import { DeviceSpecError } from "./device-spec-error.js";
import { normalizeMac } from "./mac-address.js";

/** A parsed vif; `mac` is absent when the spec gives none (the builder generates one). */
export type VifDraft = Omit<VifSpec, "mac"> & { mac?: string };

export const VIF_BRIDGE_DEFAULT = "xenbr0";
export const VIF_SCRIPT_DEFAULT = "vif-bridge";
export const VIF_MTU_DEFAULT = 1500;
export const VIF_MTU_MAX = 65535;
export const VIF_DEVID_MAX = 0x7fffffff;
/** HVM guests get an emulated NIC next to the PV one unless told otherwise. */
export const VIF_HVM_MODEL_DEFAULT = "rtl8139";

const IGNORED_KEYS = new Set(["gatewaydev", "netdev", "accel", "vlan", "forwarddev"]);
const IGNORED_FLAGS = new Set(["trusted", "untrusted"]);
const RATE_BYTES = /^[0-9]+[GMK]?[Bb]\/s$/;
const RATE_INTERVAL = /^[0-9]+[mu]?s?$/;

export function parseVifSpec(spec: string, devid: number, domainType: DomainType): VifDraft {
  const vif: VifDraft = {
    devid,
    bridge: VIF_BRIDGE_DEFAULT,
    script: VIF_SCRIPT_DEFAULT,
    backend: BACKEND_DOMAIN_DEFAULT,
    mtu: VIF_MTU_DEFAULT,
  };
  if (domainType === "hvm") {
    vif.type = "ioemu";
    vif.model = VIF_HVM_MODEL_DEFAULT;
  }
  // strtok(",") in xl: empty fields are skipped, leading spaces dropped.
  for (const field of spec.split(",")) {
    const token = field.replace(/^ +/, "");
    if (token === "" || IGNORED_FLAGS.has(token)) continue;
    const equals = token.indexOf("=");
    if (equals < 0) throw new DeviceSpecError(`unrecognized vif argument '${token}'`);
    applyVifKey(vif, token.slice(0, equals), token.slice(equals + 1));
  }
  return vif;
}

function applyVifKey(vif: VifDraft, key: string, value: string): void {
  switch (key) {
    case "type":
      if (value !== "vif" && value !== "ioemu") throw new DeviceSpecError(`invalid vif type '${value}'`);
      vif.type = value;
      return;
    case "mac":
      vif.mac = normalizeMac(value);
      if (vif.mac === undefined) throw new DeviceSpecError(`invalid mac '${value}'`);
      return;
    case "bridge":
    case "script":
    case "backend":
    case "model":
    case "ip":
      vif[key] = value;
      return;
    case "vifname":
      vif.vifname = value;
      return;
    case "rate":
      checkRate(value);
      vif.rate = value;
      return;
    case "devid":
      vif.devid = parseDecimal(key, value, 0, VIF_DEVID_MAX);
      return;
    case "mtu":
      vif.mtu = parseDecimal(key, value, 1, VIF_MTU_MAX);
      return;
    default:
      if (IGNORED_KEYS.has(key) || key.startsWith("colo_")) return;
      throw new DeviceSpecError(`unrecognized vif argument '${key}=${value}'`);
  }
}

/** `RATE[@INTERVAL]`, e.g. `10Mb/s`, `1MB/s@20ms` (xlu_vif_parse_rate). */
function checkRate(rate: string): void {
  const at = rate.indexOf("@");
  const bytes = at < 0 ? rate : rate.slice(0, at);
  const interval = at < 0 ? undefined : rate.slice(at + 1);
  if (!RATE_BYTES.test(bytes) || /^0+[^0-9]/.test(bytes)) throw new DeviceSpecError(`invalid rate '${rate}'`);
  if (interval !== undefined && (!RATE_INTERVAL.test(interval) || /^0+([^0-9]|$)/.test(interval))) {
    throw new DeviceSpecError(`invalid replenishment interval in rate '${rate}'`);
  }
}

function parseDecimal(key: string, value: string, min: number, max: number): number {
  const number = /^[0-9]+$/.test(value) ? parseInt(value, 10) : NaN;
  if (!(number >= min && number <= max)) {
    throw new DeviceSpecError(`vif ${key} must be a whole number from ${min} to ${max}, not '${value}'`);
  }
  return number;
}
