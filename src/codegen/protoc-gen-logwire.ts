// Entry point of protoc-gen-logwire: reads a CodeGeneratorRequest on stdin,
// writes a CodeGeneratorResponse to stdout. src/codegen/bin.js loads
// this file through tsx.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenLogwire } from "./logwire-plugin.ts";

runNodeJs(protocGenLogwire);
