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
  /** The figure `s` sorts by (xentop's compare_*: names ascending, figures largest first). */
  key: (domain: TopDomain) => number | string;
}

/** A VBD column: "-" for a domain without block devices, as xentop's tot_vbd_reqs. */
function vbd(figure: (d: TopDomain) => number): (d: TopDomain) => string {
  return (d) => (d.vbds > 0 ? String(figure(d)) : "-");
}

const kib = (bytes: number) => Math.floor(bytes / BYTES_PER_KIB);

/** xentop's 19 columns in its order and default widths (tools/xentop/xentop.c fields[]). */
export const TOP_COLUMNS: readonly TopColumn[] = [
  { header: "NAME", width: NAME_WIDTH, value: (d) => d.name, key: (d) => d.name.toLowerCase() },
  { header: "STATE", width: 6, value: (d) => d.state, key: (d) => d.state },
  {
    header: "CPU(sec)",
    width: 10,
    value: (d) => String(Math.floor(d.cpuTimeNs / NS_PER_SECOND)),
    key: (d) => d.cpuTimeNs,
  },
  { header: "CPU(%)", width: 6, value: (d) => d.cpuPercent.toFixed(1), key: (d) => d.cpuPercent },
  { header: "MEM(k)", width: 10, value: (d) => String(d.memoryKib), key: (d) => d.memoryKib },
  { header: "MEM(%)", width: 6, value: (d) => d.memoryPercent.toFixed(1), key: (d) => d.memoryKib },
  { header: "MAXMEM(k)", width: 10, value: (d) => String(d.maxmemKib), key: (d) => d.maxmemKib },
  { header: "MAXMEM(%)", width: 9, value: (d) => d.maxmemPercent.toFixed(1), key: (d) => d.maxmemKib },
  { header: "VCPUS", width: 5, value: (d) => String(d.vcpus), key: (d) => d.vcpus },
  { header: "NETS", width: 4, value: (d) => String(d.nets), key: (d) => d.nets },
  {
    header: "NETTX(k)",
    width: 8,
    grows: true,
    value: (d) => String(kib(d.netTxBytes)),
    key: (d) => d.netTxBytes,
  },
  {
    header: "NETRX(k)",
    width: 8,
    grows: true,
    value: (d) => String(kib(d.netRxBytes)),
    key: (d) => d.netRxBytes,
  },
  { header: "VBDS", width: 4, value: (d) => String(d.vbds), key: (d) => d.vbds },
  { header: "VBD_OO", width: 8, value: vbd((d) => d.vbdOoRequests), key: (d) => d.vbdOoRequests },
  {
    header: "VBD_RD",
    width: 8,
    grows: true,
    value: vbd((d) => d.vbdReadRequests),
    key: (d) => d.vbdReadRequests,
  },
  {
    header: "VBD_WR",
    width: 8,
    grows: true,
    value: vbd((d) => d.vbdWriteRequests),
    key: (d) => d.vbdWriteRequests,
  },
  {
    header: "VBD_RSECT",
    width: 10,
    grows: true,
    value: vbd((d) => d.vbdReadSectors),
    key: (d) => d.vbdReadSectors,
  },
  {
    header: "VBD_WSECT",
    width: 10,
    grows: true,
    value: vbd((d) => d.vbdWriteSectors),
    key: (d) => d.vbdWriteSectors,
  },
  { header: "SSID", width: 4, value: (d) => String(d.ssid), key: (d) => d.ssid },
];

export interface TopFormatOptions {
  /** -f: the whole domain name, not its first 10 characters. */
  fullName?: boolean;
  /** The column `s` has chosen (index into TOP_COLUMNS); default 0, NAME, as xentop starts. */
  sortColumn?: number;
  /** Without -H: the host of each domain, printed as a last column. */
  hostOf?: (domain: TopDomain) => string;
}

/** Orders domains as xentop's compare_domains: by the sort column, names A-Z, figures largest first. */
export function sortTopDomains(domains: readonly TopDomain[], sortColumn = 0): TopDomain[] {
  const column = TOP_COLUMNS[sortColumn] ?? TOP_COLUMNS[0]!;
  return [...domains].sort((a, b) => {
    const [ka, kb] = [column.key(a), column.key(b)];
    if (typeof ka === "string" || typeof kb === "string") return String(ka).localeCompare(String(kb));
    return kb - ka;
  });
}

/** xentop's domain table: a header and one row per domain ("%*s" per field, one space between). */
export function formatTopTable(reply: TopReply, options: TopFormatOptions = {}): string {
  const domains = sortTopDomains(reply.domains, options.sortColumn);
  const nameWidth = options.fullName
    ? Math.max(NAME_WIDTH, ...domains.map((d) => d.name.length))
    : NAME_WIDTH;
  // xentop.c adjust_field_widths: INT_FIELD_WIDTH(value + 1) when wider than the default.
  const widths = TOP_COLUMNS.map((column, index) => {
    if (index === 0) return nameWidth;
    if (!column.grows) return column.width;
    return Math.max(column.width, ...domains.map((d) => String(Number(column.value(d)) + 1).length));
  });
  const cells = (texts: string[]) => texts.map((text, i) => text.padStart(widths[i]!)).join(" ");
  const hostOf = options.hostOf;
  const header = cells(TOP_COLUMNS.map((c) => c.header)) + (hostOf ? " HOST" : "");
  const rows = domains.map((domain) => {
    const texts = TOP_COLUMNS.map((c) => c.value(domain));
    if (!options.fullName) texts[0] = domain.name.slice(0, NAME_WIDTH);
    return cells(texts) + (hostOf ? ` ${hostOf(domain)}` : "");
  });
  return [header, ...rows].join("\n");
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
