"""Reads records with Confluent's own Python ProtobufDeserializer, unmodified.

Reads one JSON job on stdin:
  {"registryUrl", "brokers", "topic", "count", "pythonOut": folder of grpc_tools.protoc output,
   "module": generated module to import, "type": full message name}

Consumes `count` records from the start of the topic and deserializes each
twice: as Confluent's example consumer does (no registry client: the class
parses the payload after the framing) and with a SchemaRegistryClient (the
deserializer then fetches the writer schema with ?format=serialized). Prints
one JSON line per record:
  {"key", "plain": message as proto3 JSON | {"error"}, "withRegistry": likewise}.
"""

import importlib
import json
import sys
import uuid

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pool, json_format, message_factory

job = json.load(sys.stdin)
sys.path.insert(0, job["pythonOut"])
importlib.import_module(job["module"])
cls = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(job["type"]))

plain = ProtobufDeserializer(cls, {"use.deprecated.format": False})
registry = SchemaRegistryClient({"url": job["registryUrl"], "timeout": 20})
with_registry = ProtobufDeserializer(cls, {"use.deprecated.format": False}, registry)

consumer = Consumer({
    "bootstrap.servers": job["brokers"],
    "group.id": "logwire-interop-" + uuid.uuid4().hex,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
consumer.subscribe([job["topic"]])


def read(deserializer, value, ctx):
    try:
        return json_format.MessageToDict(deserializer(value, ctx))
    except Exception as e:  # the measurement: what the client raised
        return {"error": "{}: {}".format(type(e).__name__, e)}


out = []
polls = 0
while len(out) < job["count"] and polls < 60:
    polls += 1
    msg = consumer.poll(1.0)
    if msg is None:
        continue
    if msg.error() is not None:
        raise SystemExit("consume failed: {}".format(msg.error()))
    ctx = SerializationContext(msg.topic(), MessageField.VALUE)
    out.append({"key": msg.key().decode("utf8"), "plain": read(plain, msg.value(), ctx), "withRegistry": read(with_registry, msg.value(), ctx)})
consumer.close()
if len(out) < job["count"]:
    raise SystemExit("read {} of {} records within 60 polls".format(len(out), job["count"]))
for line in out:
    print(json.dumps(line))
