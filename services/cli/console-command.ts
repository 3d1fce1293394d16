import type { Command } from "commander";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostOfDomain } from "./host-routing.js";
import { connectCliHost } from "./cli-clients.js";

/** How often `console` asks for new lines while it follows a TTY. */
const CONSOLE_POLL_MS = 500;
/** Ctrl-]: xl console's default escape character, which detaches. */
const ESCAPE_BYTE = 0x1d;

/**
 * `xl console DOMAIN`: the guest's console (its boot lines and what its workload reports). On a
 * terminal it follows, printing new lines until Ctrl-] or Ctrl-C, as xl does; piped, or with
 * --dump, it prints what the console holds and exits.
 */
export function addConsoleCommand(program: Command, io: CliIo): void {
  program
    .command("console")
    .description(
      "Attach to domain's console: follows on a terminal (Ctrl-] detaches); piped or --dump: prints and exits",
    )
    .option("--dump", "print what the console holds and exit, even on a terminal")
    .argument("<domain>")
    .action(async (domain: string, options: { dump?: boolean }) => {
      const client = connectCliHost((await hostOfDomain(program, domain)).address);
      try {
        const read = async () => (await unaryCall(client.console.bind(client), { domain })).lines;
        let lines = await read();
        if (lines.length > 0) io.out(lines.join("\n"));
        if (options.dump || !process.stdout.isTTY) return;
        const stop = detachSignal();
        while (!stop.done) {
          await new Promise((resolve) => setTimeout(resolve, CONSOLE_POLL_MS));
          const next = await read();
          const fresh = newLines(lines, next);
          if (fresh.length > 0) io.out(fresh.join("\n"));
          lines = next;
        }
        stop.release();
      } finally {
        client.close();
      }
    });
}

/** The lines of `next` after the last line of `previous` (the ring may have dropped old ones). */
export function newLines(previous: readonly string[], next: readonly string[]): string[] {
  const last = previous.at(-1);
  if (last === undefined) return [...next];
  const index = next.lastIndexOf(last);
  return index < 0 ? [...next] : next.slice(index + 1);
}

/** Ctrl-] on a raw terminal, or SIGINT: the console detaches. */
function detachSignal(): { done: boolean; release: () => void } {
  const state = { done: false, release: () => undefined as void };
  const onData = (data: Buffer) => {
    if (data.includes(ESCAPE_BYTE) || data.includes(0x03)) state.done = true;
  };
  const onSigint = () => (state.done = true);
  process.once("SIGINT", onSigint);
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on("data", onData);
  }
  state.release = () => {
    process.off("SIGINT", onSigint);
    if (process.stdin.isTTY) {
      process.stdin.off("data", onData);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  };
  return state;
}
