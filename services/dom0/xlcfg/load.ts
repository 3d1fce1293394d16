import type { Prng } from "../../core/prng.js";
import { parseXlCfg } from "./parser.js";
import { buildDomainConfig } from "./build.js";
import type { DomainConfig } from "./domain-config.js";

/** Parses and validates xl.cfg text with `xl create`'s trailing overrides: the dry-run path too. */
export function loadDomainConfig(
  text: string,
  fileName: string,
  overrides: readonly string[],
  prng: Prng,
): DomainConfig {
  return buildDomainConfig(parseXlCfg(text, fileName), overrides, { prng });
}
