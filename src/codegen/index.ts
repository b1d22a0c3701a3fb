// logwire/codegen: the protoc plugin, for tools that run it in-process
// (tests, custom generators) and for wiring specialized encoders.
export { createLogwirePlugin, protocGenLogwire } from "./logwire-plugin.ts";
export type { LogwirePluginInit } from "./logwire-plugin.ts";
export type { DescriptorPrinterInit, EncoderPrinter, GeneratedEncoder, SharedWriterPrinter } from "./descriptor-printer.ts";
export type { WriterHome, WriterHomes } from "./writer-homes.ts";
export type { LogwirePluginOptions } from "./plugin-options.ts";
