import type { Command } from "commander";
import type { CliIo } from "./domain-commands.js";
import { bashCompletion } from "./cli-reference.js";

/** `xsim completion bash`: a bash completion script for every verb and its options. */
export function addCompletionCommand(program: Command, io: CliIo): void {
  program
    .command("completion")
    .description('Print a shell completion script (bash): eval "$(xsim completion bash)"')
    .argument("<shell>", "bash")
    .action((shell: string) => {
      if (shell !== "bash") throw new Error(`completion: "${shell}" is not supported (only bash)`);
      io.out(bashCompletion(program));
    });
}
