import type { LogMessageModel } from "./log-message-model.ts";
import { schemaError } from "./schema-error.ts";
import { toSchemaFile } from "./schema-files.ts";

/**
 * Detects two log messages that would register different schemas under one
 * subject, which the registry would reject at run time (or worse, accept as
 * an "evolution"). Needs every file in one plugin run: buf.gen.yaml sets
 * `strategy: all` for protoc-gen-logwire.
 *
 * Two messages of the same file on one topic register the same schema (the
 * file) and are told apart by their message indexes, as in Confluent's
 * serializers, so they do not conflict.
 */
export interface SubjectConflicts {
  /** Throws a `LogwireError` when the log's subject is taken by a different schema. */
  add(log: LogMessageModel): void;
}

export function createSubjectConflicts(): SubjectConflicts {
  const bySubject = new Map<string, { log: LogMessageModel; schema: string }>();
  return {
    add(log) {
      const schema = toSchemaFile(log.message.file).schema;
      const other = bySubject.get(log.subject);
      if (other === undefined) {
        bySubject.set(log.subject, { log, schema });
        return;
      }
      if (other.schema !== schema) {
        const where = `${other.log.message.typeName} in ${other.log.message.file.proto.name}`;
        throw schemaError(
          log.message.file,
          log.message,
          `subject "${log.subject}" is also used by ${where}, with a different schema`,
          "give one of them its own topic, or set subject_strategy to SUBJECT_STRATEGY_TOPIC_RECORD or SUBJECT_STRATEGY_RECORD",
        );
      }
    },
  };
}
