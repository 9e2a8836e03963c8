"""docs/api.md's reference, written as Markdown from the OpenAPI document: `ocrapp api-docs`."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ocrapp.generated_docs import replace_section

DOCS_START = "<!-- openapi:start -->"
DOCS_END = "<!-- openapi:end -->"
DOCS_COMMAND = "ocrapp api-docs --write docs/api.md"
METHODS = ("get", "post", "put", "patch", "delete")
# A field's bounds, as (lowest, highest, unit) keywords of JSON Schema.
BOUNDS = (
    ("minimum", "maximum", ""),
    ("minLength", "maxLength", " characters"),
    ("minItems", "maxItems", " items"),
)


def api_markdown(document: dict) -> str:
    """Describe the API: its operations part by part, then its schemas, as Markdown."""
    parts = [f"<!-- generated from the OpenAPI document by `{DOCS_COMMAND}` -->\n"]
    parts.append(document["info"].get("description", ""))
    for tag in document.get("tags", []):
        parts.append(f"## {tag['name'].capitalize()}\n\n{tag.get('description', '')}\n")
        for path, path_item in document["paths"].items():
            for method in METHODS:
                operation = path_item.get(method)
                if operation and tag["name"] in operation.get("tags", []):
                    parts.append(operation_markdown(method, path, operation))
    parts.append("## Schemas\n")
    for name, schema in sorted(document["components"]["schemas"].items()):
        parts.append(schema_markdown(name, schema))
    return "\n".join(parts).rstrip() + "\n"


def operation_markdown(method: str, path: str, operation: dict) -> str:
    """Describe one operation: what it does, what it reads, what it answers."""
    lines = [f"### `{method.upper()} {path}`\n", f"{operation.get('summary', '')}\n"]
    if operation.get("description"):
        lines.append(f"{operation['description']}\n")
    if operation.get("parameters"):
        lines += [
            "| Parameter | In | Type | Required | Description |",
            "| --- | --- | --- | --- | --- |",
        ]
        for parameter in operation["parameters"]:
            schema = parameter.get("schema", {})
            about = describe(parameter.get("description") or schema.get("description"), schema)
            lines.append(
                f"| `{parameter['name']}` | {parameter['in']} | {type_of(schema)} "
                f"| {'yes' if parameter.get('required') else 'no'} | {about} |"
            )
        lines.append("")
    for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
        lines.append(f"Request body (`{media_type}`): {type_of(content.get('schema', {}))}\n")
    lines += ["| Status | Answer | Description |", "| --- | --- | --- |"]
    for status, response in sorted(operation.get("responses", {}).items()):
        answer = ", ".join(
            f"{type_of(content.get('schema', {}))} (`{media_type}`)"
            for media_type, content in response.get("content", {}).items()
        )
        lines.append(f"| {status} | {answer or '-'} | {cell(response.get('description'))} |")
    return "\n".join(lines) + "\n"


def schema_markdown(name: str, schema: dict) -> str:
    """Describe one schema: its fields, or its values."""
    lines = [f"### {name}\n"]
    if schema.get("description"):
        lines.append(f"{schema['description']}\n")
    if "enum" in schema:
        lines.append("One of " + ", ".join(f"`{value}`" for value in schema["enum"]) + ".\n")
    properties = schema.get("properties", {})
    if properties:
        lines += ["| Field | Type | Required | Description |", "| --- | --- | --- | --- |"]
        required = set(schema.get("required", []))
        for field, field_schema in properties.items():
            about = describe(field_schema.get("description"), field_schema)
            lines.append(
                f"| `{field}` | {type_of(field_schema)} "
                f"| {'yes' if field in required else 'no'} | {about} |"
            )
        lines.append("")
    return "\n".join(lines)


def type_of(schema: dict) -> str:
    """Name the type a JSON schema allows, linking to the schemas it refers to."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(type_of(option) for option in schema["anyOf"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if "enum" in schema:
        return " or ".join(f"`{value}`" for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_of(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def describe(description: str | None, schema: dict) -> str:
    """A field's description followed by its default and bounds, for a table cell."""
    found = [f"default `{json.dumps(schema['default'])}`"] if "default" in schema else []
    for lowest, highest, unit in BOUNDS:
        low, high = number(schema.get(lowest)), number(schema.get(highest))
        if low is not None and high is not None:
            found.append(f"{low} to {high}{unit}")
        elif low is not None or high is not None:
            found.append(f"at least {low}{unit}" if high is None else f"at most {high}{unit}")
    if "pattern" in schema:
        found.append(f"matching `{schema['pattern']}`")
    bounds = f"({', '.join(found)})" if found else ""
    return cell(" ".join(part for part in (description, bounds) if part))


def number(value: float | None) -> float | int | None:
    """Write a bound as JSON Schema's author did: 1, not 1.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def cell(text: str | None) -> str:
    """Fit `text` in a Markdown table cell."""
    return (text or "").replace("\n", " ").replace("|", "\\|")


def replace_generated(document: str, generated: str) -> str:
    """Return `document` with its generated part replaced by `generated`."""
    return replace_section(document, generated, (DOCS_START, DOCS_END))


@click.command("api-docs")
@click.option(
    "--write",
    "document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replace the generated part of this Markdown file instead of printing.",
)
@with_appcontext
def api_docs_command(document: Path | None) -> None:
    """Print the API reference as Markdown (docs/api.md's generated part)."""
    generated = api_markdown(current_app.api_doc)
    if document is None:
        click.echo(generated, nl=False)
        return
    document.write_text(replace_generated(document.read_text(), generated))
