// First: must be evaluated before kafkajs loads (see the file).
import "./kafkajs-patches.ts";
import kafkajs from "kafkajs";
import type { ICustomPartitioner, Message, RecordMetadata } from "kafkajs";

const { Partitioners } = kafkajs;

/**
 * Guards against a kafkajs 2.2.4 loss: `sendBatch` resolves without having
 * sent some records when a partition's leader moves during its internal
 * retry. `sendMessages` keeps one response per broker and, on retry, skips
 * every broker that already answered, so a partition that moved onto such a
 * broker is never sent, and the call still succeeds (kafkajs #1303, open;
 * PR #1798 proposes a fix). The 3-broker leader-kill test caught it: acked
 * records missing from the topic.
 *
 * The tracker wraps kafkajs's default partitioner (Java-compatible murmur2)
 * to learn the partition each message was last given, and after `sendBatch`
 * lists the messages whose partition has no response, pinned to that
 * partition so a resend keeps key -> partition and per-partition order (they
 * were never written, or the idempotent broker drops the copy).
 */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: Message[];
}

export interface PartitionTracker {
  readonly createPartitioner: ICustomPartitioner;
  /** The messages of `sent` that no response covers, pinned to their partition; empty when all were acked. */
  unacked(sent: readonly TopicMessages[], responses: readonly RecordMetadata[]): TopicMessages[];
}

export function createPartitionTracker(): PartitionTracker {
  const assigned = new WeakMap<Message, number>();
  return {
    createPartitioner: () => {
      const inner = Partitioners.DefaultPartitioner();
      return (args) => {
        const partition = inner(args);
        assigned.set(args.message, partition);
        return partition;
      };
    },
    unacked(sent, responses) {
      const acked = new Set(responses.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}\u0000${r.partition}`));
      const out: TopicMessages[] = [];
      for (const { topic, messages } of sent) {
        const missing: Message[] = [];
        for (const m of messages) {
          const partition = assigned.get(m);
          if (partition === undefined) {
            missing.push(m);
          } else if (!acked.has(`${topic}\u0000${partition}`)) {
            missing.push({ ...m, partition });
          }
        }
        if (missing.length > 0) out.push({ topic, messages: missing });
      }
      return out;
    },
  };
}
