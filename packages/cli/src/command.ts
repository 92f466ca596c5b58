import type { ArgumentsCamelCase, Argv } from "yargs";

/**
 * One `sera` command as a unit: its words, help line, options and handler live in the command's
 * own module; main.ts only lists the commands. A handler returns the process's exit code.
 */
export interface SeraCommand {
  register<T>(cli: Argv<T>, setExitCode: (code: number) => void): Argv<T>;
}

export function defineCommand<U>(
  command: string,
  describe: string,
  options: (cli: Argv) => Argv<U>,
  handler: (args: ArgumentsCamelCase<U>) => Promise<number>,
): SeraCommand {
  return {
    register<T>(cli: Argv<T>, setExitCode: (code: number) => void): Argv<T> {
      // The options only add to the parser; they never read what the commands before them added.
      const builder = options as unknown as (parser: Argv<T>) => Argv<U>;
      return cli.command(command, describe, builder, async (args) => {
        setExitCode(await handler(args));
      });
    },
  };
}

/** A word that groups subcommands (`sera model serve`, `sera runs show`); `missing` is the message when none is named. */
export function defineGroup(command: string, describe: string, subcommands: readonly SeraCommand[], missing?: string): SeraCommand {
  return {
    register: (cli, setExitCode) =>
      cli.command(command, describe, (group) => {
        for (const subcommand of subcommands) group = subcommand.register(group, setExitCode);
        return missing ? group.demandCommand(1, missing) : group;
      }),
  };
}
