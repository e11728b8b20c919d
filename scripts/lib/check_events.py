#!/usr/bin/env python3
"""Checks Kafka records of user-events and its dead-letter topics against the contract.

  kcat -C -J -e -o beginning -b 127.0.0.1:9092 -t user-events | python3 scripts/lib/check_events.py
  python3 scripts/lib/check_events.py [--allow-missing-dataschema] RECORDS.jsonl

Reads kcat's JSON lines (`kcat -J`: one record a line, "topic", "partition",
"offset", "key", "payload", and "headers" as [name, value, …]). An event record
(any topic not ending in `.dlq`) must:

- be read by the CloudEvents SDK's Kafka decoder (`cloudevents.core.bindings.kafka.from_kafka`,
  which picks binary mode on any `ce_*` header and structured mode otherwise), as a
  structured-mode event: only `content-type: application/cloudevents+json`, no `ce_*` header;
- match its AsyncAPI message (the one whose `name` is its `type`): headers, the whole
  CloudEvent, the Kafka key;
- carry a `dataschema` naming a schema of schemas/ (by `$id`; records published
  before the attribute existed have none: `--allow-missing-dataschema`), and its `data`
  must be valid against that schema, formats checked; every field of `data` and every
  attribute must be described (by the schema, by the envelope in asyncapi.yaml);
- have `subject` = `data.userId` = the key (user events).

A dead letter (a topic ending in `.dlq`) must match the AsyncAPI DeadLetter message
(every `dlq-*` header) and sit on the topic its headers name
(`<dlq-original-topic>.<dlq-consumer-group>.dlq`); its value is the original bytes.

Prints one line per invalid record and a summary; exits 1 if any record is invalid
or none was read.
"""
import argparse
import collections
import json
import sys

from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat

from event_contract import Contract, describe

CONTENT_TYPE = "application/cloudevents+json"


def headers_of(record):
    flat = record.get("headers") or []
    if len(flat) % 2:
        raise ValueError("headers must be a flat [name, value, …] list")
    names = flat[0::2]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    return dict(zip(names, flat[1::2])), duplicates


def check_dead_letter(record, headers, contract):
    problems = [f"headers: {describe(error)}" for error in contract.validator("/components/messages/DeadLetter/headers").iter_errors(headers)]
    problems += [f"key: {describe(error)}" for error in contract.validator("/components/messages/DeadLetter/bindings/kafka/key").iter_errors(record.get("key"))]
    expected = f"{headers.get('dlq-original-topic')}.{headers.get('dlq-consumer-group')}.dlq"
    if record.get("topic") != expected:
        problems.append(f"a dead letter of {expected} is on {record.get('topic')}")
    return "DeadLetter", problems


def check_event(record, headers, contract, allow_missing_dataschema):
    problems = []
    key, value = record.get("key"), record.get("payload")
    if value is None:
        return "?", ["no value"]

    # The CloudEvents SDK, exactly as a consumer using it would read the record.
    message = kafka.KafkaMessage(
        headers={name: str(text).encode() for name, text in headers.items()},
        key=None if key is None else key.encode(),
        value=value.encode(),
    )
    try:
        sdk_event = kafka.from_kafka(message, JSONFormat())
        if any(name.lower().startswith("ce_") for name in headers):
            problems.append("the SDK read it as binary mode (a ce_* header): the contract is structured mode")
    except Exception as error:  # the SDK raises many kinds; any of them means it cannot read the record
        sdk_event = None
        problems.append(f"CloudEvents SDK from_kafka: {type(error).__name__}: {error}")

    try:
        event = json.loads(value)
    except ValueError as error:
        return "?", problems + [f"value is not JSON: {error}"]
    if not isinstance(event, dict):
        return "?", problems + ["value is not a JSON object"]
    kind = event.get("type")
    if sdk_event is not None and (sdk_event.get_type(), sdk_event.get_id()) != (kind, event.get("id")):
        problems.append("the SDK read a different type or id than the JSON value has")
    pointer, described = contract.message_named(kind)
    if pointer is None:
        return str(kind), problems + [f"type {kind!r} is not a message of asyncapi.yaml"]

    for part, instance in (("headers", headers), ("payload", event), ("bindings/kafka/key", key)):
        problems += [f"{part}: {describe(error)}" for error in contract.validator(f"{pointer}/{part}").iter_errors(instance)]
    attributes = contract.resolve("#/components/schemas/CloudEvent")["properties"]
    problems += [f"attribute {name!r} is not described in asyncapi.yaml" for name in event if name not in attributes]

    dataschema = event.get("dataschema")
    data = event.get("data")
    if dataschema is None:
        if not allow_missing_dataschema:
            problems.append("no dataschema attribute")
    elif dataschema not in contract.schemas:
        problems.append(f"dataschema {dataschema!r} is not the $id of a schema in schemas/")
    else:
        path, schema = contract.schemas[dataschema]
        problems += [f"data ({path.name}): {describe(error)}" for error in contract.data_validator(schema).iter_errors(data)]
        if isinstance(data, dict):
            problems += [f"data.{name} is not described by {path.name}" for name in data if name not in schema.get("properties", {})]

    if kind != "Heartbeat" and isinstance(data, dict):
        if not (event.get("subject") == data.get("userId") == key):
            problems.append(f"subject {event.get('subject')!r}, data.userId {data.get('userId')!r} and key {key!r} differ")
    return kind, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="?", default="-", help="kcat -J lines (default: standard input)")
    parser.add_argument("--allow-missing-dataschema", action="store_true", help="accept records published before dataschema existed")
    parser.add_argument("--asyncapi", help="the AsyncAPI document (default: asyncapi.yaml of this repository)")
    arguments = parser.parse_args()
    contract = Contract(arguments.asyncapi)

    source = sys.stdin if arguments.records == "-" else open(arguments.records, encoding="utf-8")
    kinds, invalid = collections.Counter(), 0
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(line)
            where = f"line {number} ({record.get('topic')}/{record.get('partition')}@{record.get('offset')})"
            headers, duplicates = headers_of(record)
            if str(record.get("topic", "")).endswith(".dlq"):
                kind, problems = check_dead_letter(record, headers, contract)
            else:
                kind, problems = check_event(record, headers, contract, arguments.allow_missing_dataschema)
            problems += [f"header {name!r} appears more than once" for name in duplicates]
        except (ValueError, TypeError, AttributeError) as error:
            kind, problems = "?", [f"not a kcat -J record: {error}"]
        kinds[kind] += 1
        if problems:
            invalid += 1
            print(f"INVALID {where} {kind}: " + "; ".join(problems))
    total = sum(kinds.values())
    counts = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    if total == 0:
        print("no records read")
        return 1
    print(f"{total} record(s) checked ({counts}): {total - invalid} valid, {invalid} invalid")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
