"""Read YAML safely: plain values only, every problem one ConfigError.

A safe loader that also reads ``1e-4`` as a number (YAML 1.2), then a walk
over the composed nodes that refuses what a config never needs and what
could hurt: duplicate keys (PyYAML silently keeps the last), tags that
construct objects, aliases that contain themselves, and alias expansions
("billion laughs") past MAX_YAML_VALUES values or MAX_YAML_DEPTH levels,
measured on the node graph before anything is expanded. The file itself is
read with a size cap (``data.read_text``, the reader of data files too), so a
huge file is refused after MAX_CONFIG_BYTES + 1 bytes rather than read whole.

Field paths in errors are dotted keys with list indices in brackets
(``em.initial.covariances[0]``); ``(file)`` and ``(yaml)`` name the file as
a whole.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..data import read_text
from ..errors import ConfigError

__all__ = [
    "MAX_CONFIG_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_VALUES", "Path_", "describe", "format_path", "one_line",
    "parse_value", "read_document",
]  # fmt: skip

MAX_CONFIG_BYTES = 1 << 20  # a hand-written config is a few hundred bytes
MAX_YAML_VALUES = 1_000_000  # values after expanding aliases: stops "billion laughs"
MAX_YAML_DEPTH = 64

Path_ = tuple[str | int, ...]


# ---------------------------------------------------------------------------
# Describing values and paths in messages


def one_line(text: str) -> str:
    """Text with control characters escaped, so an error stays one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def format_path(path: Path_) -> str:
    """``("em", "initial", "covariances", 0)`` -> ``em.initial.covariances[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{one_line(part)}" if text else one_line(str(part)))
    return text or "(yaml)"


def describe(value: object) -> str:
    """A value as a message shows it after "got": the string 'x', true (a boolean), a list of 3 items."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**20:
        return f"an integer of {len(str(abs(int(value))))} digits"
    if isinstance(value, numbers.Real):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, Mapping):
        keys = ", ".join(one_line(str(key)) for key in list(value)[:5])
        return f"a mapping with keys {keys}" if value else "a mapping with no keys"
    if isinstance(value, Path):
        return f"the path '{value}'"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------
# YAML: a safe loader that also reads 1e-4 as a number, then a node walk that
# refuses duplicate keys, object-constructing tags and alias bombs.

_TAG = "tag:yaml.org,2002:"
_LoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_LoaderBase):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader with YAML 1.2 floats (PyYAML reads ``1e-4`` as a string)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "float"]
    for first, resolvers in _LoaderBase.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)

_SCALARS = yaml.constructor.SafeConstructor()
_SCALAR_BUILDERS = {
    _TAG + "str": lambda node: node.value,
    _TAG + "timestamp": lambda node: node.value,  # a date is text to us, never a datetime
    _TAG + "int": _SCALARS.construct_yaml_int,
    _TAG + "float": _SCALARS.construct_yaml_float,
    _TAG + "bool": _SCALARS.construct_yaml_bool,
    _TAG + "null": _SCALARS.construct_yaml_null,
}


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _check_expansion(root: yaml.Node, source: object, field: str = "(yaml)") -> None:
    """Measure the document as if aliases were expanded, without expanding them; refuse cycles and bombs."""
    measured: dict[int, tuple[int, int]] = {}  # node id -> (values, nesting depth) once expanded
    open_nodes: set[int] = set()  # the path from the root being walked: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            open_nodes.discard(id(node))
            children = [measured[id(child)] for child in _children(node)]
            values = 1 + sum(count for count, _ in children)
            depth = 1 + max((nesting for _, nesting in children), default=0)
            if values > MAX_YAML_VALUES:
                message = f"expected at most {MAX_YAML_VALUES} values after expanding aliases, got more"
                raise ConfigError(source, field, message)
            if depth > MAX_YAML_DEPTH:
                raise ConfigError(source, field, f"expected at most {MAX_YAML_DEPTH} levels of nesting, got more")
            measured[id(node)] = (values, depth)
        elif id(node) in open_nodes:
            line = node.start_mark.line + 1
            message = f"expected a tree of values, got an alias that contains itself (line {line})"
            raise ConfigError(source, field, message)
        elif id(node) not in measured:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


class _NodeReader:
    """Turns composed YAML nodes into plain dicts, lists and scalars, refusing what a config never needs."""

    def __init__(self, source: object) -> None:
        self.source = source

    def error(self, path: Path_, message: str) -> ConfigError:
        return ConfigError(self.source, format_path(path), message)

    def read(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_BUILDERS:
            try:
                return _SCALAR_BUILDERS[node.tag](node)
            except (ValueError, KeyError, OverflowError, yaml.YAMLError):
                message = f"expected a value that fits its tag {_short_tag(node.tag)}, got {describe(node.value)}"
                raise self.error(path, message) from None
        if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
            return [self.read(child, (*path, index)) for index, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode) and node.tag == _TAG + "map":
            return self.read_mapping(node, path)
        tag = _short_tag(node.tag)
        raise self.error(path, f"expected a plain YAML value, got the tag {tag} (tags that build objects are refused)")

    def read_mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        lines: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":  # `<<: *defaults`: explicit keys win over merged ones
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for defaults in (self.read(merge_node, path) for merge_node in sources):
                    if not isinstance(defaults, dict):
                        raise self.error(path, f"expected a mapping after '<<', got {describe(defaults)}")
                    for key, value in defaults.items():
                        merged.setdefault(key, value)
                continue
            line = key_node.start_mark.line + 1
            key = self.read(key_node, path) if isinstance(key_node, yaml.ScalarNode) else key_node
            if not isinstance(key, str):
                shown = describe(key) if not isinstance(key, yaml.Node) else "a list or mapping"
                raise self.error(path, f"expected a key name, got {shown} as a key (line {line})")
            if key in lines:
                raise self.error((*path, key), f"expected each key once, got it on lines {lines[key]} and {line}")
            lines[key] = line
            mapping[key] = self.read(value_node, (*path, key))
        for key, value in merged.items():
            mapping.setdefault(key, value)
        return mapping


def _compose(text: str, source: object, field: str, *, positions: bool = True) -> yaml.Node | None:
    """Parse YAML text into nodes; syntax errors say line and column (when ``positions``)."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None and positions else ""
        context = f" ({error.context}" if error.context else ""
        if context and positions and error.context_mark is not None and error.context_mark is not mark:
            context += f" at line {error.context_mark.line + 1}, column {error.context_mark.column + 1}"
        context += ")" if context else ""
        got = "a syntax error" if positions else repr(text if len(text) <= 60 else text[:57] + "...")
        problem = one_line(f"{error.problem}{context}")
        raise ConfigError(source, field, f"{where}expected valid YAML, got {got}: {problem}") from None
    except (yaml.YAMLError, RecursionError) as error:
        detail = one_line(" ".join(str(error).split()))
        message = f"expected valid YAML, got a syntax error: {detail or type(error).__name__}"
        raise ConfigError(source, field, message) from None


def read_document(path: Path) -> dict[str, Any]:
    """The config file at ``path`` as a dict of plain values (str, int, float, bool, None, list, dict)."""
    text = read_text(
        path, lambda message: ConfigError(path, "(file)", message), max_bytes=MAX_CONFIG_BYTES, what="config file"
    )
    node = _compose(text, path, "(yaml)")
    if node is None:
        raise ConfigError(path, "(yaml)", "expected a mapping of config keys, got an empty document")
    _check_expansion(node, path)
    document = _NodeReader(path).read(node, ())
    if not isinstance(document, dict):
        message = f"expected a mapping of config keys at the top level, got {describe(document)}"
        raise ConfigError(path, "(yaml)", message)
    return document


def parse_value(text: str, *, source: object, field: str) -> Any:
    """One override value (``--set KEY=VALUE``) parsed as YAML with the config file's rules.

    ``1e-4`` is a number, tags are refused, duplicate keys are errors; an empty
    text is null. Errors are ``ConfigError(source, field, ...)``.
    """
    shown = one_line(field)  # a key typed on a command line may hold anything
    node = _compose(text, source, shown, positions=False)
    if node is None:
        return None
    _check_expansion(node, source, shown)
    return _NodeReader(source).read(node, tuple(field.split(".")))
