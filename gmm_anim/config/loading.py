"""From a config file or a mapping to a validated ``Config``: overrides, and one ConfigError for the first problem.

``_config_error`` turns pydantic's first error into ``ConfigError(source,
field_path, message)``, and an unknown key (pydantic's ``extra_forbidden``)
into a "did you mean" hint. Field paths are dotted keys with list indices in
brackets: ``samples``, ``render.fps``, ``covariances[1]``,
``em.initial.covariances[0][1]``; ``(file)`` and ``(yaml)`` name the file as
a whole (yaml_reader.py).

Paths: ``data`` is relative to the config file's folder (an override's
``data`` or ``data.path`` to the working directory, as typed on a command
line); ``render.output`` to the working directory, like any output path
given to a command-line tool.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import numpy as np
from pydantic import BaseModel, ValidationError

from ..errors import ConfigError, GmmAnimWarning
from .data_source import DataSource
from .models import MAX_RUNS, Config, EmConfig
from .yaml_reader import describe, format_path, one_line, read_document

__all__ = ["compare_runs", "config_from_dict", "load_config"]


def load_config(path: str | Path, overrides: Mapping[str, object] | None = None) -> Config:
    """Read and validate a config file; every problem raises one ConfigError.

    ``overrides`` maps dotted keys (``"iterations"``, ``"em.tol"``,
    ``"render.fps"``) to already-parsed values (see ``parse_value``); they are
    set in the document before validation, and an unknown key fails like one
    in the file.
    """
    source = Path(path)
    document = read_document(source)
    for dotted, value in (overrides or {}).items():
        _override(document, str(dotted), value, source)
    return _validate(document, {"source": source})


def config_from_dict(
    mapping: Mapping[str, Any],
    overrides: Mapping[str, object] | None = None,
    *,
    own_points: Sequence[str] | None = None,
) -> Config:
    """Validate a config given as a mapping (as a YAML file would parse) just as ``load_config`` does a file.

    Errors name the source ``<dict>``; a ``data`` path is relative to the
    working directory. Numpy arrays and tuples are taken as lists.
    ``own_points`` (the caller's own points, for ``animate(X)``): neither a
    true mixture nor ``data`` is then needed, and the names (one per
    feature; empty for none) label the axes.
    """
    source = Path("<dict>")
    if not isinstance(mapping, Mapping):
        raise ConfigError(source, "(document)", f"expected a mapping of config keys, got {describe(mapping)}")
    document = _plain(mapping)
    for dotted, value in (overrides or {}).items():
        _override(document, str(dotted), _plain(value), source)
    context: dict[str, object] = {"source": source}
    if own_points is not None:
        context["own_points"] = tuple(str(name) for name in own_points)
    return _validate(document, context)


def _validate(document: dict[str, Any], context: dict[str, Any]) -> Config:
    """The config of ``document``, and with ``compare`` each run's: the document with the run's overrides applied.

    A run's config is validated exactly as a config file holding those
    overrides would be, so its fit equals that file's; its errors name the
    run (``compare[1].em.components``), its warnings were already given.
    """
    source = context["source"]
    try:
        cfg = Config.model_validate(document, context=context)
    except ValidationError as error:
        raise _config_error(error, source) from None
    runs = []
    for i, run in enumerate(cfg.compare or ()):
        shared = {key: value for key, value in document.items() if key != "compare"}
        if run.em:
            shared["em"] = {**(document.get("em") or {}), **run.em}
        if run.iterations is not None:
            shared["iterations"] = run.iterations
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GmmAnimWarning)
                runs.append(Config.model_validate(shared, context=context))
        except ValidationError as error:
            raise _run_error(_config_error(error, source), i) from None
    cfg._runs = tuple(runs)
    return cfg


def _run_error(error: ConfigError, index: int) -> ConfigError:
    """An error of compare's run ``index``: under its own key when the run sets it, else naming the shared key."""
    if error.field.split(".")[0].split("[")[0] in ("em", "iterations"):
        return ConfigError(error.source, f"compare[{index}].{error.field}", error.message)
    return ConfigError(error.source, f"compare[{index}]", f"{error.field}: {error.message}")


def compare_runs(dotted: str, values: object, *, source: str | Path = "--compare") -> list[dict[str, Any]]:
    """The ``compare`` list of ``--compare KEY=[V1, V2, ...]``: one run per value, labelled ``KEY = VALUE``.

    KEY is ``iterations`` or an ``em`` key (``em.components``, ``em.init``, ...).
    """
    section, _, key = dotted.partition(".")
    if dotted != "iterations" and (section != "em" or key not in EmConfig.model_fields):
        em_keys = ", ".join(f"em.{name}" for name in EmConfig.model_fields)
        raise ConfigError(source, one_line(dotted), f"expected iterations or an em key ({em_keys}), got {dotted!r}")
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_RUNS:
        got = f"{len(values)} values" if isinstance(values, list) else describe(values)
        raise ConfigError(
            source, one_line(dotted), f"expected a list of 1 to {MAX_RUNS} values, [V1, V2, ...], got {got}"
        )
    runs = []
    for value in values:
        run: dict[str, Any] = {"label": f"{dotted} = {_value_text(value)}"}
        run.update({"iterations": value} if dotted == "iterations" else {"em": {key: value}})
        runs.append(run)
    return runs


def _value_text(value: object) -> str:
    """A value as YAML writes it: null, true, 3, 0.0001, kmeans++."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _plain(value: Any) -> Any:
    """``value`` with arrays and tuples as lists, mappings as dicts, numpy scalars as Python's: what YAML gives."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _override(document: dict[str, Any], dotted: str, value: object, source: Path) -> None:
    """Set ``dotted`` ("em.tol") in the document; a key no model has fails as unknown."""
    *sections, key = dotted.split(".")
    model: type[BaseModel] = Config
    target = document
    for depth, part in enumerate(sections):
        section = _section(model, part)
        if section is None:
            message = "unknown key" if part in model.model_fields else _unknown_key(model, sections[:depth], part)
            raise ConfigError(source, one_line(dotted), f"{message} (in overrides)")
        existing = target.get(part)
        if isinstance(existing, (str, Path)) and section is DataSource:
            existing = {"path": existing}  # data: FILE is the mapping {path: FILE}
        if existing is not None and not isinstance(existing, Mapping):
            field = one_line(".".join(sections[: depth + 1]))
            raise ConfigError(source, field, f"expected a mapping of keys, got {describe(existing)}")
        target[part] = dict(existing or {})
        target, model = target[part], section
    if key not in model.model_fields:
        raise ConfigError(source, one_line(dotted), f"{_unknown_key(model, sections, key)} (in overrides)")
    # a path typed on a command line is relative to the working directory
    if dotted in ("data", "data.path") and isinstance(value, (str, Path)) and value:
        value = Path(value).expanduser().absolute()
    elif (
        dotted == "data" and isinstance(value, Mapping) and isinstance(value.get("path"), (str, Path)) and value["path"]
    ):
        value = {**value, "path": Path(value["path"]).expanduser().absolute()}
    target[key] = value


def _config_error(error: ValidationError, source: Path) -> ConfigError:
    """Pydantic's first error (an unknown key before any other) as one ConfigError: field path, expected, got."""
    errors = error.errors(include_url=False)
    first = next((item for item in errors if item["type"] == "extra_forbidden"), errors[0])
    loc, context = tuple(first["loc"]), first.get("ctx") or {}
    if first["type"] == "config":  # a check's own message (field_checks.fail)
        return ConfigError(source, format_path(loc + tuple(context["path"])), context["message"])
    if first["type"] == "extra_forbidden":
        model: type[BaseModel] = Config
        for part in loc[:-1]:
            if not isinstance(part, int):  # a list's index: its items are of the list's model
                model = _section(model, str(part)) or model
        return ConfigError(source, format_path(loc), _unknown_key(model, loc[:-1], str(loc[-1])))
    if first["type"] == "missing":
        return ConfigError(source, format_path(loc), "expected a value (required), got nothing")
    if first["type"] == "model_type":
        expected = f"a mapping of {format_path(loc)} keys"
    else:  # a failure no check words: pydantic's own
        expected = first["msg"][0].lower() + first["msg"][1:]
    return ConfigError(source, format_path(loc), f"expected {expected}, got {describe(first['input'])}")


def _section(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model of the section ``key`` of ``model`` (em -> EmConfig), or None when ``key`` is no section."""
    field = model.model_fields.get(key)
    kinds: tuple[Any, ...] = () if field is None else (field.annotation,)
    for kind in kinds:  # breadth-first through Optional, Annotated and tuple[...] to the model
        kinds += get_args(kind)
    return next((kind for kind in kinds if isinstance(kind, type) and issubclass(kind, BaseModel)), None)


def _dotted_keys(model: type[BaseModel] = Config, prefix: str = "") -> Iterator[str]:
    """Every key a config can hold: seed, em.tol, em.initial.weights, ..."""
    for name in model.model_fields:
        yield prefix + name
        section = _section(model, name)
        if section is not None:
            yield from _dotted_keys(section, f"{prefix}{name}.")


def _unknown_key(model: type[BaseModel], prefix: Sequence[str | int], key: str) -> str:
    """The message for ``key`` unknown in ``model`` at ``prefix``, with a close key of it or of any section."""
    here = f"{format_path(tuple(prefix))}." if prefix else ""
    close = difflib.get_close_matches(key, list(model.model_fields), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{here}{close[0]}'?"
    elsewhere = {dotted.rsplit(".", 1)[-1]: dotted for dotted in _dotted_keys()}
    close = difflib.get_close_matches(key, list(elsewhere), n=1, cutoff=0.8)
    if close:
        return f"unknown key; did you mean '{elsewhere[close[0]]}'?"
    return f"unknown key; expected one of {', '.join(model.model_fields)}"
