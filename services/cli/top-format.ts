import type { TopDomain, TopReply } from "../gen/xensim/v1/host.js";

const NS_PER_SECOND = 1e9;
const BYTES_PER_KIB = 1024;
/** xentop's default NAME width; longer names are cut unless -f (xentop.c print_name "%10.10s"). */
const NAME_WIDTH = 10;

interface TopColumn {
  header: string;
  /** xentop.c fields[].default_width; the I/O columns widen to fit their largest value. */
  width: number;
  grows?: boolean;
  value: (domain: TopDomain) => string;
}

/** The xentop columns xensim shows, in xentop's order (tools/xentop/xentop.c fields[]). */
const COLUMNS: readonly TopColumn[] = [
  { header: "STATE", width: 6, value: (d) => d.state },
  { header: "CPU(sec)", width: 10, value: (d) => String(Math.floor(d.cpuTimeNs / NS_PER_SECOND)) },
  { header: "CPU(%)", width: 6, value: (d) => d.cpuPercent.toFixed(1) },
  { header: "MEM(k)", width: 10, value: (d) => String(d.memoryKib) },
  { header: "MEM(%)", width: 6, value: (d) => d.memoryPercent.toFixed(1) },
  { header: "MAXMEM(k)", width: 10, value: (d) => String(d.maxmemKib) },
  { header: "MAXMEM(%)", width: 9, value: (d) => d.maxmemPercent.toFixed(1) },
  { header: "VCPUS", width: 5, value: (d) => String(d.vcpus) },
  {
    header: "NETTX(k)",
    width: 8,
    grows: true,
    value: (d) => String(Math.floor(d.netTxBytes / BYTES_PER_KIB)),
  },
  {
    header: "NETRX(k)",
    width: 8,
    grows: true,
    value: (d) => String(Math.floor(d.netRxBytes / BYTES_PER_KIB)),
  },
  { header: "VBD_RD", width: 8, grows: true, value: (d) => String(d.vbdReadRequests) },
  { header: "VBD_WR", width: 8, grows: true, value: (d) => String(d.vbdWriteRequests) },
];

export interface TopFormatOptions {
  /** -f: the whole domain name, not its first 10 characters. */
  fullName?: boolean;
}

/** xentop's domain table: a header and one row per domain, sorted by name as xentop sorts by default. */
export function formatTopTable(reply: TopReply, options: TopFormatOptions = {}): string {
  const domains = [...reply.domains].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const nameWidth = options.fullName
    ? Math.max(NAME_WIDTH, ...domains.map((d) => d.name.length))
    : NAME_WIDTH;
  // xentop.c adjust_field_widths: INT_FIELD_WIDTH(value + 1) when wider than the default.
  const widths = COLUMNS.map((column) =>
    column.grows
      ? Math.max(column.width, ...domains.map((d) => String(Number(column.value(d)) + 1).length))
      : column.width,
  );
  const header = ["NAME".padStart(nameWidth), ...COLUMNS.map((c, i) => c.header.padStart(widths[i]!))];
  const rows = domains.map((domain) => {
    const name = options.fullName ? domain.name : domain.name.slice(0, NAME_WIDTH);
    return [name.padStart(nameWidth), ...COLUMNS.map((c, i) => c.value(domain).padStart(widths[i]!))].join(
      " ",
    );
  });
  return [header.join(" "), ...rows].join("\n");
}

/** xentop's summary above the table (do_summary), shown when not in batch mode. */
export function formatTopSummary(reply: TopReply, now: Date): string {
  const counts = { running: 0, blocked: 0, paused: 0, crashed: 0, dying: 0, shutdown: 0 };
  for (const { state } of reply.domains) {
    // STATE letters in xentop's order d s b c p r; the first that applies, as do_summary counts.
    if (state[5] === "r") counts.running++;
    else if (state[2] === "b") counts.blocked++;
    else if (state[4] === "p") counts.paused++;
    else if (state[1] === "s") counts.shutdown++;
    else if (state[3] === "c") counts.crashed++;
    else if (state[0] === "d") counts.dying++;
  }
  const usedKib = reply.totalMemoryKib - reply.freeMemoryKib;
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, "0"));
  return [
    `xentop - ${time.join(":")}   Xen ${reply.xenVersion}`,
    `${reply.domains.length} domains: ${counts.running} running, ${counts.blocked} blocked, ` +
      `${counts.paused} paused, ${counts.crashed} crashed, ${counts.dying} dying, ${counts.shutdown} shutdown `,
    `Mem: ${reply.totalMemoryKib}k total, ${usedKib}k used, ${reply.freeMemoryKib}k free    ` +
      `CPUs: ${reply.nrCpus} @ ${reply.cpuMhz}MHz`,
  ].join("\n");
}
