import { describe, expect, it } from "vitest";
import type { BlockListReply, NetworkListReply } from "../gen/xensim/v1/host.js";
import {
  BLOCK_LIST_HEADER,
  NETWORK_LIST_HEADER,
  formatBlockList,
  formatNetworkList,
} from "./device-format.js";

const OP = { requests: 2000, bytes: 3_000_000, latencyNsTotal: 40_000_000, dom0CpuNs: 9_000_000 };
const RING = {
  slotCount: 256,
  requestsInFlight: 0,
  ringFullEvents: 1,
  grantExhaustedEvents: 0,
  overflowRequests: 0,
  notificationsToBackend: 10,
  notificationsToFrontend: 10,
  grantEntriesInUse: 0,
};

const NETWORK: NetworkListReply = {
  domid: 3,
  name: "web",
  devices: [
    {
      idx: 0,
      backendId: 0,
      mac: "00:16:3e:12:34:56",
      handle: 0,
      state: 4,
      evtch: 1,
      txRingRef: 8,
      rxRingRef: 9,
      backendPath: "/local/domain/0/backend/vif/3/0",
      mode: "pv",
      tx: OP,
      rx: { ...OP, requests: 0, bytes: 0, latencyNsTotal: 0, dom0CpuNs: 0 },
      txRing: RING,
      rxRing: { ...RING, ringFullEvents: 0 },
    },
  ],
};

const BLOCK: BlockListReply = {
  domid: 3,
  name: "web",
  devices: [
    {
      vdev: 51712,
      backendId: 0,
      frontendId: 3,
      state: 1,
      evtch: -1,
      ringRef: -1,
      backendPath: "/local/domain/0/backend/vbd/3/51712",
      dev: "xvda",
      mode: "emulated",
      read: OP,
      write: OP,
      ring: RING,
    },
  ],
};

describe("device list formats", () => {
  it("print xl network-list's header and rows exactly", () => {
    expect(NETWORK_LIST_HEADER).toBe(
      "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       ",
    );
    const [header, row] = formatNetworkList([NETWORK], true).split("\n");
    expect(header).toBe(NETWORK_LIST_HEADER);
    expect(row).toBe(
      "0   0  00:16:3e:12:34:56     0     4      1     8/9           /local/domain/0/backend/vif/3/0",
    );
  });

  it("print xl block-list's header and rows exactly, -1 for rings the frontend never set up", () => {
    expect(BLOCK_LIST_HEADER).toBe("Vdev  BE  handle state evt-ch ring-ref BE-path                       ");
    const [, row] = formatBlockList([BLOCK], true).split("\n");
    expect(row).toBe("51712 0   3      1     -1     -1       /local/domain/0/backend/vbd/3/51712");
  });

  it("add each device's counters below xl's table", () => {
    const lines = formatNetworkList([NETWORK]).split("\n");
    expect(lines[2]).toBe("");
    expect(lines[3]).toMatch(
      /^Domain\s+Idx\s+Mode\s+TX-pkts\s+TX-bytes\s+RX-pkts\s+RX-bytes\s+Ring-full\s+Overflow\s+Lat\(us\)\s+Dom0\(ms\)$/,
    );
    expect(lines[4]!.split(/\s+/)).toEqual([
      "web",
      "0",
      "pv",
      "2000",
      "3000000",
      "0",
      "0",
      "1",
      "0",
      "20.0",
      "9.0",
    ]);
    const block = formatBlockList([BLOCK]).split("\n");
    expect(block[4]!.split(/\s+/)).toEqual([
      "web",
      "xvda",
      "emulated",
      "2000",
      "3000000",
      "2000",
      "3000000",
      "1",
      "0",
      "20.0",
      "18.0",
    ]);
  });
});
