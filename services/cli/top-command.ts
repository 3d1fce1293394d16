import type { Command } from "commander";
import type { HostClient } from "../gen/xensim/v1/host.js";
import type { CliIo } from "./domain-commands.js";
import { oneHostClient } from "./host-routing.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { formatTopSummary, formatTopTable } from "./top-format.js";

/** xentop's default delay between updates (xentop.c `delay = 3`). */
export const TOP_DELAY_SECONDS_DEFAULT = 3;
/** On a terminal, xentop refreshes until it is stopped (Ctrl-C). */
const TOP_ITERATION_COUNT_UNBOUNDED = Infinity;
/** Cursor home and erase the screen: the terminal view redraws in place, as curses does. */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";
const MS_PER_SECOND = 1000;

interface TopOptions {
  delay: string;
  iterations?: string;
  batch?: boolean;
  fullName?: boolean;
}

/** `xsim top`: a xentop-like view of one host (`xl top` runs xentop(1)). */
export function addTopCommand(program: Command, io: CliIo): void {
  program
    .command("top")
    .description("Monitor a host and the domains in real time (xentop)")
    .option("-d, --delay <seconds>", "seconds between updates", String(TOP_DELAY_SECONDS_DEFAULT))
    .option(
      "-i, --iterations <count>",
      "updates before exiting (default: until Ctrl-C on a terminal, else 1)",
    )
    .option("-b, --batch", "batch mode: no summary, no screen handling, one table per update")
    .option("-f, --full-name", "print whole domain names")
    .action(async (options: TopOptions) => {
      const delaySeconds = Number(options.delay);
      if (!(delaySeconds > 0))
        throw new Error(`top -d: "${options.delay}" is not a positive number of seconds`);
      const terminal = process.stdout.isTTY === true;
      const delayMs = delaySeconds * MS_PER_SECOND;
      const iterationCountMax = iterationCount(options.iterations, terminal);
      await runTop(await oneHostClient(program, "top"), io, {
        ...options,
        delayMs,
        iterationCountMax,
        terminal,
      });
    });
}

function iterationCount(text: string | undefined, terminal: boolean): number {
  if (text === undefined) return terminal ? TOP_ITERATION_COUNT_UNBOUNDED : 1;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new Error(`top -i: "${text}" is not a count of 1 or more`);
  return Number(text);
}

async function runTop(
  client: HostClient,
  io: CliIo,
  options: TopOptions & { delayMs: number; iterationCountMax: number; terminal: boolean },
): Promise<void> {
  for (let iteration = 0; iteration < options.iterationCountMax; iteration++) {
    if (iteration > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const reply = await unaryCall(client.top.bind(client), {});
    const table = formatTopTable(reply, { fullName: options.fullName ?? false });
    if (options.batch) io.out(table);
    else {
      const screen = `${formatTopSummary(reply, new Date())}\n${table}`;
      io.out(options.terminal ? `${CLEAR_SCREEN}${screen}` : screen);
    }
  }
  client.close();
}
