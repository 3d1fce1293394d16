/**
 * The image header, big-endian like Xen's (libxc-migration-stream.pandoc, "Image Header"):
 * marker u64, id u32, version u32, options u16, reserved u16, reserved u32 = 24 bytes, so that
 * the records after it start 8-byte aligned.
 */
import { StreamFormatError } from "./errors.js";
import {
  IMAGE_HEADER_BYTE_COUNT,
  IMAGE_HEADER_ID,
  IMAGE_HEADER_MARKER,
  IMAGE_OPTION_BIG_ENDIAN,
  STREAM_VERSION,
} from "./format.js";

export interface ImageHeader {
  version: number;
  options: number;
}

export function encodeImageHeader(): Buffer {
  const bytes = Buffer.alloc(IMAGE_HEADER_BYTE_COUNT);
  bytes.writeBigUInt64BE(IMAGE_HEADER_MARKER, 0);
  bytes.writeUInt32BE(IMAGE_HEADER_ID, 8);
  bytes.writeUInt32BE(STREAM_VERSION, 12);
  bytes.writeUInt16BE(0, 16); // options: little-endian records
  return bytes;
}

/** Parses the first 24 bytes of `bytes`; `offset` is their position in the stream, for errors. */
export function decodeImageHeader(bytes: Uint8Array, offset: number): ImageHeader {
  if (bytes.byteLength < IMAGE_HEADER_BYTE_COUNT) throw new Error("decodeImageHeader: fewer than 24 bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, IMAGE_HEADER_BYTE_COUNT);
  const marker = view.getBigUint64(0);
  if (marker !== IMAGE_HEADER_MARKER) {
    throw new StreamFormatError(offset, `bad marker 0x${marker.toString(16)} (expected 0xffffffffffffffff)`);
  }
  const id = view.getUint32(8);
  if (id !== IMAGE_HEADER_ID) {
    throw new StreamFormatError(offset + 8, `bad id 0x${id.toString(16)} (expected 0x5853494d "XSIM")`);
  }
  const version = view.getUint32(12);
  if (version !== STREAM_VERSION) {
    throw new StreamFormatError(
      offset + 12,
      `unsupported version ${version} (this reader knows ${STREAM_VERSION})`,
    );
  }
  const options = view.getUint16(16);
  if ((options & IMAGE_OPTION_BIG_ENDIAN) !== 0) {
    throw new StreamFormatError(offset + 16, "big-endian records are not supported");
  }
  if (options !== 0) {
    throw new StreamFormatError(offset + 16, `unknown option bits 0x${options.toString(16)}`);
  }
  if (view.getUint16(18) !== 0 || view.getUint32(20) !== 0) {
    throw new StreamFormatError(offset + 18, "reserved header bytes are not zero");
  }
  return { version, options };
}
