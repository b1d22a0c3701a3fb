import type { DescMessage } from "@bufbuild/protobuf";
import type { LogDescriptor } from "../../../src/runtime/registry/log-descriptor.ts";
import { uniqueName } from "../../support/stack-env.ts";

/** A generated descriptor moved to a topic (and `<topic>-value` subject) of its own, so runs never collide. */
export function onUniqueTopic<D extends DescMessage>(descriptor: LogDescriptor<D>, prefix: string): LogDescriptor<D> {
  const topic = uniqueName(prefix);
  return { ...descriptor, topic, subject: `${topic}-value` };
}
