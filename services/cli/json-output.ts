/**
 * `--json` of the listing verbs xl has no JSON for (network-list, block-list, sched-*, host-list,
 * top): the reply in protobuf's canonical JSON mapping (proto3 JSON: lowerCamelCase field names,
 * numbers as numbers), so what `--json` prints is defined by proto/ alone. `list -l`
 * prints libxl's JSON (libxl-json.ts) and `migrate --json` QEMU's names (migration-json.ts).
 */
export const JSON_HELP = "print as JSON (proto3 JSON mapping of the reply)";

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
