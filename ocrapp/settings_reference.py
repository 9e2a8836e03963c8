"""docs/configuration.md's tables, written as Markdown from `Settings`: `ocrapp settings docs`."""

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo

from ocrapp.config import Settings
from ocrapp.generated_docs import replace_section

DOCS_START = "<!-- settings:start -->"
DOCS_END = "<!-- settings:end -->"
DOCS_COMMAND = "ocrapp settings docs --write docs/configuration.md"


def _type_name(annotation: Any) -> str:
    """Name a setting's type for the docs."""
    if get_origin(annotation) is Literal:
        return " or ".join(f"`{value}`" for value in get_args(annotation))
    if get_origin(annotation) is list:
        return "list"
    names = {int: "integer", float: "number", str: "text", bool: "switch", Path: "path"}
    return " or ".join(
        names[t] for t in get_args(annotation) or [annotation] if t is not type(None)
    )


def _default_text(field: FieldInfo) -> str:
    """Show a setting's default in the docs."""
    if field.json_schema_extra["shown_default"]:
        return field.json_schema_extra["shown_default"]
    if field.default is None or field.default == []:
        return "none"
    if isinstance(field.default, bool):
        return "on" if field.default else "off"
    return f"`{field.default:g}`" if isinstance(field.default, float) else f"`{field.default}`"


def settings_markdown() -> str:
    """Return the Markdown tables of every setting, one per group, for the docs."""
    groups: dict[str, list[str]] = {}
    for name, field in Settings.model_fields.items():
        variable = field.validation_alias or name
        description = field.description.replace("|", "\\|")
        cells = [f"`{variable}`", _type_name(field.annotation), _default_text(field), description]
        groups.setdefault(field.json_schema_extra["group"], []).append(f"| {' | '.join(cells)} |")
    parts = [f"<!-- generated from ocrapp/config.py by `{DOCS_COMMAND}` -->\n"]
    for group, rows in groups.items():
        header = "| Variable | Type | Default | Meaning |\n| --- | --- | --- | --- |"
        parts.append(f"\n### {group}\n\n{header}\n" + "\n".join(rows) + "\n")
    return "".join(parts)


def replace_generated(document: str, generated: str) -> str:
    """Return `document` with its generated part replaced by `generated`."""
    return replace_section(document, generated, (DOCS_START, DOCS_END))
