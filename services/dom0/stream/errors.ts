/** A stream that breaks the format (docs/specs/migration-stream.md); `offset` is a byte offset in it. */
export class StreamFormatError extends Error {
  override readonly name = "StreamFormatError";
  constructor(
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`offset ${offset}: ${detail}`);
  }
}

/** A PAGE_DATA page whose bytes do not hash to the checksum the record carries. */
export class PageChecksumError extends Error {
  override readonly name = "PageChecksumError";
  constructor(
    readonly offset: number,
    readonly pfn: number,
    readonly checksumExpected: bigint,
    readonly checksumActual: bigint,
  ) {
    super(
      `offset ${offset}: page pfn 0x${pfn.toString(16)} fails its checksum ` +
        `(record says 0x${checksumExpected.toString(16)}, data hashes to 0x${checksumActual.toString(16)})`,
    );
  }
}

/** The destination's memory does not match the source's VERIFY record. */
export class StreamVerifyError extends Error {
  override readonly name = "StreamVerifyError";
  constructor(
    readonly offset: number,
    readonly detail: string,
    /** The first pfn that differs, when the record carried the full table. */
    readonly pfn: number | undefined,
  ) {
    super(`offset ${offset}: VERIFY failed: ${detail}`);
  }
}
