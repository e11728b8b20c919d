#!/usr/bin/env python3
"""Validates an AsyncAPI 3.0 document (default: asyncapi.yaml of this repository).

  python3 scripts/lib/check_asyncapi.py [FILE]

1. Against the official JSON Schema of AsyncAPI 3.0.0 (scripts/lib/asyncapi-3.0.0,
   the AsyncAPI Initiative's schema, Kafka bindings included), with jsonschema and
   format checking.
2. Every `$ref` resolves: in the document, or to a file beside it (schemas/…), and
   each schema file it reaches is a valid schema of its own dialect (`$schema`).
   The official schema checks the shape of a reference only, not where it points.
3. Every message example matches its message's headers and payload schemas.

Prints what it checked; exits 1 on the first class of errors found, listing them.
"""
import json
import sys
import urllib.parse

import jsonschema
import referencing.exceptions

from event_contract import OFFICIAL_SCHEMA, Contract, describe


def references(node, base, contract, files):
    """Yields (base, reference, problem) for every `$ref` under node, following them into other files."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            try:
                contract.resolve(reference, base)
                yield base, reference, None
            except referencing.exceptions.Unresolvable as error:
                yield base, reference, f"$ref {reference!r} does not resolve ({type(error).__name__})"
            else:
                target = urllib.parse.urljoin(base, reference.split("#", 1)[0])
                if target != base and target not in files:
                    files.add(target)
                    yield from references(contract.registry[target].contents, target, contract, files)
        for value in node.values():
            yield from references(value, base, contract, files)
    elif isinstance(node, list):
        for value in node:
            yield from references(value, base, contract, files)


def official_schema(contract):
    with open(OFFICIAL_SCHEMA, encoding="utf-8") as file:
        validator = jsonschema.Draft7Validator(json.load(file), format_checker=contract.formats)
    errors = sorted(validator.iter_errors(contract.document), key=lambda error: list(map(str, error.absolute_path)))
    return [describe(error) for error in errors], "valid against the official AsyncAPI 3.0.0 JSON Schema"


def reference_targets(contract):
    problems, count, files = [], 0, set()
    for _, _, problem in references(contract.document, contract.uri, contract, files):
        count += 1
        if problem:
            problems.append(problem)
    for uri in sorted(files):
        schema = contract.registry[uri].contents
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.exceptions.SchemaError as error:
            problems.append(f"{uri}: not a valid JSON Schema: {describe(error)}")
    return problems, f"{count} $ref(s) resolve; {len(files)} schema file(s) reached, each a valid schema"


def message_examples(contract):
    problems, examples = [], 0
    for message, pointer in contract.messages().items():
        for index, example in enumerate(contract.document["components"]["messages"][message].get("examples", [])):
            for part in ("headers", "payload"):
                if part in example:
                    examples += 1
                    for error in contract.validator(f"{pointer}/{part}").iter_errors(example[part]):
                        problems.append(f"{message} example {example.get('name', index)} {part}: {describe(error)}")
    return problems, f"{examples} example header/payload object(s) match their messages"


# In order: each stage assumes the ones before it passed.
STAGES = [
    ("not a valid AsyncAPI 3.0.0 document", official_schema),
    ("references", reference_targets),
    ("message examples", message_examples),
]


def main():
    contract = Contract(sys.argv[1] if len(sys.argv) > 1 else None)
    name = contract.asyncapi_path.name
    for title, stage in STAGES:
        problems, summary = stage(contract)
        if problems:
            print(f"{name}: {title} ({len(problems)} problem(s)):")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print(f"{name}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
