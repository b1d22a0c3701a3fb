import { Command } from "commander";
import { benchCommand } from "./bench-command.ts";
import { devCommand } from "./dev-command.ts";
import { initCommand } from "./init-command.ts";
import { exitAfterOutput } from "./exit-after-output.ts";
import { runProgram } from "./run-program.ts";
import { tailCommand } from "./tail-command.ts";
import { checkCommand } from "./check-command.ts";
import { registerCommand } from "./register-command.ts";

/**
 * `logwire`: one file per command, each exporting `xCommand(): Command`.
 * Exit codes are documented in run-program.ts.
 */
const program = new Command("logwire")
  .description("schema-first structured logging to Kafka: dev stack, schema checks, tail, bench")
  .version("0.1.0")
  .showHelpAfterError();

program.addCommand(initCommand());
program.addCommand(devCommand());
program.addCommand(checkCommand());
program.addCommand(registerCommand());
program.addCommand(tailCommand());
program.addCommand(benchCommand());

const code = await runProgram(program, process.argv);
await exitAfterOutput(code);
