"""Produces records with Confluent's own Python client, unmodified.

Reads one JSON job on stdin:
  {"registryUrl", "brokers", "pythonOut": folder of grpc_tools.protoc output,
   "modules": [generated modules to import], "serializerConfig": {...},
   "records": [{"topic", "key", "type": full message name, "payload": base64 protobuf}]}

Each record's payload is parsed into the generated class (so Python's own
protobuf runtime writes the bytes), framed by ProtobufSerializer (which
registers the schema as it does by default) and produced with
confluent_kafka.Producer. Prints one JSON line per record:
  {"key", "topic", "partition", "offset", "frame": base64 of the produced value}.
"""

import base64
import importlib
import json
import sys

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pool, message_factory

job = json.load(sys.stdin)
sys.path.insert(0, job["pythonOut"])
for module in job["modules"]:
    importlib.import_module(module)

# The client has no default timeout: an unanswered request would hang the test.
registry = SchemaRegistryClient({"url": job["registryUrl"], "timeout": 20})
producer = Producer({"bootstrap.servers": job["brokers"], "message.timeout.ms": 30000, "socket.timeout.ms": 10000})
serializers = {}
produced = []


def on_delivery(err, msg):
    if err is not None:
        raise SystemExit("delivery of {} failed: {}".format(msg.key(), err))
    produced.append({
        "key": msg.key().decode("utf8"),
        "topic": msg.topic(),
        "partition": msg.partition(),
        "offset": msg.offset(),
        "frame": base64.standard_b64encode(msg.value()).decode("ascii"),
    })


for record in job["records"]:
    cls = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(record["type"]))
    if record["type"] not in serializers:
        serializers[record["type"]] = ProtobufSerializer(cls, registry, dict(job["serializerConfig"]))
    message = cls.FromString(base64.standard_b64decode(record["payload"]))
    value = serializers[record["type"]](message, SerializationContext(record["topic"], MessageField.VALUE))
    producer.produce(record["topic"], key=record["key"].encode("utf8"), value=value, on_delivery=on_delivery)
    producer.poll(0)

left = producer.flush(60)
if left != 0:
    raise SystemExit("{} record(s) not delivered within 60 s".format(left))
for line in sorted(produced, key=lambda p: p["offset"]):
    print(json.dumps(line))
