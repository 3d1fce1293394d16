/**
 * Checks a `cpus` / `cpus_soft` string as xl's parse_cpurange does (tools/xl/xl_parse.c):
 * comma-separated items, each `[^][node:|nodes:](all | N | N-M)`, e.g. "0-3,5,^1", "nodes:0-3,^node:2".
 * Returns why the string is invalid, or undefined when it is fine. Which pCPUs exist is the host's business.
 */
export function cpuRangeProblem(text: string): string | undefined {
  for (const item of text.split(",")) {
    if (item === "") continue;
    const negated = item.startsWith("^");
    const body = item.replace(/^\^/, "").replace(/^nodes?:/, "");
    if (body === "all") {
      if (negated) return `can't combine "^" and "all" in '${text}'`;
      continue;
    }
    const range = /^([0-9]+)(?:-([0-9]+))?$/.exec(body);
    const first = Number(range?.[1]);
    const last = range?.[2] === undefined ? first : Number(range[2]);
    if (range === null || last < first) return `invalid pcpu range '${item}' in '${text}'`;
  }
  return undefined;
}
