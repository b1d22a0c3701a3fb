#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx registers an ESM loader first.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
