#!/usr/bin/env node
// `protoc-gen-logwire`: the protoc/buf plugin's entry (dist/src/codegen/bin.js).
import "./protoc-gen-logwire.ts";
