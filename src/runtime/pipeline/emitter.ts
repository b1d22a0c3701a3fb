import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { Waiter } from "../buffer/record-buffer.ts";

/** A typed emitter for one log type: `pipeline.emitter(PaymentAuditLog)`. */
export interface Emitter<Desc extends DescMessage = DescMessage> {
  readonly descriptor: LogDescriptor<Desc>;
  /**
   * Queues one record. Returns at once and never throws: a record that
   * cannot be delivered is dead-lettered or dropped, counted, and reported to
   * `onError`. (Under the `block` overflow policy a record may wait for space,
   * without stalling the caller; see record-buffer.ts.)
   */
  emit(init: MessageInitShape<Desc>): void;
  /**
   * Like `emit`, but resolves when the broker acked the record and rejects
   * with the LogwireError that kept it out (dead-lettered or dropped; a
   * drop with no error of its own gets its reason's code and fix, e.g.
   * `sampled`, `buffer_full`, `closed`: see drop-reasons.ts). When
   * logwire gave up on it after its request reached the broker unanswered
   * (close() timed out with the request in flight), it rejects with code
   * `delivery_unknown`: the record may or may not be in the topic. While
   * such a record is pending, batches are sent without lingering.
   */
  emitAndWait(init: MessageInitShape<Desc>): Promise<void>;
}

/** How a pipeline accepts records; `waiter` is set for `emitAndWait`. */
export type RecordSink = (init: unknown, waiter: Waiter | undefined) => void;

export function createEmitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>, sink: RecordSink, onBug: (error: unknown) => void): Emitter<Desc> {
  return {
    descriptor,
    emit(init) {
      try {
        sink(init, undefined);
      } catch (error) {
        onBug(error);
      }
    },
    emitAndWait(init) {
      return new Promise<void>((resolve, reject) => {
        try {
          sink(init, { resolve, reject });
        } catch (error) {
          onBug(error);
          reject(error);
        }
      });
    },
  };
}
