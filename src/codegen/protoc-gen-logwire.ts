// Entry point of protoc-gen-logwire: reads a CodeGeneratorRequest on stdin,
// writes a CodeGeneratorResponse to stdout. bin.ts (the package bin) loads
// this file.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenLogwire } from "./logwire-plugin.ts";

runNodeJs(protocGenLogwire);
