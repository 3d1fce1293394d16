import { assert } from "../errors.js";
import { PAGE_SIZE_BYTES } from "../units.js";

/**
 * Bytes before the first entry of a shared ring: req_prod, req_event, rsp_prod, rsp_event and the
 * 48-byte pad (DEFINE_RING_TYPES, xen/include/public/io/ring.h).
 */
export const RING_HEADER_BYTES = 64;

/** netif_tx_request {gref, offset, flags, id, size} = 12 bytes, larger than its response (netif.h). */
export const NETIF_TX_ENTRY_BYTES = 12;
/** netif_rx_request and netif_rx_response are both 8 bytes (netif.h). */
export const NETIF_RX_ENTRY_BYTES = 8;
/** blkif_request with its 11 segments = 112 bytes, larger than its response (blkif.h). */
export const BLKIF_ENTRY_BYTES = 112;
/** BLKIF_MAX_SEGMENTS_PER_REQUEST (blkif.h): one granted page per segment. */
export const BLKIF_SEGMENT_COUNT_MAX = 11;

/**
 * __RING_SIZE (public/io/ring.h): the largest power of two of entries that fits in the ring's pages
 * after the header. One page gives 256 slots for either netif ring and 32 for blkif.
 */
export function ringSlotCount(entryBytes: number, pageCount = 1): number {
  assert(Number.isInteger(entryBytes) && entryBytes > 0, `ring entry of ${entryBytes} bytes`);
  assert(Number.isInteger(pageCount) && pageCount >= 1, `ring of ${pageCount} pages`);
  const fitCount = Math.floor((pageCount * PAGE_SIZE_BYTES - RING_HEADER_BYTES) / entryBytes);
  assert(fitCount >= 1, `a ${entryBytes}-byte entry does not fit in ${pageCount} page(s)`);
  return 2 ** Math.floor(Math.log2(fitCount));
}

/** NET_TX_RING_SIZE, NET_RX_RING_SIZE and BLK_RING_SIZE for single-page rings. */
export const NET_TX_RING_SLOT_COUNT = ringSlotCount(NETIF_TX_ENTRY_BYTES);
export const NET_RX_RING_SLOT_COUNT = ringSlotCount(NETIF_RX_ENTRY_BYTES);
export const BLK_RING_SLOT_COUNT = ringSlotCount(BLKIF_ENTRY_BYTES);
