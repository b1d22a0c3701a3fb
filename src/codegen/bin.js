#!/usr/bin/env node
// protoc/buf plugin entry; runs the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
await import("./protoc-gen-logwire.ts");
