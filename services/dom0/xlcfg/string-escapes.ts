/**
 * Backslash escapes inside quoted xl.cfg strings (tools/libs/util/libxlu_cfg.c, xlu__cfgl_dequote):
 * `\" \' \\ \a \b \f \n \r \t \v`, `\xHH` (two hex digits) and `\NNN` (one to three octal digits).
 * libxlu's own hex/octal decoding is off by one and reads octal as decimal; we implement the
 * documented meaning instead. Anything else after a backslash is an error.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

const OCTAL_ESCAPE_DIGIT_COUNT_MAX = 3;
const ESCAPED_CHAR_CODE_MAX = 0xff;

/** One decoded escape: the text it stands for and how many source characters it used after the backslash. */
export type EscapeResult = { ok: true; text: string; length: number } | { ok: false; reason: string };

/** Decodes the escape whose character after the backslash starts at `source[index]`. */
export function decodeEscape(source: string, index: number): EscapeResult {
  const first = source[index] ?? "";
  const simple = SIMPLE_ESCAPES[first];
  if (simple !== undefined) return { ok: true, text: simple, length: 1 };
  if (first === "x") {
    const hex = source.slice(index + 1, index + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
      return { ok: false, reason: "invalid escape '\\x' in quoted string: expected two hex digits" };
    }
    return { ok: true, text: String.fromCharCode(parseInt(hex, 16)), length: 3 };
  }
  if (/^[0-7]$/.test(first)) {
    const octal = /^[0-7]+/.exec(source.slice(index, index + OCTAL_ESCAPE_DIGIT_COUNT_MAX))?.[0] ?? first;
    const code = parseInt(octal, 8);
    if (code > ESCAPED_CHAR_CODE_MAX) {
      return { ok: false, reason: `octal escape '\\${octal}' is out of range (max \\377)` };
    }
    return { ok: true, text: String.fromCharCode(code), length: octal.length };
  }
  return { ok: false, reason: `invalid escape '\\${first}' in quoted string` };
}
