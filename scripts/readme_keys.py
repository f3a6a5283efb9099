"""Write README.md's table of config keys from the config's JSON Schema.

The table sits between the markers ``<!-- keys:start -->`` and
``<!-- keys:end -->``; everything else in README.md is left as it is. The
schema is read at run time (``gmm_anim.config.schema.config_schema``), so a
key added to a model shows up on the next run. tests/test_readme.py fails
while the table is out of date.

Usage:
    .venv/bin/python scripts/readme_keys.py           # rewrite the table
    .venv/bin/python scripts/readme_keys.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gmm_anim.config.schema import schema_keys

__all__ = ["START", "END", "README", "key_table", "with_key_table", "main"]

START = "<!-- keys:start -->"
END = "<!-- keys:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"
_NULL = {"type": "null"}
_BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


def _yaml(value: Any) -> str:
    """A value as it is written in a config file: random, 2.0, [2.0], null, true."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _kind(prop: dict[str, Any]) -> str:
    """A property's type in words: "integer >= 1", "matrix", "list of numbers > 0"."""
    if "$ref" in prop:
        return "section"
    if "anyOf" in prop:
        choices = [_kind(choice) for choice in prop["anyOf"] if choice != _NULL]
        return choices[0] if len(choices) == 1 else " or ".join(choices)
    if "enum" in prop:
        return "one of " + ", ".join(f"`{_yaml(choice)}`" for choice in prop["enum"])
    kind = prop.get("type", "any value")
    if kind == "array":
        return _list_kind(prop)
    if kind == "string" and prop.get("format") == "path":
        kind = "path"
    limits = [f"{sign} {_number(prop[name])}" for name, sign in _BOUNDS if name in prop]
    if "minimum" in prop and "maximum" in prop:
        limits = [f"from {_number(prop['minimum'])} to {_number(prop['maximum'])}"]
    return " ".join([kind, ", ".join(limits)]).strip()


def _list_kind(prop: dict[str, Any]) -> str:
    """An array's type in words: "list of numbers", "list of (number or list of lists of numbers)"."""
    if "prefixItems" in prop:
        return "[" + ", ".join(_kind(item) for item in prop["prefixItems"]) + "]"
    item = _kind(prop["items"]) if "items" in prop else "any value"
    if " or " in item:
        return f"list of ({item})"
    head, _, rest = item.partition(" ")
    plural = {"list": "lists", "any": "any"}.get(head, head + "s")
    return f"list of {plural} {rest}".strip()


def _default(prop: dict[str, Any], required: bool) -> str:
    if "default" in prop:
        return f"`{_yaml(prop['default'])}`"
    if "$ref" in prop or any("$ref" in choice for choice in prop.get("anyOf", [])):
        return ""
    return "required" if required else ""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def key_table(schema: dict[str, Any]) -> str:
    """The Markdown table of every key in ``schema``: key, type, default, description."""
    required = {
        prefix + name
        for prefix, definition in [("", schema), *_sections(schema)]
        for name in definition.get("required", [])
    }
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for dotted, prop in schema_keys(schema):
        description = prop.get("description", "(undocumented)")
        cells = [f"`{dotted}`", _kind(prop), _default(prop, dotted in required), description]
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows)


def _sections(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(dotted prefix, definition)`` of every section, e.g. ``("em.", EmConfig's schema)``."""
    sections = []
    for dotted, prop in schema_keys(schema):
        for choice in [prop, *prop.get("anyOf", [])]:
            if "$ref" in choice:
                sections.append((dotted + ".", schema["$defs"][choice["$ref"].rsplit("/", 1)[-1]]))
    return sections


def with_key_table(readme: str, table: str) -> str:
    """``readme`` with the text between the markers replaced by ``table``."""
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md needs the markers {START} and {END} (in this order) around the key table")
    return f"{before}{START}\n{table}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    from gmm_anim.config.schema import config_schema

    parser = argparse.ArgumentParser(description="Write README.md's config key table from the schema.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is out of date; write nothing")
    parser.add_argument("--readme", type=Path, default=README, help="the README to update (default: %(default)s)")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    updated = with_key_table(text, key_table(config_schema()))
    if args.check:
        if updated != text:
            print(f"{args.readme}: the config key table is out of date; run scripts/readme_keys.py", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        args.readme.write_text(updated, encoding="utf-8")
        print(f"updated the config key table in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
