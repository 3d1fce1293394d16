import type { Prng } from "../../core/prng.js";
import { readBoot } from "./build-boot.js";
import { readDisks, readVifs } from "./build-devices.js";
import { readIdentity } from "./build-identity.js";
import { readLifecycle } from "./build-lifecycle.js";
import { readResources } from "./build-resources.js";
import { readXsim } from "./build-xsim.js";
import type { DomainConfig } from "./domain-config.js";
import { macPrngForName } from "./mac-address.js";
import { parseXlCfgStatements } from "./parser.js";
import { applyStatements, type XlCfgFile, type XlCfgSetting, type XlCfgValue } from "./settings.js";
import { SettingsReader } from "./settings-reader.js";
import type { XlCfgPosition } from "./errors.js";

/** The source name in errors about `xl create` trailing `key=value` arguments. */
export const OVERRIDE_SOURCE_NAME = "<command line>";

export interface BuildDomainConfigOptions {
  /**
   * Where MACs come from for vifs without `mac=`, drawn in vif order (so it advances). Default: a PRNG
   * seeded from the domain name, so the same config always gets the same MACs.
   */
  prng?: Prng;
}

/**
 * Validates a parsed file, plus `xl create` overrides applied after it (each one a one-line xl.cfg
 * source), into a DomainConfig with xl.cfg(5)'s defaults. Throws XlCfgError at the offending
 * setting; `file` is never modified. Host-dependent checks (HVM support, memory fit) are not here.
 */
export function buildDomainConfig(
  file: XlCfgFile,
  overrides: readonly string[] = [],
  options: BuildDomainConfigOptions = {},
): DomainConfig {
  const statements = overrides.flatMap((text) => parseXlCfgStatements(text, OVERRIDE_SOURCE_NAME));
  // Without overrides the file's own settings are read as they are (applyStatements would copy them).
  const settings = statements.length === 0 ? file.settings : applyStatements(file.settings, statements);
  const reader = new SettingsReader(settings);
  const fileStart: XlCfgPosition = { file: file.fileName, line: 1, column: 1 };
  const identity = readIdentity(reader, fileStart);
  const typeSetting = reader.setting("type") ?? reader.setting("builder") ?? reader.setting("name");
  // Object.assign, not an object literal of spreads: V8 builds a literal with two or more spreads
  // on a slow path (~20 µs for this one, a tenth of a create); the keys come out in the same order.
  const head = Object.assign({}, identity, readResources(reader), readLifecycle(reader));
  const boot = readBoot(reader, identity.type, typeSetting?.keyPosition ?? fileStart);
  const config: DomainConfig = Object.assign(head, boot, {
    nomigrate: reader.boolean("nomigrate") ?? false,
    disks: readDisks(reader),
    vifs: readVifs(reader, identity.type, options.prng ?? macPrngForName(identity.name)),
    xsim: readXsim(reader, identity.type),
    other: {},
  });
  config.other = otherSettings(reader.unread());
  return config;
}

/** Keys xl accepts that we do not model, kept as plain JSON. */
function otherSettings(settings: readonly XlCfgSetting[]): Record<string, unknown> {
  const other: Record<string, unknown> = {};
  for (const setting of settings) other[setting.key] = toJson(setting.value);
  return other;
}

function toJson(value: XlCfgValue): unknown {
  switch (value.kind) {
    case "string":
    case "number":
      return value.value;
    case "list":
      return value.items.map(toJson);
  }
}
