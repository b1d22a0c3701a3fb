/**
 * Kafka's rules for topic names (`org.apache.kafka.common.internals.Topic`):
 * 1 to 249 characters from [a-zA-Z0-9._-], and neither "." nor "..".
 * Returns what is wrong, or undefined for a valid name.
 */
export function checkTopicName(topic: string): string | undefined {
  if (topic === "." || topic === "..") {
    return `topic "${topic}" is not allowed by kafka`;
  }
  if (topic.length > MAX_TOPIC_LENGTH) {
    return `topic "${topic.slice(0, 20)}..." is ${topic.length} characters long, kafka allows at most ${MAX_TOPIC_LENGTH}`;
  }
  const bad = /[^a-zA-Z0-9._-]/.exec(topic);
  if (bad !== null) {
    return `topic "${topic}" contains ${JSON.stringify(bad[0])}, kafka allows only [a-zA-Z0-9._-]`;
  }
  return undefined;
}

/** Kafka's limit: 255 minus room for partition suffixes of log directories. */
export const MAX_TOPIC_LENGTH = 249;
