#!/usr/bin/env node
// `logwire`: the CLI's entry. Runs compiled JavaScript (dist/src/cli/bin.js) on plain node.
import "./main.ts";
