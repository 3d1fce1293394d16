import { Prng } from "../../core/prng.js";

/** Xen's IEEE OUI, the first three octets of every generated vif MAC. */
export const XEN_OUI_OCTETS = [0x00, 0x16, 0x3e] as const;

const MAC_PATTERN = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}$/i;

/**
 * A MAC for a vif the config gives none: 00:16:3e followed by three random octets, the first with
 * its top bit clear (libxl__device_nic_setdefault, tools/libs/light/libxl_nic.c).
 */
export function generateMac(prng: Prng): string {
  const random = prng.nextU32();
  const octets = [...XEN_OUI_OCTETS, (random >>> 24) & 0x7f, (random >>> 16) & 0xff, (random >>> 8) & 0xff];
  return octets.map(formatOctet).join(":");
}

/** `00:16:3E:1:2:3` → `00:16:3e:01:02:03`; undefined if `text` is not six hex octets joined by ':'. */
export function normalizeMac(text: string): string | undefined {
  if (!MAC_PATTERN.test(text)) return undefined;
  return text
    .split(":")
    .map((octet) => formatOctet(parseInt(octet, 16)))
    .join(":");
}

function formatOctet(octet: number): string {
  return octet.toString(16).padStart(2, "0");
}

/** The MAC source when the caller passes no PRNG: seeded from the domain name, so a name always gets the same MACs. */
export function macPrngForName(name: string): Prng {
  return new Prng(fnv1a32(name));
}

/** FNV-1a over the UTF-16 code units of `text`. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash;
}
