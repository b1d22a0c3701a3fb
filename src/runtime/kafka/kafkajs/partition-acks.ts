import type { ICustomPartitioner, Message, RecordMetadata } from "kafkajs";
import { loadKafkajs } from "./kafkajs-module.ts";
import { murmur2 } from "../murmur2.ts";
import { PackedMessage } from "./packed-message.ts";

/**
 * Guards against a kafkajs 2.2.4 loss: `sendBatch` resolves without having
 * sent some records when a partition's leader moves during its internal
 * retry. `sendMessages` keeps one response per broker and, on retry, skips
 * every broker that already answered, so a partition that moved onto such a
 * broker is never sent, and the call still succeeds (kafkajs #1303, open;
 * PR #1798 proposes a fix). test/cluster/leader-kill.test.ts holds the
 * transport to it: no acked record may be missing from the topic.
 *
 * The tracker's partitioner (kafkajs's default partitioning, Java-compatible
 * murmur2) records on each message the partition it was last given, and after `sendBatch`
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
  /**
   * Called before each `sendBatch`: from then on the tracker also notes, per
   * topic, every partition its partitioner gives out, so that `unacked` can
   * answer from those alone when all of them were acked.
   */
  startSend(): void;
  /** The messages of `sent` that no response covers, pinned to their partition; empty when all were acked. */
  unacked(sent: readonly TopicMessages[], responses: readonly RecordMetadata[]): TopicMessages[];
}

/** A message as logwire's transport builds it: `lwPartition` is where the partitioner last put it (-1: not yet). */
export interface TrackedMessage extends Message {
  lwPartition?: number;
}

const toPositive = (x: number): number => x & 0x7fffffff;

/** A PackedMessage as a plain message, bound to `partition`. */
function plainCopy(m: PackedMessage, partition: number): TrackedMessage {
  const copy: TrackedMessage = { key: m.key, value: m.value, partition, lwPartition: m.lwPartition };
  if (m.headers !== undefined) copy.headers = m.headers;
  return copy;
}

/** Whether some partitions were given out and every one of them is in `acked`. */
function allAcked(given: ReadonlySet<number> | undefined, acked: ReadonlySet<number> | undefined): boolean {
  if (given === undefined || acked === undefined) return false;
  for (const p of given) if (!acked.has(p)) return false;
  return true;
}

export function createPartitionTracker(): PartitionTracker {
  /**
   * Since `startSend`, the partitions given out per topic (undefined before
   * the first `startSend`). A successful `sendBatch` partitioned every one of
   * its messages in its last round, so each message's partition is among
   * these: when every one of them was acked, so was every message, and
   * `unacked` need not read the messages (cold by then: one cache miss each).
   */
  let given: Map<string, Set<number>> | undefined;
  // The set of the topic partitioned last (messages come topic by topic), and the map it is in.
  let givenTo: Map<string, Set<number>> | undefined;
  let givenTopic: string | undefined;
  let givenSet: Set<number> | undefined;
  return {
    createPartitioner: () => {
      // Keyless records and explicit partitions: kafkajs's own default
      // partitioner (round-robin over partitions that have a leader).
      // Keyed records: the same formula as kafkajs's (toPositive(murmur2(key))
      // % partitions), with the integer murmur2 (see murmur2.ts); kafkajs's
      // also filters the partition list on every call, which a keyed record
      // does not need.
      const inner = loadKafkajs().Partitioners.DefaultPartitioner();
      return (args) => {
        const message = args.message as TrackedMessage;
        const key = message.key;
        const partition =
          key !== null && key !== undefined && (message.partition === null || message.partition === undefined)
            ? toPositive(murmur2(key)) % args.partitionMetadata.length
            : inner(args);
        message.lwPartition = partition;
        if (given !== undefined) {
          if (givenTo !== given || args.topic !== givenTopic) {
            givenTo = given;
            givenTopic = args.topic;
            givenSet = given.get(givenTopic);
            if (givenSet === undefined) given.set(givenTopic, (givenSet = new Set()));
          }
          givenSet!.add(partition);
        }
        return partition;
      };
    },
    startSend() {
      given = new Map();
    },
    unacked(sent, responses) {
      // Acked partitions by topic: a number lookup per message, no string building.
      const acked = new Map<string, Set<number>>();
      for (const r of responses) {
        if (r.errorCode !== 0) continue;
        let partitions = acked.get(r.topicName);
        if (partitions === undefined) acked.set(r.topicName, (partitions = new Set()));
        partitions.add(r.partition);
      }
      if (given !== undefined && sent.every(({ topic }) => allAcked(given!.get(topic), acked.get(topic)))) return [];
      const out: TopicMessages[] = [];
      for (const { topic, messages } of sent) {
        const partitions = acked.get(topic);
        const missing: Message[] = [];
        for (const m of messages as TrackedMessage[]) {
          const partition = m.lwPartition;
          if (partition === undefined || partition < 0) {
            missing.push(m);
          } else if (partitions === undefined || !partitions.has(partition)) {
            // A plain copy: a spread would drop a PackedMessage's key and value (getters).
            missing.push(m instanceof PackedMessage ? plainCopy(m, partition) : { ...m, partition });
          }
        }
        if (missing.length > 0) out.push({ topic, messages: missing });
      }
      return out;
    },
  };
}
