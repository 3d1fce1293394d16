/**
 * A DER encoder (ITU-T X.690) for the few ASN.1 types an X.509 certificate needs. Each function
 * returns the whole TLV (tag, length, value) as bytes; `sequence` and `set` concatenate them.
 */

/** Universal tags (X.690 8.x). */
const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

/** UTCTime carries two-digit years up to 2049; later dates use GeneralizedTime (RFC 5280 4.1.2.5). */
const UTC_TIME_YEAR_MAX = 2049;

export function tlv(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.byteLength), value]);
}

function encodeLength(byteCount: number): Buffer {
  if (byteCount < 0x80) return Buffer.from([byteCount]);
  const bytes: number[] = [];
  for (let rest = byteCount; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(TAG.set, Buffer.concat(items));
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, "utf8"));
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));

/** A context-specific tag: [n] EXPLICIT wraps a whole TLV, [n] IMPLICIT replaces a primitive's tag. */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);
export const implicitPrimitive = (n: number, value: Uint8Array): Buffer => tlv(0x80 | n, value);

/** A non-negative INTEGER from its big-endian magnitude, in the minimal two's-complement form. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.byteLength - 1 && magnitude[start] === 0) start++;
  const bytes = Buffer.from(magnitude.subarray(start));
  const first = bytes[0] ?? 0;
  return tlv(TAG.integer, first & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

/** A BIT STRING whose last byte has `unusedBitCount` padding bits. */
export function bitString(bytes: Uint8Array, unusedBitCount = 0): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBitCount]), bytes]));
}

/** An OBJECT IDENTIFIER from its dotted form ("2.5.4.3"). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
      groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** A Time (RFC 5280 4.1.2.5): UTCTime up to 2049, GeneralizedTime after, always in UTC with seconds. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-03T09:41:21.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ""); // 20261203094121
  return date.getUTCFullYear() <= UTC_TIME_YEAR_MAX
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, "ascii"))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, "ascii"));
}
