"""The event contract as the checkers read it: asyncapi.yaml, the JSON Schemas in
schemas/, and the validators over them (jsonschema, with format checking).

Imported by check_asyncapi.py and check_events.py. Everything is read from the
repository; nothing is fetched: a `$ref` resolves to asyncapi.yaml itself or to a
file of schemas/ (by its path or by its `$id`).
"""
import json
import pathlib

import jsonschema
import referencing
import referencing.jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OFFICIAL_SCHEMA = pathlib.Path(__file__).resolve().parent / "asyncapi-3.0.0" / "schema.json"

# Formats the contract relies on; without their checkers jsonschema would pass anything.
NEEDED_FORMATS = ("date-time", "uri", "uuid")


def format_checker():
    """Every format jsonschema can check; fails loudly when one the contract uses cannot be."""
    checker = jsonschema.FormatChecker()
    missing = [name for name in NEEDED_FORMATS if name not in checker.checkers]
    if missing:
        raise SystemExit(
            f"jsonschema cannot check the formats {', '.join(missing)}: "
            "install jsonschema[format-nongpl] (scripts/lib/prerequisites.sh, install_python_tools)"
        )
    return checker


def load_yaml(path):
    with open(path, encoding="utf-8") as file:
        return yaml.safe_load(file)


class Contract:
    """asyncapi.yaml and schemas/ of a repository, with a registry that resolves their `$ref`s."""

    def __init__(self, asyncapi_path=None):
        self.asyncapi_path = pathlib.Path(asyncapi_path or ROOT / "asyncapi.yaml").resolve()
        self.root = self.asyncapi_path.parent
        self.document = load_yaml(self.asyncapi_path)
        self.uri = self.asyncapi_path.as_uri()
        # The data schemas, by `$id` (what an event's `dataschema` names).
        self.schemas = {}
        resources = [(self.uri, referencing.jsonschema.DRAFT7.create_resource(self.document))]
        for path in sorted((self.root / "schemas").glob("*.json")):
            with open(path, encoding="utf-8") as file:
                schema = json.load(file)
            resource = referencing.Resource.from_contents(schema)
            resources.append((path.as_uri(), resource))
            if "$id" in schema:
                resources.append((schema["$id"], resource))
                self.schemas[schema["$id"]] = (path, schema)
        self.registry = referencing.Registry().with_resources(resources)
        self.formats = format_checker()

    def validator(self, pointer):
        """A validator of the schema at `pointer` (a JSON pointer) in asyncapi.yaml."""
        return jsonschema.Draft7Validator(
            {"$ref": f"{self.uri}#{pointer}"}, registry=self.registry, format_checker=self.formats
        )

    def data_validator(self, schema):
        """A validator of one data schema, in its own dialect (`$schema`)."""
        cls = jsonschema.validators.validator_for(schema)
        return cls(schema, registry=self.registry, format_checker=self.formats)

    def messages(self):
        """The messages of components/messages: name -> JSON pointer."""
        return {name: f"/components/messages/{name}" for name in self.document["components"]["messages"]}

    def message_named(self, name):
        """(pointer, message) of the message whose `name` is `name` (an event's CloudEvents `type`)."""
        for key, message in self.document["components"]["messages"].items():
            if message.get("name") == name:
                return f"/components/messages/{key}", message
        return None, None

    def resolve(self, reference, base=None):
        """The contents a `$ref` names, relative to `base` (asyncapi.yaml by default)."""
        resolver = self.registry.resolver(base_uri=base or self.uri)
        return resolver.lookup(reference).contents


def describe(error):
    """One line for a jsonschema error: where, and what."""
    error = jsonschema.exceptions.best_match([error])
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"
