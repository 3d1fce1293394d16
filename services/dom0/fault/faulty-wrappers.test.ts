import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../core/clock.js";
import { runSimulation } from "../../core/simulation.js";
import { encodeEnd } from "../stream/record-encode.js";
import { PageBatchWriter } from "../stream/page-batch-writer.js";
import { simScheduler } from "../migrate/sim-harness.js";
import type { SenderDomain } from "../migrate/sender.js";
import type { StreamSink } from "../migrate/stream-sink.js";
import { corruptFirstDataPage } from "./corrupt-page.js";
import { faultyWrappers } from "./faulty-wrappers.js";

function pageDataRecord(): Buffer {
  const writer = new PageBatchWriter({ pageCountMax: 4 });
  writer.begin();
  writer.addZeroPage(1);
  writer.addPage(7, Buffer.alloc(4096, 0x11));
  writer.addPage(9, Buffer.alloc(4096, 0x22));
  return Buffer.from(writer.finish());
}

describe("corruptFirstDataPage", () => {
  it("flips the first byte of the first data page, past the zero page and the checksums", () => {
    const record = pageDataRecord();
    const before = Buffer.from(record);
    expect(corruptFirstDataPage(record)).toBe(true);
    const changed = [...record].flatMap((byte, at) => (byte === before[at] ? [] : [at]));
    expect(changed).toEqual([record.length - 2 * 4096]);
    expect(record[record.length - 2 * 4096]).toBe(0x11 ^ 0xff);
  });

  it("leaves records without data pages alone", () => {
    const end = encodeEnd();
    expect(corruptFirstDataPage(end)).toBe(false);
    const writer = new PageBatchWriter({ pageCountMax: 4 });
    writer.begin();
    writer.addZeroPage(3);
    expect(corruptFirstDataPage(Buffer.from(writer.finish()))).toBe(false);
  });
});

describe("faultyWrappers", () => {
  it("holds the first write after the guest is paused for the stall, and only that one", async () => {
    const clock = new SimulatedClock();
    const plan = { domain: "g", corruptPage: false, stallAfterPauseMs: 250, stallBeforeHandoverMs: 0 };
    const wrappers = faultyWrappers(plan, simScheduler(clock));
    const writtenAtMs: number[] = [];
    const sink = wrappers.sink({
      write: (_chunk, release) => {
        writtenAtMs.push(clock.nowMs());
        release();
        return Promise.resolve();
      },
      flush: () => Promise.resolve(),
      close: () => undefined,
    } satisfies StreamSink);
    let paused = false;
    const domain = wrappers.domain({ pause: () => (paused = true) } as unknown as SenderDomain);
    const chunk = new Uint8Array(8);
    await runSimulation(
      clock,
      (async () => {
        await sink.write(chunk, () => undefined);
        domain.pause();
        await sink.write(chunk, () => undefined);
        await sink.write(chunk, () => undefined);
      })(),
    );
    expect(paused).toBe(true);
    expect(writtenAtMs).toEqual([0, 250, 250]);
  });
});
