/**
 * DISKSPEC strings (docs/man/xl-disk-configuration.5.pod.in; lexer tools/libs/util/libxlu_disk_l.l,
 * defaults libxlu_disk.c). Positional fields `target, format, vdev, access` may be mixed with
 * `key=value` fields and flags; `target=` takes the rest of the string; the deprecated prefixes
 * `raw: qcow: qcow2: vhd: phy: file: tap: aio: ...` come before the target.
 */
import { BACKEND_DOMAIN_DEFAULT, type DiskSpec } from "./domain-config.js";
import { DeviceSpecError } from "./device-spec-error.js";

type DiskFormat = DiskSpec["format"] | "empty";
type BackendType = NonNullable<DiskSpec["backendtype"]>;

interface DiskDraft {
  target?: string;
  format?: DiskFormat;
  vdev?: string;
  access: DiskSpec["access"];
  accessSet: boolean;
  cdrom: boolean;
  backend?: string;
  backendtype?: BackendType;
  script?: string;
  hadDeprecatedPrefix: boolean;
}

const FORMATS: ReadonlySet<string> = new Set<DiskFormat>(["raw", "qcow", "qcow2", "vhd", "qed", "empty"]);
const BACKEND_TYPES: ReadonlySet<string> = new Set<BackendType>(["phy", "qdisk", "standalone", "tap"]);
/** Flags and keys libxlu accepts that we do not model. */
const IGNORED_FLAGS = new Set([
  "direct-io-safe",
  "discard",
  "no-discard",
  "colo",
  "no-colo",
  "trusted",
  "untrusted",
]);
const IGNORED_KEYS = new Set(["colo-host", "colo-port", "colo-export", "active-disk", "hidden-disk"]);
const DEPRECATED_PREFIX = /^([a-z][a-z0-9]*):/;
const IGNORED_PREFIXES = new Set(["tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy"]);

export function parseDiskSpec(spec: string): DiskSpec {
  const draft: DiskDraft = { access: "rw", accessSet: false, cdrom: false, hadDeprecatedPrefix: false };
  let rest = spec;
  while (rest.length > 0) {
    const consumed = scanOne(draft, rest);
    if (!(consumed > 0)) throw new Error(`disk spec scanner made no progress at "${rest}"`);
    rest = rest.slice(consumed);
  }
  return finish(draft);
}

/** Handles the token at the start of `rest`; returns how many characters it used. */
function scanOne(draft: DiskDraft, rest: string): number {
  const blanks = /^[ \t\n]+/.exec(rest)?.[0];
  if (blanks !== undefined) return blanks.length;
  if (rest.startsWith("target=")) {
    saveTarget(draft, stripComma(rest.slice("target=".length)));
    return rest.length;
  }
  const prefix = DEPRECATED_PREFIX.exec(rest);
  if (prefix !== null && isDeprecatedPrefix(prefix[1] ?? "", rest.charAt(prefix[0].length))) {
    applyDeprecatedPrefix(draft, prefix[1] ?? "");
    return prefix[0].length;
  }
  const comma = rest.indexOf(",");
  const field = comma < 0 ? rest : rest.slice(0, comma);
  const equals = field.indexOf("=");
  if (equals < 0) applyWord(draft, field);
  else applyKeyValue(draft, field.slice(0, equals), field.slice(equals + 1));
  return comma < 0 ? rest.length : comma + 1;
}

function isDeprecatedPrefix(name: string, following: string): boolean {
  if (/^(raw|qcow2?|vhd|iscsi|e?nbd|drbd)$/.test(name) || IGNORED_PREFIXES.has(name)) return true;
  // An unknown `word:` counts as a prefix only when no letter or digit follows (libxlu_disk_l.l).
  return !/^[a-z0-9]$/.test(following);
}

function applyDeprecatedPrefix(draft: DiskDraft, name: string): void {
  draft.hadDeprecatedPrefix = true;
  if (/^(raw|qcow2?|vhd)$/.test(name)) setFormat(draft, name);
  else if (/^(iscsi|e?nbd|drbd)$/.test(name))
    draft.script = saveString("script", draft.script, `block-${name}`);
  else if (!IGNORED_PREFIXES.has(name))
    throw new DeviceSpecError(`unknown deprecated disk prefix '${name}:'`);
}

/** A flag or a positional field. */
function applyWord(draft: DiskDraft, word: string): void {
  if (word === "cdrom") draft.cdrom = true;
  else if (!IGNORED_FLAGS.has(word)) applyPositional(draft, word);
}

function applyKeyValue(draft: DiskDraft, key: string, value: string): void {
  switch (key) {
    case "format":
      return setFormat(draft, value);
    case "devtype":
      if (value !== "cdrom" && value !== "disk")
        throw new DeviceSpecError(`unknown value for devtype: '${value}'`);
      draft.cdrom = value === "cdrom";
      return;
    case "access":
      return setAccess(draft, value);
    case "backend":
      draft.backend = saveString("backend", draft.backend, value);
      return;
    case "backendtype":
      return setBackendType(draft, value);
    case "vdev":
      draft.vdev = saveString("vdev", draft.vdev, value);
      return;
    case "script":
      draft.script = saveString("script", draft.script, value);
      return;
    case "specification":
      if (value !== "xen" && value !== "virtio")
        throw new DeviceSpecError(`unknown value for specification: '${value}'`);
      return;
    case "grant_usage":
      if (value !== "0" && value !== "1")
        throw new DeviceSpecError(`unknown value for grant_usage: '${value}'`);
      return;
    default:
      if (IGNORED_KEYS.has(key)) return;
      throw new DeviceSpecError(`unknown parameter '${key}=${value}'`);
  }
}

/** Positional fields fill target, format, vdev and access in turn (libxlu_disk_l.l). */
function applyPositional(draft: DiskDraft, word: string): void {
  if (draft.target === undefined) {
    saveTarget(draft, word);
  } else if (!draft.hadDeprecatedPrefix && draft.format === undefined) {
    if (draft.target === "" && applyVdevAndDevtype(draft, word)) draft.format = "empty";
    else setFormat(draft, word);
  } else if (draft.vdev === undefined) {
    if (!applyVdevAndDevtype(draft, word)) draft.vdev = word;
  } else if (!draft.accessSet) {
    setAccess(draft, word);
  } else {
    throw new DeviceSpecError(`too many positional parameters: '${word}'`);
  }
}

/** The deprecated `vdev:devtype` form, e.g. `hdc:cdrom`; false if `word` has no colon. */
function applyVdevAndDevtype(draft: DiskDraft, word: string): boolean {
  const colon = word.lastIndexOf(":");
  if (colon < 0) return false;
  draft.vdev = saveString("vdev", draft.vdev, word.slice(0, colon));
  const devtype = word.slice(colon + 1);
  if (devtype !== "cdrom" && devtype !== "disk")
    throw new DeviceSpecError(`unknown deprecated type '${devtype}'`);
  draft.cdrom = devtype === "cdrom";
  return true;
}

function setFormat(draft: DiskDraft, value: string): void {
  const format = value === "" ? "raw" : value;
  if (!isFormat(format)) throw new DeviceSpecError(`unknown value for format: '${value}'`);
  if (draft.format !== undefined && draft.format !== format)
    throw new DeviceSpecError(`format respecified: '${value}'`);
  draft.format = format;
}

function setAccess(draft: DiskDraft, value: string): void {
  if (value === "r" || value === "ro") draft.access = "ro";
  else if (value === "rw" || value === "w" || value === "") draft.access = "rw";
  else throw new DeviceSpecError(`unknown value for access: '${value}'`);
  draft.accessSet = true;
}

function setBackendType(draft: DiskDraft, value: string): void {
  if (!isBackendType(value)) throw new DeviceSpecError(`unknown value for backendtype: '${value}'`);
  if (draft.backendtype !== undefined && draft.backendtype !== value) {
    throw new DeviceSpecError(`backendtype respecified: '${value}'`);
  }
  draft.backendtype = value;
}

function saveTarget(draft: DiskDraft, value: string): void {
  draft.target = saveString("target", draft.target, value);
}

/** A string field may be given once; an earlier empty value may be overwritten (libxlu savestring). */
function saveString(what: string, current: string | undefined, value: string): string {
  if (current !== undefined && current !== "") throw new DeviceSpecError(`${what} respecified: '${value}'`);
  return value;
}

function finish(draft: DiskDraft): DiskSpec {
  let format: DiskFormat = draft.format ?? "raw";
  if (draft.cdrom && (draft.target === undefined || draft.target === "")) format = "empty";
  if (draft.vdev === undefined) throw new DeviceSpecError("no vdev specified");
  if (draft.target === undefined && !draft.cdrom) {
    throw new DeviceSpecError("no target specified (and device not removable)");
  }
  const disk: DiskSpec = {
    target: draft.target ?? "",
    // An empty cdrom drive has no image: we keep format raw with an empty target.
    format: format === "empty" ? "raw" : format,
    vdev: draft.vdev,
    access: draft.cdrom ? "ro" : draft.access,
    devtype: draft.cdrom ? "cdrom" : "disk",
    backend: draft.backend ?? BACKEND_DOMAIN_DEFAULT,
  };
  if (draft.backendtype !== undefined) disk.backendtype = draft.backendtype;
  if (draft.script !== undefined) disk.script = draft.script;
  return disk;
}

function stripComma(value: string): string {
  return value.endsWith(",") ? value.slice(0, -1) : value;
}

function isFormat(value: string): value is DiskFormat {
  return FORMATS.has(value);
}

function isBackendType(value: string): value is BackendType {
  return BACKEND_TYPES.has(value);
}
