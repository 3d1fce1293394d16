import type { Command } from "commander";
import { TopDomain, type TopReply } from "../gen/xensim/v1/host.js";
import type { CliIo } from "./domain-commands.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { requestedHost, targetHosts, type HostTarget } from "./host-routing.js";
import { JSON_HELP, toJson } from "./json-output.js";
import { formatTopSummary, formatTopTable } from "./top-format.js";
import { handleTopKey, initialTopKeyState, type TopKeyState } from "./top-keys.js";
import { connectCliHost } from "./cli-clients.js";

/** xentop's default delay between updates (xentop.c `delay = 3`). */
export const TOP_DELAY_SECONDS_DEFAULT = 3;
/** On a terminal, xentop refreshes until it is stopped (q or Ctrl-C). */
const TOP_ITERATION_COUNT_UNBOUNDED = Infinity;
/** Cursor home and erase the screen: the terminal view redraws in place, as curses does. */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";
const MS_PER_SECOND = 1000;
/** How often the wait between updates looks at the keys pressed. */
const KEY_POLL_MS = 50;

interface TopOptions {
  delay: string;
  iterations?: string;
  batch?: boolean;
  fullName?: boolean;
  json?: boolean;
}

/** `xsim top`: xentop over the -H host, or over every host with a HOST column (`xl top` runs xentop(1)). */
export function addTopCommand(program: Command, io: CliIo): void {
  program
    .command("top")
    .description("Monitor hosts and domains in real time (xentop; keys q, d, s on a terminal)")
    .option("-d, --delay <seconds>", "seconds between updates", String(TOP_DELAY_SECONDS_DEFAULT))
    .option("-i, --iterations <count>", "updates before exiting (default: until q on a terminal, else 1)")
    .option("-b, --batch", "batch mode: no summary, no screen handling, one table per update")
    .option("-f, --full-name", "print whole domain names")
    .option("--json", JSON_HELP)
    .action(async (options: TopOptions) => {
      const delaySeconds = Number(options.delay);
      if (!(delaySeconds > 0))
        throw new Error(`top -d: "${options.delay}" is not a positive number of seconds`);
      const terminal = process.stdout.isTTY === true && !options.batch && !options.json;
      const iterationCountMax = iterationCount(options.iterations, terminal);
      const hosts = await targetHosts(program);
      const withHost = requestedHost(program) === undefined;
      await runTop(
        hosts,
        withHost,
        io,
        { ...options, iterationCountMax, terminal },
        initialTopKeyState(delaySeconds),
      );
    });
}

function iterationCount(text: string | undefined, terminal: boolean): number {
  if (text === undefined) return terminal ? TOP_ITERATION_COUNT_UNBOUNDED : 1;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new Error(`top -i: "${text}" is not a count of 1 or more`);
  return Number(text);
}

/** One sample of every host, its domains tagged with their host. */
async function sample(hosts: HostTarget[]): Promise<{ reply: TopReply; hostOf: Map<TopDomain, string> }> {
  const replies = await Promise.all(
    hosts.map(async (host) => {
      const client = connectCliHost(host.address);
      try {
        return { host, reply: await unaryCall(client.top.bind(client), {}) };
      } finally {
        client.close();
      }
    }),
  );
  const hostOf = new Map<TopDomain, string>();
  for (const { host, reply } of replies) for (const d of reply.domains) hostOf.set(d, host.hostId);
  const first = replies[0]!.reply;
  const sum = (f: (r: TopReply) => number) => replies.reduce((total, r) => total + f(r.reply), 0);
  const reply: TopReply = {
    ...first,
    domains: replies.flatMap((r) => r.reply.domains),
    totalMemoryKib: sum((r) => r.totalMemoryKib),
    freeMemoryKib: sum((r) => r.freeMemoryKib),
    nrCpus: sum((r) => r.nrCpus),
  };
  return { reply, hostOf };
}

async function runTop(
  hosts: HostTarget[],
  withHost: boolean,
  io: CliIo,
  options: TopOptions & { iterationCountMax: number; terminal: boolean },
  initial: TopKeyState,
): Promise<void> {
  let keys = initial;
  const stopKeys = options.terminal
    ? listenForKeys((key) => (keys = handleTopKey(keys, key)))
    : () => undefined;
  try {
    for (let iteration = 0; iteration < options.iterationCountMax && !keys.quit; iteration++) {
      if (iteration > 0) await waitOrQuit(() => keys);
      if (keys.quit) break;
      const { reply, hostOf } = await sample(hosts);
      if (options.json) {
        io.out(
          toJson(reply.domains.map((d) => ({ host: hostOf.get(d), ...(TopDomain.toJSON(d) as object) }))),
        );
        continue;
      }
      const table = formatTopTable(reply, {
        fullName: options.fullName ?? false,
        sortColumn: keys.sortColumn,
        ...(withHost ? { hostOf: (d: TopDomain) => hostOf.get(d) ?? "" } : {}),
      });
      if (options.batch) io.out(table);
      else {
        const prompt = keys.prompt !== undefined ? `\nDelay(sec): ${keys.prompt}` : "";
        const screen = `${formatTopSummary(reply, new Date())}\n${table}${prompt}`;
        io.out(options.terminal ? `${CLEAR_SCREEN}${screen}` : screen);
      }
    }
  } finally {
    stopKeys();
  }
}

/** Waits the current delay, returning early when q is pressed (the delay may change meanwhile). */
async function waitOrQuit(state: () => TopKeyState): Promise<void> {
  const startMs = Date.now();
  while (!state().quit && Date.now() - startMs < state().delaySeconds * MS_PER_SECOND)
    await new Promise((resolve) => setTimeout(resolve, KEY_POLL_MS));
}

/** Raw key presses from a terminal's stdin, until the returned function is called. */
function listenForKeys(onKey: (key: string) => void): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  const listener = (chunk: Buffer) => {
    for (const key of chunk.toString("utf8")) {
      if (key === "\x03") process.kill(process.pid, "SIGINT"); // Ctrl-C still stops it
      onKey(key);
    }
  };
  stdin.setRawMode(true);
  stdin.on("data", listener);
  stdin.resume();
  return () => {
    stdin.off("data", listener);
    stdin.setRawMode(false);
    stdin.pause();
  };
}
