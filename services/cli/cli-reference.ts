/**
 * The CLI reference (docs/cli-reference.md) and bash completion, both generated from the command
 * definitions themselves (commander), so neither can drift from what `xsim` accepts.
 */
import type { Command, Option } from "commander";
import { CLI_QUERY_DEADLINE_MS } from "./query-deadline.js";
import { MIGRATION_WATCH_KEEPALIVE_MS } from "../transport/grpc/migration-service.js";

function optionLine(option: Option): string {
  const fallback = option.defaultValue === undefined ? "" : ` (default: \`${String(option.defaultValue)}\`)`;
  return `- \`${option.flags}\`: ${option.description}${fallback}`;
}

function commandSection(command: Command): string[] {
  const lines = [
    `### ${command.name()}`,
    "",
    command.description(),
    "",
    "```",
    `xsim ${command.name()} ${command.usage()}`,
    "```",
  ];
  const args = command.registeredArguments.filter((a) => a.description);
  if (args.length > 0) lines.push("", ...args.map((a) => `- \`${a.name()}\`: ${a.description}`));
  if (command.options.length > 0) lines.push("", ...command.options.map(optionLine));
  return [...lines, ""];
}

/** Markdown: the global options, then every verb in the order `xsim --help` lists them. */
export function cliReferenceMarkdown(program: Command): string {
  return [
    "# xsim command reference",
    "",
    "Generated from the command definitions (`services/cli/cli-reference.ts`); do not edit by hand:",
    "`npm run docs:cli` rewrites it and `services/cli/cli-reference.test.ts` fails when it is out of date.",
    "",
    "## Global options",
    "",
    ...program.options.map(optionLine),
    "",
    "## A host or scheduler that does not answer",
    "",
    `- A query (\`list\`, \`info\`, \`top\`, \`checksum\`, \`migrations\`, \`host-list\`...) gives up after ${CLI_QUERY_DEADLINE_MS / 1000} s: ` +
      "`ADDRESS did not answer List within N s (stalled, overloaded or cut off); a query changes nothing`.",
    "- A verb that changes something (create, destroy, migrate...) waits for its answer, as xl does: " +
      "a deadline would leave you not knowing whether it happened. If the connection drops after the " +
      "request went out, xsim says the change may or may not have been made (`xsim list` shows the state); " +
      "if no connection was made at all, `unreachable, no answer`.",
    `- \`migrate\` watches the source with a keepalive of ${MIGRATION_WATCH_KEEPALIVE_MS / 1000} s + ${MIGRATION_WATCH_KEEPALIVE_MS / 1000} s, ` +
      "so a source stalled for a few seconds still gives its own answer; one that stops answering once the migration " +
      "runs (or a scheduler that does, for `migrate`, `host-evacuate`, `rebalance`) is reported as such: the outcome " +
      "is unknown, and `xsim list` shows where the guest runs.",
    "",
    "## Commands",
    "",
    ...program.commands.flatMap(commandSection),
  ].join("\n");
}

/** `xsim completion bash`: verbs, then each verb's options; file names for everything else. */
export function bashCompletion(program: Command): string {
  const verbs = program.commands.map((c) => c.name());
  const cases = program.commands.map((c) => {
    const flags = c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
    return `    ${c.name()}) opts="${flags.join(" ")}" ;;`;
  });
  const globals = program.options.flatMap((o) =>
    [o.short, o.long].filter((f): f is string => f !== undefined),
  );
  return [
    '# bash completion for xsim: eval "$(xsim completion bash)"',
    "_xsim() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" verb="" i opts=""',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    case "${COMP_WORDS[i]}" in',
    "      -H|--host) ((i++)) ;;",
    "      -*) ;;",
    '      *) verb="${COMP_WORDS[i]}"; break ;;',
    "    esac",
    "  done",
    '  if [ -z "$verb" ]; then',
    `    COMPREPLY=($(compgen -W "${[...verbs, ...globals].join(" ")}" -- "$cur"))`,
    "    return",
    "  fi",
    '  case "$verb" in',
    ...cases,
    "  esac",
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi',
    "}",
    "complete -F _xsim xsim",
    "",
  ].join("\n");
}
