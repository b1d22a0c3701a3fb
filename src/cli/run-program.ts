import { CommanderError, type Command } from "commander";
import { ErrorCode, isLogwireError } from "../runtime/errors.ts";

/**
 * The CLI's documented exit codes:
 * - 0: success (for `dev status`: every component is up);
 * - 1: the operation failed, or `dev status` found a component down;
 * - 2: usage error (unknown command or flag) or an environment problem the
 *   user must fix first (missing java/mvn, port taken, bad env var).
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (isLogwireError(error) && (error.code === ErrorCode.Environment || error.code === ErrorCode.InvalidOption)) {
    return ExitCode.Usage;
  }
  return ExitCode.Failure;
}

/**
 * Parses `argv` and runs the command. Errors become one message on stderr
 * and an exit code; a command may also set `process.exitCode` itself.
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  for (const command of allCommands(program)) {
    command.exitOverride().showHelpAfterError();
  }
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof CommanderError)) {
      // Commander has already printed its own usage errors.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`logwire: ${message}\n`);
      if (!isLogwireError(error) && error instanceof Error && process.env["LOGWIRE_DEBUG"] !== undefined) {
        process.stderr.write(`${error.stack ?? ""}\n`);
      }
    }
    return exitCodeFor(error);
  }
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => allCommands(c))];
}
