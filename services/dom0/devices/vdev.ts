/**
 * Device numbers for virtual disks (docs/misc/vbd-interface.txt): xvdX = 202<<8 | disk<<4,
 * hdX = 3<<8 (a,b) or 22<<8 (c,d), sdX = 8<<8 | disk<<4. Returns undefined for a name we don't model.
 */
export function vbdDevid(vdev: string): number | undefined {
  const match = /^(xvd|hd|sd)([a-z])$/.exec(vdev);
  if (!match) return undefined;
  const disk = match[2]!.charCodeAt(0) - 97;
  switch (match[1]) {
    case "xvd":
      return (202 << 8) | (disk << 4);
    case "sd":
      return (8 << 8) | (disk << 4);
    default:
      if (disk > 3) return undefined;
      return ((disk < 2 ? 3 : 22) << 8) | ((disk % 2) << 6);
  }
}
