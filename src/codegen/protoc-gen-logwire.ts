// Entry point of protoc-gen-logwire: reads a CodeGeneratorRequest on stdin,
// writes a CodeGeneratorResponse to stdout. bin/protoc-gen-logwire.js loads
// this file through tsx.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenLogwire } from "./logwire-plugin.ts";

runNodeJs(protocGenLogwire);
