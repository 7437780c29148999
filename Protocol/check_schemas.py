#!/usr/bin/env python3
"""Checks the JSON Schemas of swarmd protocol v1 and the example frames against them.

    python3 Protocol/check_schemas.py

1. Every file in schemas/ is a valid JSON Schema (draft 2020-12) whose "$id" is its file name.
2. Every "$ref" in every schema resolves, through a referencing.Registry built from the files in
   schemas/ (references between files are by relative file name).
3. Every file in examples/ is one JSON object that is valid against the schema its name gives:
   "ticket.open.json" and "ticket.open--minimal.json" both against schemas/ticket.open.json
   (the part after "--" only tells examples apart). Every schema except defs.json has one.
4. Every file in examples/invalid/ (named the same way) is one JSON object that is NOT valid
   against its schema, so the schemas are known to refuse what the hub refuses.
5. When the Swift sources are beside this folder (../Sources/SwarmProtocol), the enums of the
   schemas list exactly the values of the Swift enums, the tiers of defs.json are those of
   Swift's Tier.escalation, and there is one schema per frame type (the client types of
   FrameType, the hub types ServerFrame decodes).
6. When PyYAML is installed, every "$ref" of asyncapi.yaml resolves.
7. When PyYAML is installed, every "$ref" of openapi.yaml resolves, every operation documents 401 when it
   needs a token and 400 and 413 when it takes a body, and every error answer is the error body; when
   openapi-spec-validator is installed, openapi.yaml is a valid OpenAPI 3.1 document.
8. When the hub's sources are beside this folder (../Sources/SwarmHub/REST), openapi.yaml documents
   exactly the REST routes the hub's route collections serve, method by method.

Prints one line per failure and "N passed, M failed" at the end; exits 1 if anything failed.
Needs the jsonschema package (4.18 or later, for referencing).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - depends on the machine
    sys.exit(f"error: {error}; install it with: python3 -m pip install 'jsonschema>=4.18'")

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"
EXAMPLES = HERE / "examples"
SWIFT = HERE.parent / "Sources" / "SwarmProtocol"

passed = 0
failures: list[str] = []
# The schemas that are not of a WebSocket frame: shared definitions, the objects frames carry, and the body
# of a json webhook (README §33), which is posted over HTTP.
NOT_FRAMES = {"defs.json", "ticket.json", "event.object.json", "webhook.json"}


def check(ok: bool, message: str) -> bool:
    """Counts one check; records `message` when it failed."""
    global passed
    if ok:
        passed += 1
    else:
        failures.append(message)
    return ok


def load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        check(False, f"{path.relative_to(HERE)}: not readable JSON: {error}")
        return None


def refs(node, pointer=""):
    """Yields (JSON pointer, $ref value) for every $ref in a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer, value
            else:
                yield from refs(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs(value, f"{pointer}/{index}")


def schema_name(example: Path) -> str:
    return example.name.split("--", 1)[0].removesuffix(".json") + ".json"


# 1. Schemas are valid 2020-12 schemas, each with its file name as $id.
schemas: dict[str, dict] = {}
for path in sorted(SCHEMAS.glob("*.json")):
    schema = load_json(path)
    if schema is None:
        continue
    try:
        Draft202012Validator.check_schema(schema)
        ok = check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema",
                   f"schemas/{path.name}: \"$schema\" must be https://json-schema.org/draft/2020-12/schema")
        ok &= check(schema.get("$id") == path.name, f"schemas/{path.name}: \"$id\" must be \"{path.name}\"")
        if ok:
            schemas[path.name] = schema
    except SchemaError as error:
        check(False, f"schemas/{path.name}: not a valid 2020-12 schema: {error.message} at {list(error.path)}")
check(bool(schemas), f"no schemas found in {SCHEMAS}")

registry = Registry().with_resources(
    (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in schemas.items()
)

# 2. Every $ref resolves.
for name, schema in schemas.items():
    resolver = registry.resolver(base_uri=name)
    for pointer, ref in refs(schema):
        try:
            resolver.lookup(ref)
            check(True, "")
        except Unresolvable as error:
            check(False, f"schemas/{name}{pointer}: $ref {ref!r} does not resolve ({str(error)[:120]})")

validators = {name: Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()}


def example_errors(path: Path):
    """The validation errors of one example, or None when it cannot be checked (already reported)."""
    frame = load_json(path)
    if frame is None:
        return None
    where = path.relative_to(HERE)
    if not check(isinstance(frame, dict), f"{where}: must be one JSON object"):
        return None
    name = schema_name(path)
    if not check(name in validators, f"{where}: no schema schemas/{name} for it"):
        return None
    return validate(validators[name], frame, where)


def validate(validator, instance, where):
    """The validation errors of `instance`, or None when validation itself broke (reported)."""
    try:
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    except Exception as error:  # an unresolvable $ref, a bad pattern...
        check(False, f"{where}: cannot be validated: {type(error).__name__}: {str(error)[:200]}")
        return None


# 3. Valid examples pass.
covered = set()
for path in sorted(EXAMPLES.glob("*.json")):
    covered.add(schema_name(path))
    errors = example_errors(path)
    if errors is None:
        continue
    details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:5])
    check(not errors, f"examples/{path.name}: not valid against schemas/{schema_name(path)}: {details}")
for name in sorted(set(schemas) - {"defs.json"} - covered):
    check(False, f"schemas/{name}: no example in examples/ (add examples/{name})")

# 4. Invalid examples fail.
for path in sorted((EXAMPLES / "invalid").glob("*.json")):
    errors = example_errors(path)
    if errors is not None:
        check(bool(errors), f"examples/invalid/{path.name}: accepted by schemas/{schema_name(path)} but must be refused")

# 5. Enums and frame types match the Swift sources.
if SWIFT.is_dir():
    def swift_enum(file: str, enum: str) -> list[str]:
        """The raw values of `enum` in `file`, in order. `enum` may be nested (`Activity.Kind`): only
        its last name is searched, and the body ends at the "}" indented like the enum's own line."""
        text = (SWIFT / file).read_text(encoding="utf-8")
        name = enum.rsplit(".", 1)[-1]
        body = re.search(r"^([ \t]*)(?:[\w@]+[ \t]+)*enum[ \t]+" + name + r"\b[^{]*\{(.*?)\n\1\}", text, re.S | re.M)
        if not body:
            check(False, f"Sources/SwarmProtocol/{file}: enum {enum} not found")
            return []
        values = []
        for case, raw in re.findall(r"^\s*case\s+`?(\w+)`?(?:\s*=\s*\"([^\"]*)\")?\s*$", body.group(2), re.M):
            values.append(raw or case)
        return values

    def schema_enum(name: str, pointer: str) -> list[str]:
        node = schemas.get(name, {})
        for part in pointer.strip("/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node.get("enum", []) if isinstance(node, dict) else []

    pairs = [
        ("Category.swift", "Category", "ticket.json", "/$defs/category"),
        ("Level.swift", "Level", "ticket.json", "/$defs/level"),
        ("Priority.swift", "Priority", "ticket.json", "/$defs/priority"),
        ("TicketStatus.swift", "TicketStatus", "ticket.json", "/$defs/status"),
        ("Role.swift", "Role", "welcome.json", "/$defs/role"),
        ("ErrorCode.swift", "ErrorCode", "error.json", "/$defs/code"),
        ("SwarmEvent.swift", "EventType", "event.object.json", "/$defs/eventType"),
        ("Skills.swift", "Presence", "defs.json", "/$defs/presence"),
        ("Ticket.swift", "CommentVisibility", "defs.json", "/$defs/commentVisibility"),
        ("Skills.swift", "InviteOrigin", "defs.json", "/$defs/inviteOrigin"),
        ("Skills.swift", "InviteState", "defs.json", "/$defs/inviteState"),
        ("ServerFrame.swift", "Activity.Kind", "activity.json", "/$defs/kind"),
        ("Tiers.swift", "RoutingMode", "defs.json", "/$defs/routingMode"),
        ("Tiers.swift", "SLATarget", "defs.json", "/$defs/slaTarget"),
        ("Knowledge.swift", "Article.Status", "defs.json", "/$defs/articleStatus"),
        ("Metrics.swift", "TimelineBucket", "defs.json", "/$defs/timelineBucket"),
        ("Via.swift", "Via", "defs.json", "/$defs/via"),
    ]
    for file, enum, name, pointer in pairs:
        swift, schema = swift_enum(file, enum), schema_enum(name, pointer)
        check(bool(swift) and swift == schema, f"schemas/{name}#{pointer} lists {schema}, Swift {enum} has {swift}")

    tiers = re.search(r"static let escalation = (\d+)\.\.\.(\d+)", (SWIFT / "Tiers.swift").read_text(encoding="utf-8"))
    tier = schemas.get("defs.json", {}).get("$defs", {}).get("tier", {})
    schema_tiers = [tier.get("minimum"), tier.get("maximum")]
    swift_tiers = [int(tiers.group(1)), int(tiers.group(2))] if tiers else []
    check(schema_tiers == swift_tiers,
          f"schemas/defs.json#/$defs/tier spans {schema_tiers}, Swift Tier.escalation {swift_tiers or 'not found'}")

    event_branches = [ref.rsplit("/", 1)[1] for ref in
                      (item.get("$ref", "") for item in schemas.get("event.object.json", {}).get("oneOf", []))]
    check(event_branches == swift_enum("SwarmEvent.swift", "EventType"),
          f"schemas/event.object.json: oneOf branches {event_branches} must follow EventType")

    # Client frame types: FrameType, the one list the hub's decoder and the clients' encoder follow (the
    # compiler checks that the codec's switches cover it).
    client_types = swift_enum("FrameType.swift", "FrameType")
    server_types = re.findall(r"case \"([\w.]+)\": self = \.", (SWIFT / "ServerFrame.swift").read_text(encoding="utf-8"))
    check(bool(client_types) and bool(server_types), "could not read the frame types from the Swift sources")
    for frame_type in client_types + server_types:
        name = f"{frame_type}.json"
        if check(name in schemas, f"frame type {frame_type!r} has no schemas/{name}"):
            const = schemas[name].get("properties", {}).get("type", {}).get("const")
            check(const == frame_type, f"schemas/{name}: properties.type.const is {const!r}, not {frame_type!r}")
    for name, schema in schemas.items():
        if name not in NOT_FRAMES:
            check(name.removesuffix(".json") in client_types + server_types,
                  f"schemas/{name}: not a frame type of the Swift sources")
            required = schema.get("required", [])
            is_client = name.removesuffix(".json") in client_types
            check(not is_client or schema.get("additionalProperties") is True,
                  f"schemas/{name}: client frames must allow additional properties")
            check(not is_client or ("id" in required) == (name != "ping.json"),
                  f"schemas/{name}: 'id' must be required on every client frame but ping")

# 6. asyncapi.yaml's references resolve.
asyncapi = HERE / "asyncapi.yaml"
try:
    import yaml
except ImportError:
    yaml = None
    print("note: PyYAML is not installed; asyncapi.yaml and openapi.yaml not checked")


def check_refs(document, label: str) -> set[str]:
    """Checks that every "$ref" of a YAML document resolves: into a file of schemas/ (by relative file name,
    with an optional JSON pointer into it) or into the document itself. Returns the schema files referred to."""
    referenced = set()
    for pointer, ref in refs(document):
        target, _, fragment = ref.partition("#")
        if target:
            name = Path(target).name
            referenced.add(name)
            ok = check((HERE / target).resolve() == (SCHEMAS / name) and name in schemas,
                       f"{label}{pointer}: $ref {ref!r} is not a file in schemas/")
            if ok and fragment:
                try:
                    registry.resolver().lookup(f"{name}#{fragment}")
                except Unresolvable:
                    check(False, f"{label}{pointer}: $ref {ref!r} does not resolve")
        else:
            node = document
            for part in fragment.strip("/").split("/"):
                node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
            check(node is not None, f"{label}{pointer}: $ref {ref!r} does not resolve")
    return referenced


if yaml is not None and check(asyncapi.is_file(), "asyncapi.yaml is missing"):
    document = yaml.safe_load(asyncapi.read_text(encoding="utf-8"))
    check(isinstance(document, dict) and document.get("asyncapi") == "3.0.0", "asyncapi.yaml: must be AsyncAPI 3.0.0")
    referenced = check_refs(document, "asyncapi.yaml")
    messages = ((document.get("components") or {}).get("messages") or {}) if isinstance(document, dict) else {}
    for key, message in messages.items():
        schema_ref = ((message.get("payload") or {}).get("schema") or {}).get("$ref", "")
        validator = validators.get(Path(schema_ref).name)
        if check(validator is not None, f"asyncapi.yaml: message {key} has no payload schema in schemas/"):
            for example in message.get("examples") or []:
                errors = validate(validator, example.get("payload"), f"asyncapi.yaml: example of message {key}")
                if errors is not None:
                    check(not errors, f"asyncapi.yaml: example of message {key}: {errors[0].message if errors else ''}")
    for name in sorted(set(schemas) - NOT_FRAMES - referenced):
        check(False, f"asyncapi.yaml: no message refers to schemas/{name}")


# 7. openapi.yaml is a valid OpenAPI 3.1 document whose references resolve, and it documents the answers
# every operation can give: 401 on every operation that needs a token, 400 and 413 on every one with a body,
# the error body on every 4xx and 5xx with content.
openapi = HERE / "openapi.yaml"
try:
    from openapi_spec_validator import validate as validate_openapi
    from openapi_spec_validator.readers import read_from_filename
except ImportError:
    validate_openapi = None
    print("note: openapi-spec-validator is not installed; openapi.yaml not validated as OpenAPI")
if yaml is not None and check(openapi.is_file(), "openapi.yaml is missing"):
    document = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    check(isinstance(document, dict) and document.get("openapi") == "3.1.0", "openapi.yaml: must be OpenAPI 3.1.0")
    check_refs(document, "openapi.yaml")
    if validate_openapi is not None:
        try:
            spec, base_uri = read_from_filename(str(openapi))
            validate_openapi(spec, base_uri=base_uri)
            check(True, "")
        except Exception as error:  # the validator's own errors, or an unresolvable reference
            check(False, f"openapi.yaml: not a valid OpenAPI 3.1 document: {type(error).__name__}: {str(error)[:300]}")
    components = document.get("components") or {}

    def resolved(node):
        """A local "#/components/..." reference followed, once."""
        ref = node.get("$ref", "") if isinstance(node, dict) else ""
        if ref.startswith("#/components/"):
            kind, name = ref.removeprefix("#/components/").split("/", 1)
            return (components.get(kind) or {}).get(name) or {}
        return node

    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method not in ("get", "head", "post", "put", "patch", "delete"):
                continue
            label = f"openapi.yaml: {method.upper()} {path}"
            responses = operation.get("responses") or {}
            secured = operation.get("security", document.get("security")) not in (None, [])
            check(not secured or "401" in responses, f"{label}: needs a token but does not document 401")
            if "requestBody" in operation:
                for status in ("400", "413"):
                    check(status in responses, f"{label}: has a body but does not document {status}")
            for status, response in responses.items():
                content = (resolved(response).get("content") or {}) if status[0] in "45" else {}
                for media, body in content.items():
                    check(body.get("schema", {}).get("$ref") == "#/components/schemas/Error",
                          f"{label}: {status} {media} must be the error body (#/components/schemas/Error)")

# 8. When the hub's sources are beside this folder, openapi.yaml has exactly the REST routes of the hub:
# the route collections that RestAPI.add mounts (Sources/SwarmHub/REST/), method by method.
HUB_REST = HERE.parent / "Sources" / "SwarmHub" / "REST"
if yaml is not None and openapi.is_file() and HUB_REST.is_dir():
    mounted = {}
    # Each collection is constructed with what it uses, over one or more lines:
    # v1.addRoutes(TicketRoutes(ledger: ledger, ...).routes, atPath: "/tickets")
    for name, prefix, path in re.findall(
            r"(router|v1)\.addRoutes\(\s*(\w+Routes)\(.*?\)\s*\.routes,\s*atPath:\s*\"([^\"]+)\"\)",
            (HUB_REST / "RestAPI.swift").read_text(encoding="utf-8"), re.S):
        mounted[prefix] = ("/v1" if name == "v1" else "") + path
    code_routes = set()
    for file in sorted(HUB_REST.glob("*.swift")):
        source = file.read_text(encoding="utf-8")
        for collection in re.findall(r"^struct (\w+Routes)\b", source, re.M):
            if not check(collection in mounted, f"Sources/SwarmHub/REST/{file.name}: {collection} is not mounted by RestAPI.add"):
                continue
            for method, suffix in re.findall(r"\broutes\.(get|post|put|patch|delete|head)(?:\(\"([^\"]*)\"|\(use:| \{)", source):
                path = mounted[collection] + ("/" + suffix if suffix else "")
                code_routes.add((method, re.sub(r":(\w+)", r"{\1}", path)))
    documented = {(method, path) for path, item in (document.get("paths") or {}).items()
                  for method in item if method in ("get", "head", "post", "put", "patch", "delete")
                  and (path.startswith("/v1/") or path == "/health")}
    check(bool(code_routes), "could not read the REST routes from Sources/SwarmHub/REST")
    for method, path in sorted(code_routes - documented):
        check(False, f"openapi.yaml: the hub serves {method.upper()} {path}, the document does not have it")
    for method, path in sorted(documented - code_routes):
        check(False, f"openapi.yaml: documents {method.upper()} {path}, which the hub does not serve")

for failure in failures:
    print(f"FAIL {failure}")
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
