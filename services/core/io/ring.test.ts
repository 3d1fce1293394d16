import { describe, expect, it } from "vitest";
import {
  BLK_RING_SLOT_COUNT,
  NET_RX_RING_SLOT_COUNT,
  NET_TX_RING_SLOT_COUNT,
  ringSlotCount,
} from "./ring.js";

describe("ringSlotCount (__RING_SIZE)", () => {
  it("gives Xen's single-page ring sizes: 256 for netif, 32 for blkif", () => {
    expect(NET_TX_RING_SLOT_COUNT).toBe(256);
    expect(NET_RX_RING_SLOT_COUNT).toBe(256);
    expect(BLK_RING_SLOT_COUNT).toBe(32);
  });

  it("rounds down to a power of two and grows with the ring's pages", () => {
    expect(ringSlotCount(112, 2)).toBe(64); // (8192 - 64) / 112 = 72 -> 64
    expect(ringSlotCount(4032)).toBe(1);
    expect(() => ringSlotCount(4033)).toThrow("does not fit");
  });
});
