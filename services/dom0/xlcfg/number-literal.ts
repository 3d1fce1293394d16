/**
 * Integer literals as xl reads them: libxlu keeps a NUMBER token as text and xl converts it with
 * `strtol(text, &end, 0)` (tools/libs/util/libxlu_cfg.c, xlu_cfg_get_bounded_long), so `0x` is hex,
 * a leading `0` is octal and anything left over after the digits makes the whole value invalid.
 */

export type NumberLiteralResult = { ok: true; value: number } | { ok: false; reason: string };

const HEX_LITERAL = /^0[xX][0-9a-fA-F]+$/;
const OCTAL_LITERAL = /^0[0-7]*$/;
const DECIMAL_LITERAL = /^[1-9][0-9]*$/;

/** Reads an unsigned literal (no sign, no spaces): `0x100` = 256, `010` = 8, `42` = 42. */
export function parseIntegerLiteral(text: string): NumberLiteralResult {
  let value: number;
  if (HEX_LITERAL.test(text)) value = parseInt(text.slice(2), 16);
  else if (OCTAL_LITERAL.test(text)) value = text.length === 1 ? 0 : parseInt(text.slice(1), 8);
  else if (DECIMAL_LITERAL.test(text)) value = parseInt(text, 10);
  else return { ok: false, reason: `malformed number '${text}'` };
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `number '${text}' is too large` };
  return { ok: true, value };
}

/** Like `strtol(s, &end, 0)` requiring `*end == 0`: leading blanks and one sign allowed. */
export function parseCLong(text: string): NumberLiteralResult {
  const match = /^[ \t\n\v\f\r]*([+-]?)(.*)$/s.exec(text);
  const sign = match?.[1] ?? "";
  const digits = match?.[2] ?? "";
  const result = parseIntegerLiteral(digits);
  if (!result.ok) return { ok: false, reason: `'${text}' is not a valid number` };
  return { ok: true, value: sign === "-" && result.value !== 0 ? -result.value : result.value };
}
