import { ToolstackError } from "./errors.js";

/**
 * Suffixes the migration protocol gives a guest's two copies while it moves
 * (docs/specs/migration-protocol.md): a user's domain may not carry them, or the cluster would
 * take it for half of a migration.
 */
export const MIGRATION_RESERVED_SUFFIXES = ["--incoming", "--migratedaway"] as const;

/** Longest domain name xensim accepts, in characters (a xenstore node value, shown in `xl list`). */
export const DOMAIN_NAME_LENGTH_MAX = 256;

/**
 * Why `name` cannot name a domain, or undefined when it can. As libxl: not empty, no '/' (it
 * becomes a xenstore path component), not "." or "..", no control characters; and not a name the
 * migration protocol reserves.
 */
export function domainNameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (name.length > DOMAIN_NAME_LENGTH_MAX)
    return `is ${name.length} characters long, at most ${DOMAIN_NAME_LENGTH_MAX}`;
  if (name === "." || name === "..") return `must not be "${name}"`;
  if (name.includes("/")) return "must not contain '/'";
  // xl takes an all-digit argument for a domain id (libxl_name_to_domid never sees it).
  if (/^\d+$/.test(name)) return "must not be all digits (xl would take it for a domain id)";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) return `must not contain control characters (found U+${hex4(control[0])})`;
  const suffix = MIGRATION_RESERVED_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (suffix !== undefined) return `must not end in "${suffix}" (reserved by live migration)`;
  return undefined;
}

/** Refuses an unusable name with INVALID_ARGUMENT naming the field it came from. */
export function checkDomainName(name: string, field = "name"): void {
  const problem = domainNameProblem(name);
  if (problem !== undefined)
    throw new ToolstackError("INVALID_ARGUMENT", `${field} ${JSON.stringify(name)} ${problem}`);
}

function hex4(character: string): string {
  return (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
}
