import { ProtobufDeserializer } from "@confluentinc/schemaregistry/dist/serde/protobuf.js";
import { SerdeType } from "@confluentinc/schemaregistry/dist/serde/serde.js";
import { SchemaRegistryClient } from "@confluentinc/schemaregistry/dist/schemaregistry-client.js";
import type { Client } from "@confluentinc/schemaregistry/dist/schemaregistry-client.js";
import { registryUrl } from "../../support/stack-env.ts";

/**
 * Confluent's own Protobuf deserializer, the independent oracle: if it reads
 * logwire's records, so will Confluent's clients in other languages.
 *
 * Apicurio 3.3.3's `?format=serialized` is broken (text schemas come back as
 * raw bytes in a JSON string, base64-registered ones fail), and Confluent's
 * deserializer always asks for it. The wrapper drops the `format` argument,
 * so Apicurio returns the schema as registered (base64), which Confluent's
 * client parses as a serialized FileDescriptorProto anyway.
 */
export function createConfluentOracle(): { deserialize(topic: string, value: Buffer): Promise<Record<string, unknown>>; close(): void } {
  // A timeout (axios sets none), so an answer Apicurio logs but never
  // delivers is retried by the client's own retries instead of hanging.
  const real = new SchemaRegistryClient({ baseURLs: [registryUrl], createAxiosDefaults: { timeout: 10_000 } });
  // Method name -> number of arguments before `format`.
  const dropFormat = new Map([["getBySubjectAndId", 2], ["getByGuid", 1], ["getLatestSchemaMetadata", 1], ["getSchemaMetadata", 3], ["getLatestWithMetadata", 3]]);
  const client = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const arity = typeof prop === "string" ? dropFormat.get(prop) : undefined;
      if (arity !== undefined) {
        return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args.slice(0, arity));
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  }) as Client;
  const deserializer = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  return {
    deserialize: (topic, value) => deserializer.deserialize(topic, value) as Promise<Record<string, unknown>>,
    close: () => real.close(),
  };
}
