"""The config document (plain YAML values) around pydantic validation.

Before validation: unknown keys are refused with a "did you mean" hint,
NaN and inf are refused anywhere, and ``--set``-style overrides are applied
by dotted key. After it: pydantic's first error becomes one ConfigError that
names the field path, what was expected (from the field's type and bounds)
and what was got.

The functions work on a ``ModelTree``: the root model and, per model, its
sections (fields that are models themselves), so that this module does not
depend on the config models it checks.
"""

from __future__ import annotations

import copy
import difflib
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..errors import ConfigError
from .yaml_reader import Path_, _describe, _format_path, _one_line

__all__ = ["ModelTree", "apply_overrides", "check_finite", "check_keys", "config_error"]

Model = type[BaseModel]


@dataclass(frozen=True)
class ModelTree:
    """The config's models: ``root`` and, per model, its sections by key (``{Config: {"em": EmConfig}}``)."""

    root: Model
    sections: Mapping[Model, Mapping[str, Model]]

    def keys(self, model: Model) -> list[str]:
        """The YAML keys of ``model`` (``source`` is the file, not a key)."""
        return [name for name in model.model_fields if name != "source"]

    def section(self, model: Model, key: str) -> Model | None:
        return self.sections.get(model, {}).get(key)

    def all_keys(self, model: Model | None = None, prefix: str = "") -> list[str]:
        """Every dotted key a config can hold: seed, em.tol, em.initial.weights, ..."""
        model = self.root if model is None else model
        dotted = []
        for name in self.keys(model):
            dotted.append(prefix + name)
            section = self.section(model, name)
            if section is not None:
                dotted.extend(self.all_keys(section, f"{prefix}{name}."))
        return dotted


def _unknown_key(tree: ModelTree, key: str, model: Model, prefix: Path_) -> str:
    """"unknown key; did you mean 'render.fps'?" from keys of this section, else any section."""
    here = f"{_format_path(prefix)}." if prefix else ""
    close = difflib.get_close_matches(key, tree.keys(model), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{here}{close[0]}'?"
    elsewhere = {dotted.rsplit(".", 1)[-1]: dotted for dotted in tree.all_keys()}
    close = difflib.get_close_matches(key, list(elsewhere), n=1, cutoff=0.8)
    if close:
        return f"unknown key; did you mean '{elsewhere[close[0]]}'?"
    return f"unknown key; expected one of {', '.join(tree.keys(model))}"


def check_keys(tree: ModelTree, document: Mapping[str, Any], source: Path, model: Model | None = None,
               prefix: Path_ = ()) -> None:
    """Refuse the first key no model knows, with a hint at the key meant."""
    model = tree.root if model is None else model
    for key, value in document.items():
        if key not in tree.keys(model):
            raise ConfigError(source, _format_path((*prefix, key)), _unknown_key(tree, key, model, prefix))
        section = tree.section(model, key)
        if section is not None and isinstance(value, Mapping):
            check_keys(tree, value, source, section, (*prefix, key))


def check_finite(value: object, source: Path, path: Path_ = ()) -> None:
    """NaN and inf are refused anywhere, before any field sees them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(source, _format_path(path), f"expected a finite number, got {value}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_finite(item, source, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_finite(item, source, (*path, index))


def apply_overrides(
    tree: ModelTree, document: dict[str, Any], overrides: Mapping[str, object], source: Path
) -> dict[str, Any]:
    """Set each dotted key ("em.tol") in a copy of the document; unknown keys fail like unknown config keys."""
    document = dict(document)
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        shown = _one_line(str(dotted))  # a key typed on a command line may hold anything
        model = tree.root
        target = document
        for depth, part in enumerate(parts[:-1]):
            section = tree.section(model, part)
            if section is None:
                known = part in tree.keys(model)
                message = "unknown key" if known else _unknown_key(tree, part, model, tuple(parts[:depth]))
                raise ConfigError(source, shown, f"{message} (in overrides)")
            existing = target.get(part)
            if existing is not None and not isinstance(existing, Mapping):
                message = f"expected a mapping of keys, got {_describe(existing)}"
                raise ConfigError(source, _one_line(".".join(parts[: depth + 1])), message)
            target[part] = dict(existing or {})
            target, model = target[part], section
        if parts[-1] not in tree.keys(model):
            message = _unknown_key(tree, parts[-1], model, tuple(parts[:-1]))
            raise ConfigError(source, shown, f"{message} (in overrides)")
        if str(dotted) == "data" and isinstance(value, (str, Path)) and value:
            value = Path(value).expanduser().absolute()  # typed on a command line: relative to the working directory
        target[parts[-1]] = copy.deepcopy(value)
    return document


def _field_at(tree: ModelTree, loc: tuple[Union[str, int], ...]) -> FieldInfo | Model | None:
    """The plain field at ``loc``, the section model when ``loc`` names a section, else None."""
    model = tree.root
    field: FieldInfo | None = None
    for part in loc:
        if field is not None or not isinstance(part, str) or part not in model.model_fields:
            return None
        section = tree.section(model, part)
        if section is not None:
            model = section
            continue
        field = model.model_fields[part]
    return model if field is None else field


def _expected(tree: ModelTree, loc: tuple[Union[str, int], ...]) -> str | None:
    """What a plain field expects, from its annotation and bounds: "an integer from 1 to 10000000"."""
    field = _field_at(tree, loc)
    if field is None:
        return None
    if not isinstance(field, FieldInfo):
        return f"a mapping of {_format_path(loc)} keys"
    annotation, optional = field.annotation, False
    if get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation):
        optional = True
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", Path: "a path"}
    if get_origin(annotation) is Literal:
        text = "one of " + ", ".join(repr(choice) for choice in get_args(annotation))
    else:
        text = names.get(annotation, "a value of the documented form")
    bounds = {name: getattr(m, name) for m in field.metadata for name in ("ge", "gt", "le") if hasattr(m, name)}
    show = {name: (int(v) if float(v).is_integer() else v) for name, v in bounds.items()}
    if "ge" in show and "le" in show:
        text += f" from {show['ge']} to {show['le']}"
    elif "gt" in show and "le" in show:
        text += f" > {show['gt']} and <= {show['le']}"
    elif "ge" in show or "gt" in show:
        text += f" >= {show['ge']}" if "ge" in show else f" > {show['gt']}"
    return text + (", or null" if optional else "")


def config_error(tree: ModelTree, error: ValidationError, source: Path) -> ConfigError:
    """The first pydantic error as one ConfigError: field path, expected, got."""
    first = error.errors(include_url=False)[0]
    loc, context = tuple(first["loc"]), first.get("ctx") or {}
    if first["type"] == "config":
        return ConfigError(source, _format_path(loc + tuple(context["path"])), context["message"])
    if first["type"] == "missing":
        return ConfigError(source, _format_path(loc), "expected a value, got nothing")
    if first["type"] == "extra_forbidden":
        return ConfigError(source, _format_path(loc), "unknown key")
    expected = _expected(tree, loc) or first["msg"][0].lower() + first["msg"][1:]
    return ConfigError(source, _format_path(loc), f"expected {expected}, got {_describe(first['input'])}")
