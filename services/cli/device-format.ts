import type { BlockListReply, IoOpStats, IoRingStats, NetworkListReply } from "../gen/xensim/v1/host.js";

/** `xl network-list`'s header (tools/xl/xl_nic.c main_networklist). */
export const NETWORK_LIST_HEADER = `${"Idx".padEnd(3)} ${"BE".padEnd(2)} ${"Mac Addr.".padEnd(17)} ${"handle".padEnd(6)} ${"state".padEnd(5)} ${"evt-ch".padEnd(6)} ${"tx-".padStart(5)}/${"rx-ring-ref".padEnd(5)} ${"BE-path".padEnd(30)}`;
/** `xl block-list`'s header (tools/xl/xl_block.c main_blocklist). */
export const BLOCK_LIST_HEADER = `${"Vdev".padEnd(5)} ${"BE".padEnd(3)} ${"handle".padEnd(6)} ${"state".padEnd(5)} ${"evt-ch".padEnd(6)} ${"ring-ref".padEnd(8)} ${"BE-path".padEnd(30)}`;

const left = (value: number | string, width: number) => String(value).padEnd(width);
const right = (value: number | string, width: number) => String(value).padStart(width);

/**
 * `xl network-list dom...`: xl's rows exactly ("%-3d %-2d " MAC "%6d %5d %6d %5d/%-11d %-30s"), then,
 * unless `xlOnly`, xensim's per-vif I/O counters.
 */
export function formatNetworkList(replies: readonly NetworkListReply[], xlOnly = false): string {
  const lines = [NETWORK_LIST_HEADER];
  for (const reply of replies) {
    for (const d of reply.devices) {
      lines.push(
        `${left(d.idx, 3)} ${left(d.backendId, 2)} ${d.mac}${right(d.handle, 6)} ${right(d.state, 5)} ` +
          `${right(d.evtch, 6)} ${right(d.txRingRef, 5)}/${left(d.rxRingRef, 11)} ${left(d.backendPath, 30)}`,
      );
    }
  }
  if (xlOnly) return lines.join("\n");
  const counters = [COUNTER_HEADER_NET];
  for (const reply of replies) {
    for (const d of reply.devices) {
      counters.push(counterRow(reply, `${d.idx}`, d.mode, [d.tx, d.rx], [d.txRing, d.rxRing]));
    }
  }
  return [...lines, "", ...counters].join("\n");
}

/** `xl block-list dom...`: xl's rows exactly ("%-5d %-3d %-6d %-5d %-6d %-8d %-30s"), then the counters. */
export function formatBlockList(replies: readonly BlockListReply[], xlOnly = false): string {
  const lines = [BLOCK_LIST_HEADER];
  for (const reply of replies) {
    for (const d of reply.devices) {
      lines.push(
        `${left(d.vdev, 5)} ${left(d.backendId, 3)} ${left(d.frontendId, 6)} ${left(d.state, 5)} ` +
          `${left(d.evtch, 6)} ${left(d.ringRef, 8)} ${left(d.backendPath, 30)}`,
      );
    }
  }
  if (xlOnly) return lines.join("\n");
  const counters = [COUNTER_HEADER_BLOCK];
  for (const reply of replies) {
    for (const d of reply.devices)
      counters.push(counterRow(reply, d.dev || String(d.vdev), d.mode, [d.read, d.write], [d.ring]));
  }
  return [...lines, "", ...counters].join("\n");
}

const COUNTER_COLUMNS = [
  "Requests",
  "Bytes",
  "Requests",
  "Bytes",
  "Ring-full",
  "Overflow",
  "Lat(us)",
  "Dom0(ms)",
];
const COUNTER_HEADER_NET = counterHeader("Idx", ["TX-pkts", "TX-bytes", "RX-pkts", "RX-bytes"]);
const COUNTER_HEADER_BLOCK = counterHeader("Dev", ["RD-reqs", "RD-bytes", "WR-reqs", "WR-bytes"]);

function counterHeader(device: string, opColumns: readonly string[]): string {
  const rest = [...opColumns, ...COUNTER_COLUMNS.slice(4)];
  return `${left("Domain", 12)} ${left(device, 5)} ${left("Mode", 8)} ${rest.map((c) => right(c, 11)).join(" ")}`;
}

/** One device's counters: each op's requests and bytes, the rings' events, mean latency, Dom0 CPU. */
function counterRow(
  reply: { domid: number; name: string },
  device: string,
  mode: string,
  ops: ReadonlyArray<IoOpStats | undefined>,
  rings: ReadonlyArray<IoRingStats | undefined>,
): string {
  const requests = ops.reduce((sum, op) => sum + (op?.requests ?? 0), 0);
  const latencyNs = ops.reduce((sum, op) => sum + (op?.latencyNsTotal ?? 0), 0);
  const cpuNs = ops.reduce((sum, op) => sum + (op?.dom0CpuNs ?? 0), 0);
  const values = [
    ...ops.flatMap((op) => [op?.requests ?? 0, op?.bytes ?? 0]),
    rings.reduce((sum, ring) => sum + (ring?.ringFullEvents ?? 0), 0),
    rings.reduce((sum, ring) => sum + (ring?.overflowRequests ?? 0), 0),
    requests === 0 ? "-" : (latencyNs / requests / 1e3).toFixed(1),
    (cpuNs / 1e6).toFixed(1),
  ];
  return `${left(reply.name, 12)} ${left(device, 5)} ${left(mode, 8)} ${values.map((v) => right(v, 11)).join(" ")}`;
}
