import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { applyPageData } from "./apply-page-data.js";
import { PageType } from "./format.js";
import { StreamDecoder } from "./stream-decoder.js";
import {
  buildStreamFixture,
  FIXTURE_DEVICES,
  FIXTURE_DOMAIN_INFO,
  FIXTURE_HIGH_PFN,
  FIXTURE_PAGE_COUNT,
  FIXTURE_VCPU_CONTEXT,
  FIXTURE_XENSTORE,
} from "./stream-fixture.js";
import type { StreamRecord } from "./stream-record.js";
import { checkVerifyRecord } from "./verify.js";

const fixture = buildStreamFixture(new Prng(7));
const stream = Buffer.concat(fixture.records);

interface Decoded {
  /** Records with page data replaced by plain arrays, so two decodes compare with toEqual. */
  summaries: unknown[];
  memory: Map<number, Uint8Array>;
}

function summarize(record: StreamRecord): unknown {
  if (record.kind !== "page-data") return record;
  const { data: _data, ...rest } = record;
  return { ...rest, pfns: Array.from(record.pfns), types: Array.from(record.types) };
}

function decodeChunks(chunks: Iterable<Uint8Array>): Decoded {
  const decoder = new StreamDecoder();
  const decoded: Decoded = { summaries: [], memory: new Map() };
  const sink = {
    writePage: (pfn: number, page: Uint8Array) => decoded.memory.set(pfn, Uint8Array.from(page)),
    zeroPage: (pfn: number) => decoded.memory.set(pfn, new Uint8Array(PAGE_SIZE_BYTES)),
  };
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let record = decoder.next(); record !== undefined; record = decoder.next()) {
      if (record.kind === "page-data") applyPageData(record, sink, true);
      decoded.summaries.push(summarize(record));
    }
  }
  decoder.end();
  return decoded;
}

/** pfns whose page differs between the two memories (Buffer.equals: toEqual on pages is slow). */
function pfnsWithDifferentPage(actual: Map<number, Uint8Array>, expected: Map<number, Uint8Array>): number[] {
  const pfns = new Set([...actual.keys(), ...expected.keys()]);
  return [...pfns].filter((pfn) => {
    const [a, b] = [actual.get(pfn), expected.get(pfn)];
    return a === undefined || b === undefined || !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
  });
}

function expectSameDecode(actual: Decoded, expected: Decoded, what: string): void {
  expect(actual.summaries, what).toEqual(expected.summaries);
  expect(pfnsWithDifferentPage(actual.memory, expected.memory), what).toEqual([]);
}

function* byteByByte(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at++) yield bytes.subarray(at, at + 1);
}

function* randomChunks(bytes: Uint8Array, prng: Prng, byteCountMax: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength;) {
    const byteCount = 1 + prng.nextInt(byteCountMax);
    yield bytes.subarray(at, at + byteCount);
    at += byteCount;
  }
}

describe("StreamDecoder round trip", () => {
  const whole = decodeChunks([stream]);

  it("yields every record in order with the values written", () => {
    const kinds = whole.summaries.map((summary) => (summary as StreamRecord).kind);
    expect(kinds).toEqual([
      "header",
      "domain-info",
      "page-data",
      "page-data",
      "round-end",
      "page-data",
      "page-data",
      "page-data",
      "round-end",
      "vcpu-context",
      "xenstore-data",
      "device-info",
      "verify",
      "end",
    ]);
    expect(whole.summaries).toContainEqual({ kind: "domain-info", offset: 24, info: FIXTURE_DOMAIN_INFO });
    expect(whole.summaries).toContainEqual(expect.objectContaining({ context: FIXTURE_VCPU_CONTEXT }));
    expect(whole.summaries).toContainEqual(expect.objectContaining({ entries: FIXTURE_XENSTORE }));
    expect(whole.summaries).toContainEqual(expect.objectContaining({ devices: FIXTURE_DEVICES }));
    expect(whole.summaries).toContainEqual(
      expect.objectContaining({
        kind: "round-end",
        round: 2,
        final: true,
        pageCountSent: 3,
        pageCountDirty: 0,
      }),
    );
  });

  it("reports each record's offset in the stream", () => {
    let offset = 0;
    const offsets = fixture.records.map((record) => {
      const at = offset;
      offset += record.byteLength;
      return at;
    });
    expect(whole.summaries.map((summary) => (summary as StreamRecord).offset)).toEqual(offsets);
  });

  it("rebuilds the source's memory: normal, zero, re-sent and 52-bit pfns", () => {
    expect(pfnsWithDifferentPage(whole.memory, fixture.memory)).toEqual([]);
    expect(whole.memory.has(FIXTURE_HIGH_PFN)).toBe(true);
  });

  it("marks every third page of the big batches ZERO and carries no data for them", () => {
    const first = whole.summaries[2] as { pfns: number[]; types: number[]; pageCountNormal: number };
    expect(first.pfns).toEqual(Array.from({ length: 1024 }, (_, pfn) => pfn));
    expect(first.types.filter((type) => type === PageType.ZERO)).toHaveLength(342);
    expect(first.pageCountNormal).toBe(1024 - 342);
  });

  it("ends with a VERIFY that the rebuilt memory passes", () => {
    const decoder = new StreamDecoder();
    decoder.push(stream);
    let record = decoder.next();
    while (record !== undefined && record.kind !== "verify") record = decoder.next();
    expect(record?.kind).toBe("verify");
    if (record?.kind !== "verify") return;
    expect(record.pageCount).toBe(FIXTURE_PAGE_COUNT);
    expect(record.table).toEqual(fixture.checksumTable);
    expect(() => checkVerifyRecord(record, fixture.checksumTable)).not.toThrow();
  });

  it("gives the same records and pages when fed byte by byte", () => {
    expectSameDecode(decodeChunks(byteByByte(stream)), whole, "byte by byte");
  });

  it("gives the same records and pages for random chunkings, small and large", () => {
    for (const [seed, byteCountMax] of [
      [1, 64],
      [2, 4096],
      [3, 300_000],
      [4, 1_100_000],
    ] as const) {
      expectSameDecode(
        decodeChunks(randomChunks(stream, new Prng(seed), byteCountMax)),
        whole,
        `seed ${seed}`,
      );
    }
  });
});
