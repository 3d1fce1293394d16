/**
 * UUID texts as Xen's tools write them (xl.cfg `uuid=`, `/vm/$UUID`, a domain named by its uuid):
 * the one check every layer uses.
 */

/** A UUID's text: 36 characters, "-" at these indexes and hex digits (either case) elsewhere. */
const UUID_TEXT_LENGTH = 36;
const UUID_DASH_INDEXES = [8, 13, 18, 23] as const;
const DASH_CHAR_CODE = 0x2d;

/**
 * Whether `text` is a UUID, hex digits in either case: the regex
 * /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i read by character codes, as
 * every create, start_time and removal asks it (xenstore/paths.test.ts holds it to the regex).
 */
export function isUuidText(text: string): boolean {
  if (text.length !== UUID_TEXT_LENGTH) return false;
  let dashIndexAt = 0;
  for (let index = 0; index < UUID_TEXT_LENGTH; index++) {
    const code = text.charCodeAt(index);
    if (index === UUID_DASH_INDEXES[dashIndexAt]) {
      if (code !== DASH_CHAR_CODE) return false;
      dashIndexAt++;
    } else if (!isHexDigitCode(code)) return false;
  }
  return true;
}

function isHexDigitCode(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x61 && code <= 0x66) || // a-f
    (code >= 0x41 && code <= 0x46) // A-F
  );
}
