import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { LogDescriptor } from "logwire";

/**
 * The emitter type the type tests check against: what
 * `pipeline.emitter(descriptor)` returns. The pipeline's own `Emitter<Desc>`
 * (src/runtime/emitter.ts) has this `emit` signature; it is not exported from
 * the package yet, so the tests declare the shape here.
 * TODO(type tests): use `Pipeline["emitter"]` from "logwire" once it is exported.
 */
export declare function emitter<D extends DescMessage>(descriptor: LogDescriptor<D>): {
  emit(init: MessageInitShape<D>): void;
};
