import type { DomainType } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError, type XlCfgPosition } from "./errors.js";
import { domainNameProblem } from "../domain-name.js";
import { isUuidText } from "../../core/uuid-text.js";

export interface DomainIdentity {
  name: string;
  uuid?: string;
  type: DomainType;
}

/** The domain type when neither `type` nor `builder` says: pv on x86 (xl_parse.c parse_config_data). */
export const DOMAIN_TYPE_DEFAULT: DomainType = "pv";

/** name, uuid, type and the deprecated builder; `fileStart` is where to report a missing name. */
export function readIdentity(reader: SettingsReader, fileStart: XlCfgPosition): DomainIdentity {
  const type = readType(reader);
  const name = reader.string("name");
  if (name === undefined) throw new XlCfgError(fileStart, 'domain name must be specified (name = "...")');
  if (name === "") throw new XlCfgError(reader.valuePosition("name"), "domain name must not be empty");
  const problem = domainNameProblem(name);
  if (problem !== undefined)
    throw new XlCfgError(reader.valuePosition("name"), `domain name ${JSON.stringify(name)} ${problem}`);
  const uuid = reader.string("uuid");
  if (uuid !== undefined && !isUuidText(uuid)) {
    throw new XlCfgError(reader.valuePosition("uuid"), `failed to parse UUID "${uuid}"`);
  }
  return uuid === undefined ? { name, type } : { name, uuid: uuid.toLowerCase(), type };
}

function readType(reader: SettingsReader): DomainType {
  const typeText = reader.string("type");
  let type: DomainType | undefined;
  if (typeText !== undefined) {
    if (typeText !== "pv" && typeText !== "pvh" && typeText !== "hvm") {
      throw new XlCfgError(
        reader.valuePosition("type"),
        `invalid domain type "${typeText}" (pv, pvh or hvm)`,
      );
    }
    type = typeText;
  }
  // `builder` is deprecated since Xen 4.10: "generic" means pv; it must agree with `type`.
  const builder = reader.string("builder");
  if (builder === undefined) return type ?? DOMAIN_TYPE_DEFAULT;
  const position = reader.valuePosition("builder");
  if (builder !== "generic" && builder !== "hvm") {
    throw new XlCfgError(position, `invalid builder "${builder}" (generic or hvm)`);
  }
  const builderType = builder === "hvm" ? "hvm" : "pv";
  if (type !== undefined && type !== builderType) {
    throw new XlCfgError(
      position,
      `contradicting "builder" and "type" options: builder "${builder}", type "${type}"`,
    );
  }
  return builderType;
}
