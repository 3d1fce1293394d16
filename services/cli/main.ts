import { Command, CommanderError } from "commander";
import { addDomainCommands, type CliIo } from "./domain-commands.js";
import { addClusterCommands } from "./cluster-commands.js";
import { addMigrationCommands } from "./migration-commands.js";
import { addSchedulerCommands } from "./scheduler-commands.js";
import { addSchedCommands } from "./sched-commands.js";
import { addDeviceCommands } from "./device-commands.js";
import { addHotplugCommands } from "./hotplug-commands.js";
import { addMiscCommands } from "./misc-commands.js";
import { addCompletionCommand } from "./completion-command.js";
import { addSimCommand } from "./sim-command.js";
import { addFaultCommands } from "./fault-commands.js";
import { addCpupoolCommands } from "./cpupool-commands.js";
import { addHaCommands } from "./ha-commands.js";
import { applyCliSecurity } from "./cli-security.js";
import { expandVerbPrefix } from "./verb-prefix.js";
import { describeError } from "./error-words.js";

/** `xsim`: xl's verbs against simulated hosts, plus cluster commands. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("xsim")
    .description("xensim: drive simulated Xen hosts as you drive xl")
    .option("-H, --host <host>", "host id from `xsim up` (host1, ...) or host:port")
    .option("--pki <dir>", "the cluster's PKI directory (default: $XSIM_PKI, or the one `xsim up` made)")
    .option("--insecure", "no TLS, no authentication (a cluster started with --insecure; debugging only)")
    .hook("preAction", (_program, command) => {
      // `up` makes the credentials; `sim` opens no channel (its cluster is in this process).
      if (command.name() === "up" || command.name() === "sim") return;
      applyCliSecurity(program.opts<{ pki?: string; insecure?: boolean }>(), (line) => io.err(line));
    })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  addDomainCommands(program, io);
  addClusterCommands(program, io);
  addMigrationCommands(program, io);
  addSchedulerCommands(program, io);
  addSchedCommands(program, io);
  addDeviceCommands(program, io);
  addHotplugCommands(program, io);
  addMiscCommands(program, io);
  addHaCommands(program, io);
  addCompletionCommand(program, io);
  addSimCommand(program, io);
  addFaultCommands(program, io);
  addCpupoolCommands(program, io);
  return program;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const verbs = [...program.commands.flatMap((c) => [c.name(), ...c.aliases()]), "help"];
  // Global options that take the next word as their value (-H host): that word is not the verb.
  const withValue = program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long]);
  const expansion = expandVerbPrefix(argv, verbs, new Set(withValue.filter((f) => f !== undefined)));
  if (expansion.kind === "ambiguous") {
    io.err(`xsim: "${expansion.prefix}" is ambiguous: ${expansion.candidates.join(", ")}`);
    return 1;
  }
  try {
    await program.parseAsync(expansion.kind === "expanded" ? expansion.argv : argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.err(`xsim: ${describeError(error)}`);
    return 1;
  }
}

if (process.env.XSIM_CLI_MAIN === "1") {
  runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  }).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
