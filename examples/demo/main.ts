// `npm run demo`: the repo's own demo, run from the sources through tsx
// (it uses the example schemas under proto/example, which are not published).
import { Command } from "commander";
import { exitAfterOutput } from "../../src/cli/exit-after-output.ts";
import { runProgram } from "../../src/cli/run-program.ts";
import { demoCommand } from "./demo-command.ts";

const program = new Command("logwire-demo").description("logwire's demo: the seed's payments service against the dev stack");
program.addCommand(demoCommand(), { isDefault: true });
const code = await runProgram(program, process.argv);
await exitAfterOutput(code);
