import { XlCfgError, type XlCfgPosition } from "./errors.js";

/** A parsed value. A number keeps its source text too, because xl reads a number as a string where it wants one. */
export type XlCfgValue =
  | { kind: "string"; value: string; position: XlCfgPosition }
  | { kind: "number"; value: number; text: string; position: XlCfgPosition }
  | { kind: "list"; items: readonly XlCfgValue[]; position: XlCfgPosition };

/** One `KEY = VALUE` or `KEY += VALUE` statement as written. */
export interface XlCfgStatement {
  readonly key: string;
  readonly op: "=" | "+=";
  readonly value: XlCfgValue;
  readonly keyPosition: XlCfgPosition;
}

/** The value a key ends up with. `op` is the last statement's, since xl refuses `+=` for numbers. */
export type XlCfgSetting = XlCfgStatement;

/** A parsed file: every statement in order, and the resulting value of each key. */
export interface XlCfgFile {
  readonly fileName: string;
  readonly statements: readonly XlCfgStatement[];
  readonly settings: ReadonlyMap<string, XlCfgSetting>;
}

/**
 * Applies statements in order, as xlu__cfg_set_store does (tools/libs/util/libxlu_cfg.c): `=` replaces
 * any earlier value (the last assignment wins); `+=` concatenates string to string or list to list, and
 * acts like `=` for a key not yet set. Returns a new map; `settings` is not modified.
 */
export function applyStatements(
  settings: ReadonlyMap<string, XlCfgSetting>,
  statements: readonly XlCfgStatement[],
): Map<string, XlCfgSetting> {
  return applyStatementsTo(new Map(settings), statements);
}

/** applyStatements onto `result` itself (a file's own settings start from an empty map): returns it. */
export function applyStatementsTo(
  result: Map<string, XlCfgSetting>,
  statements: readonly XlCfgStatement[],
): Map<string, XlCfgSetting> {
  for (const statement of statements) {
    const previous = result.get(statement.key);
    if (statement.op === "=" || previous === undefined) {
      if (statement.op === "+=" && statement.value.kind === "number") throw cannotAddNumbers(statement);
      result.set(statement.key, statement);
      continue;
    }
    result.set(statement.key, { ...statement, value: concatenate(previous.value, statement) });
  }
  return result;
}

function concatenate(previous: XlCfgValue, statement: XlCfgStatement): XlCfgValue {
  const added = statement.value;
  if (previous.kind === "number" || added.kind === "number") throw cannotAddNumbers(statement);
  if (previous.kind === "string" && added.kind === "string") {
    return { kind: "string", value: previous.value + added.value, position: added.position };
  }
  if (previous.kind === "list" && added.kind === "list") {
    return { kind: "list", items: [...previous.items, ...added.items], position: added.position };
  }
  throw new XlCfgError(
    statement.keyPosition,
    `can't add [list] to "string" or vice versa: "${statement.key}" was a ${previous.kind}, this adds a ${added.kind}`,
  );
}

function cannotAddNumbers(statement: XlCfgStatement): XlCfgError {
  return new XlCfgError(statement.keyPosition, `can't use += with numbers (key "${statement.key}")`);
}
