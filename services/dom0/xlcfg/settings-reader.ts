import { parseCLong } from "./number-literal.js";
import type { XlCfgSetting, XlCfgValue } from "./settings.js";
import { XlCfgError, type XlCfgPosition } from "./errors.js";

/**
 * Typed reads of a file's settings with xl's coercions (tools/libs/util/libxlu_cfg.c): a number
 * reads as its source text where a string is wanted, a string holding a C integer reads as a number,
 * a list is never a single value. Remembers which keys were read so the rest can go to `other`.
 */
export class SettingsReader {
  /**
   * The keys read that the file sets: a build asks for every key it knows and a file sets a few, so
   * remembering only those keeps this set small (unread() asks it only about keys that are set).
   */
  private readonly readKeys = new Set<string>();

  constructor(private readonly settings: ReadonlyMap<string, XlCfgSetting>) {}

  setting(key: string): XlCfgSetting | undefined {
    const setting = this.settings.get(key);
    if (setting !== undefined) this.readKeys.add(key);
    return setting;
  }

  string(key: string): string | undefined {
    const setting = this.setting(key);
    return setting === undefined ? undefined : singleString(key, setting.value);
  }

  number(key: string): number | undefined {
    const setting = this.setting(key);
    if (setting === undefined) return undefined;
    const value = setting.value;
    if (value.kind === "list") throw notSingle(key, value);
    if (setting.op === "+=")
      throw new XlCfgError(setting.keyPosition, `can't use += with numbers (key "${key}")`);
    if (value.kind === "number") return value.value;
    const parsed = parseCLong(value.value);
    if (!parsed.ok) throw new XlCfgError(value.position, `"${key}" must be a number: ${parsed.reason}`);
    return parsed.value;
  }

  /** A number within [min, max], inclusive. */
  boundedNumber(key: string, min: number, max: number): number | undefined {
    const value = this.number(key);
    if (value !== undefined && (value < min || value > max)) {
      throw new XlCfgError(
        this.valuePosition(key),
        `"${key}" is ${value}, must be between ${min} and ${max}`,
      );
    }
    return value;
  }

  /** xl's BOOLEAN: a number, 0 = false. */
  boolean(key: string): boolean | undefined {
    const value = this.number(key);
    return value === undefined ? undefined : value !== 0;
  }

  list(key: string): readonly XlCfgValue[] | undefined {
    const setting = this.setting(key);
    if (setting === undefined) return undefined;
    if (setting.value.kind !== "list") {
      throw new XlCfgError(setting.value.position, `"${key}" must be a list [ ... ], not a single value`);
    }
    return setting.value.items;
  }

  /** Where the value of `key` was written; the key must be set. */
  valuePosition(key: string): XlCfgPosition {
    const setting = this.settings.get(key);
    if (setting === undefined) throw new Error(`valuePosition: "${key}" is not set`);
    return setting.value.position;
  }

  /** Settings never read, in first-written order. */
  unread(): XlCfgSetting[] {
    return [...this.settings.values()].filter((setting) => !this.readKeys.has(setting.key));
  }
}

/** A string-like item: a string, or a number as its source text (libxlu keeps NUMBER tokens as text). */
export function singleString(what: string, value: XlCfgValue): string {
  if (value.kind === "list") throw notSingle(what, value);
  return value.kind === "number" ? value.text : value.value;
}

function notSingle(what: string, value: XlCfgValue): XlCfgError {
  return new XlCfgError(value.position, `"${what}" must be a single value, not a list`);
}
