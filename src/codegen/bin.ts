#!/usr/bin/env node
// `protoc-gen-logwire`: the protoc/buf plugin's entry (dist/codegen/bin.js).
import "./protoc-gen-logwire.ts";
