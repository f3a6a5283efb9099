"""Read a YAML config safely, validate it, and return a frozen Config.

Every problem becomes one ``ConfigError(source, field_path, message)``. Field
paths are dotted keys with list indices in brackets: ``samples``,
``render.fps``, ``covariances[1]``, ``em.initial.covariances[0][1]``. Problems
with the file as a whole use ``(file)`` (missing, unreadable, not text, too
large) or ``(yaml)`` (syntax errors with line and column, an empty document, a
top level that is not a mapping, alias bombs, keys that are not names).

Paths: ``data`` is relative to the config file's folder (an override's
``data`` is relative to the working directory, as typed on a command line);
``render.output`` is relative to the working directory, like any output path
given to a command-line tool.

The YAML reading itself lives in yaml_safe.py, the checks of single values
(numbers, weights, points, covariance matrices, titles) in field_checks.py;
this module holds the models and the loading steps.
"""

from __future__ import annotations

import copy
import difflib
import math
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Optional, Union, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo

from .errors import ConfigError
from .field_checks import (
    Matrix,
    _check_title,
    _covariance,
    _describe,
    _fail,
    _full_covariances,
    _initial_covariances,
    _items,
    _path,
    _points,
    _positive,
    _weights,
)
from .history import Mixture
from .yaml_safe import MAX_CONFIG_BYTES, MAX_YAML_VALUES, Path_, _format_path, parse_value, read_document

__all__ = [
    "Config",
    "EmConfig",
    "RenderConfig",
    "InitialMixture",
    "load_config",
    "parse_value",
    "MAX_CONFIG_BYTES",
    "MAX_YAML_VALUES",
]


# ---------------------------------------------------------------------------
# The models: field names are part of the public API.


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InitialMixture(_Section):
    """em.initial: the starting mixture for ``init: explicit`` (forms: see Config.initial_mixture)."""

    weights: list[float]
    means: list[list[float]]
    covariances: Union[float, Matrix, list[Union[float, list[float], Matrix]]]


class EmConfig(_Section):
    """The ``em:`` section: how the mixture is fitted."""

    components: Optional[int] = Field(None, ge=1)
    init: Literal["random", "kmeans++", "explicit"] = "random"
    init_seed: Optional[int] = Field(None, ge=0)
    covariance_type: Literal["full", "diag", "spherical", "tied"] = "full"
    reg_covar: float = Field(1e-6, ge=0)
    tol: Optional[float] = Field(None, gt=0)
    initial: Optional[InitialMixture] = None

    @field_validator("initial", mode="before")
    @classmethod
    def _check_initial(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            _fail((), f"expected a mapping with weights, means and covariances, got {_describe(value)}")
        for key in ("weights", "means", "covariances"):
            if value.get(key) is None:
                _fail((key,), f"expected the initial {key} (init: explicit starts from them), got nothing")
        weights = _weights(value["weights"], ("weights",))
        means = _points(value["means"], ("means",), len(weights))
        covariances = value["covariances"]
        if "covariance_type" in info.data:  # else its own error comes first
            covariances = _initial_covariances(covariances, info.data["covariance_type"], len(weights), len(means[0]))
        return {**value, "weights": weights, "means": means, "covariances": covariances}

    @model_validator(mode="after")
    def _check_init(self) -> EmConfig:
        if self.init == "explicit" and self.initial is None:
            _fail(("initial",), "expected weights, means and covariances (required by init: explicit), got nothing")
        if self.init != "explicit" and self.initial is not None:
            _fail(("init",), f"expected 'explicit' when em.initial is given (or remove em.initial), got {self.init!r}")
        return self


class RenderConfig(_Section):
    """The ``render:`` section: what the frames look like and where they go.

    ``output`` is relative to the working directory (not to the config file),
    as any output path given to a command-line tool; None means
    ``<config stem>`` plus the format's suffix in the working directory.
    """

    output: Optional[Path] = None
    format: Literal["auto", "gif", "mp4", "webp", "png"] = "auto"
    fps: float = Field(3.0, gt=0, le=50)
    hold: float = Field(1.0, ge=0)
    width: int = Field(600, ge=64, le=4096)
    height: int = Field(600, ge=64, le=4096)
    sigmas: tuple[float, ...] = (2.0,)
    title: str = "GMM fitting with EM: iteration {iteration}"
    truth: bool = True

    @field_validator("output", mode="before")
    @classmethod
    def _check_output(cls, value: object) -> Optional[Path]:
        return None if value is None else _path(value)

    @field_validator("sigmas", mode="before")
    @classmethod
    def _check_sigmas(cls, value: object) -> tuple[float, ...]:
        levels = _items(value, (), "a non-empty list of sigma levels > 0")
        return tuple(_positive(level, (i,)) for i, level in enumerate(levels))

    @field_validator("title")
    @classmethod
    def _check_title(cls, value: str) -> str:
        _check_title(value)
        return value


class Config(_Section):
    """A validated config file; ``source`` is the file itself (not a YAML key)."""

    source: Path
    seed: int = Field(0, ge=0)
    samples: int = Field(400, ge=1, le=10_000_000)
    jitter: float = Field(0.0, ge=0)
    weights: Optional[list[float]] = None
    means: Optional[list[list[float]]] = None
    covariances: Optional[list[Union[float, Matrix]]] = None
    iterations: int = Field(40, ge=0, le=10_000)
    data: Optional[Path] = None  # resolved against the config file's folder
    em: EmConfig = EmConfig()
    render: RenderConfig = RenderConfig()

    @field_validator("em", "render", mode="before")
    @classmethod
    def _empty_section(cls, value: object) -> object:
        return {} if value is None else value  # `render:` with every key commented out

    @field_validator("weights", mode="before")
    @classmethod
    def _check_weights(cls, value: object) -> object:
        return None if value is None else _weights(value)

    @field_validator("means", mode="before")
    @classmethod
    def _check_means(cls, value: object, info: ValidationInfo) -> object:
        weights = info.data.get("weights")
        return None if value is None else _points(value, (), None if weights is None else len(weights))

    @field_validator("covariances", mode="before")
    @classmethod
    def _check_covariances(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return None
        weights, means = info.data.get("weights"), info.data.get("means")
        what = "a non-empty list of covariances (one per component)"
        entries = _items(value, (), what)
        if weights is not None and len(entries) != len(weights):
            _fail((), f"expected {len(weights)} covariances (one per weight), got {len(entries)}")
        size = None if not means else len(means[0])
        return [_covariance(entry, (k,), size) for k, entry in enumerate(entries)]

    @field_validator("data", mode="before")
    @classmethod
    def _check_data(cls, value: object, info: ValidationInfo) -> Optional[Path]:
        if value is None:
            return None
        given = _path(value)
        source = info.data.get("source")
        path = ((Path(source).parent if source is not None else Path()) / given).resolve()
        if path.suffix.lower() not in (".csv", ".npy"):
            _fail((), f"expected a .csv or .npy file, got {str(given)!r}")
        if not path.exists():
            _fail((), f"expected an existing file, got {str(given)!r} (no such file: {path})")
        if not path.is_file():
            _fail((), f"expected a file, got {str(given)!r} (not a regular file: {path})")
        return path

    @model_validator(mode="after")
    def _check_together(self) -> Config:
        given = [key for key in ("weights", "means", "covariances") if getattr(self, key) is not None]
        if given and len(given) < 3:
            missing = next(key for key in ("weights", "means", "covariances") if key not in given)
            _fail((missing,), f"expected {missing} alongside {' and '.join(given)} (the true mixture), got nothing")
        if not given and self.data is None:
            expected = "the true mixture (weights, means, covariances) or a data file (data)"
            _fail(("weights",), f"expected {expected}, got neither")
        if not given and self.em.components is None:
            expected = "the number of components to fit (data without a true mixture)"
            _fail(("em", "components"), f"expected {expected}, got nothing")
        self._check_initial_shapes()
        if self.data is None and self.samples < self.n_components:
            expected = f"at least {self.n_components} samples (one per component)"
            _fail(("samples",), f"expected {expected}, got {self.samples}")
        return self

    def _check_initial_shapes(self) -> None:
        initial = self.em.initial
        if initial is None:
            return
        reason = "em.components" if self.em.components is not None else "one per true component"
        if len(initial.weights) != self.n_components:
            _fail(
                ("em", "initial", "weights"),
                f"expected {self.n_components} weights ({reason}), got {len(initial.weights)}",
            )
        if self.means is not None and len(initial.means[0]) != len(self.means[0]):
            _fail(
                ("em", "initial", "means"),
                f"expected points of dimension {len(self.means[0])} (as the means), got {len(initial.means[0])}",
            )

    @property
    def truth(self) -> Mixture | None:
        """The true mixture as arrays (covariances full, (K, D, D)), or None when it is not given."""
        if self.weights is None:
            return None
        means = np.asarray(self.means, dtype=np.float64)
        covariances = _full_covariances(self.covariances, "full", *means.shape)
        return Mixture(np.asarray(self.weights, dtype=np.float64), means, covariances)

    @property
    def initial_mixture(self) -> Mixture | None:
        """``em.initial`` with full (K, D, D) covariances, or None unless ``init: explicit``.

        ``em.initial.covariances`` takes the form of ``em.covariance_type``:

        - ``full``: K entries, each a D x D symmetric positive-definite matrix
          or one number v > 0 meaning v·I;
        - ``diag``: K lists of D variances > 0 (the diagonals);
        - ``spherical``: K numbers v > 0 (v·I for each component);
        - ``tied``: one D x D symmetric positive-definite matrix, or one number
          v > 0 meaning v·I, shared by every component.

        K is ``em.components`` (else the number of true components) and D the
        dimension of the means.
        """
        initial = self.em.initial
        if initial is None:
            return None
        means = np.asarray(initial.means, dtype=np.float64)
        covariances = _full_covariances(initial.covariances, self.em.covariance_type, *means.shape)
        return Mixture(np.asarray(initial.weights, dtype=np.float64), means, covariances)

    @property
    def n_components(self) -> int:
        """K of the fitted model: em.components, else the number of true components."""
        return self.em.components if self.em.components is not None else len(self.weights or ())

    @property
    def init_seed(self) -> int:
        """The seed of the initialisation: em.init_seed, else seed + 1."""
        return self.em.init_seed if self.em.init_seed is not None else self.seed + 1


# ---------------------------------------------------------------------------
# Loading: document -> overrides -> key and number checks -> pydantic.

_SECTIONS: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Config: {"em": EmConfig, "render": RenderConfig},
    EmConfig: {"initial": InitialMixture},
}


def _keys(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if name != "source"]


def _all_keys(model: type[BaseModel] = Config, prefix: str = "") -> list[str]:
    """Every dotted key a config can hold: seed, em.tol, em.initial.weights, ..."""
    dotted = []
    for name in _keys(model):
        dotted.append(prefix + name)
        if name in _SECTIONS.get(model, {}):
            dotted.extend(_all_keys(_SECTIONS[model][name], f"{prefix}{name}."))
    return dotted


def _unknown_key(key: str, model: type[BaseModel], prefix: Path_) -> str:
    """"unknown key; did you mean 'render.fps'?" from keys of this section, else any section."""
    here = f"{_format_path(prefix)}." if prefix else ""
    close = difflib.get_close_matches(key, _keys(model), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{here}{close[0]}'?"
    elsewhere = {dotted.rsplit(".", 1)[-1]: dotted for dotted in _all_keys()}
    close = difflib.get_close_matches(key, list(elsewhere), n=1, cutoff=0.8)
    if close:
        return f"unknown key; did you mean '{elsewhere[close[0]]}'?"
    return f"unknown key; expected one of {', '.join(_keys(model))}"


def _check_keys(document: Mapping[str, Any], model: type[BaseModel], prefix: Path_, source: Path) -> None:
    for key, value in document.items():
        if key not in _keys(model):
            raise ConfigError(source, _format_path((*prefix, key)), _unknown_key(key, model, prefix))
        section = _SECTIONS.get(model, {}).get(key)
        if section is not None and isinstance(value, Mapping):
            _check_keys(value, section, (*prefix, key), source)


def _check_finite(value: object, path: Path_, source: Path) -> None:
    """NaN and inf are refused anywhere, before any field sees them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(source, _format_path(path), f"expected a finite number, got {value}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, (*path, key), source)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(item, (*path, index), source)


def _apply_overrides(document: dict[str, Any], overrides: Mapping[str, object], source: Path) -> dict[str, Any]:
    """Set each dotted key ("em.tol") in a copy of the document; unknown keys fail like unknown config keys."""
    document = dict(document)
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        model: type[BaseModel] = Config
        target = document
        for depth, part in enumerate(parts[:-1]):
            section = _SECTIONS.get(model, {}).get(part)
            if section is None:
                message = _unknown_key(part, model, tuple(parts[:depth])) if part not in _keys(model) else "unknown key"
                raise ConfigError(source, str(dotted), f"{message} (in overrides)")
            existing = target.get(part)
            if existing is not None and not isinstance(existing, Mapping):
                message = f"expected a mapping of keys, got {_describe(existing)}"
                raise ConfigError(source, ".".join(parts[: depth + 1]), message)
            target[part] = dict(existing or {})
            target, model = target[part], section
        if parts[-1] not in _keys(model):
            message = _unknown_key(parts[-1], model, tuple(parts[:-1]))
            raise ConfigError(source, str(dotted), f"{message} (in overrides)")
        if str(dotted) == "data" and isinstance(value, (str, Path)) and value:
            value = Path(value).expanduser().absolute()  # typed on a command line: relative to the working directory
        target[parts[-1]] = copy.deepcopy(value)
    return document


def _expected(loc: tuple[Union[str, int], ...]) -> str | None:
    """What a plain field expects, from its annotation and bounds: "an integer from 1 to 10000000"."""
    model: type[BaseModel] = Config
    field: FieldInfo | None = None
    for part in loc:
        if field is not None or not isinstance(part, str) or part not in model.model_fields:
            return None
        if part in _SECTIONS.get(model, {}):
            model = _SECTIONS[model][part]
            continue
        field = model.model_fields[part]
    if field is None:
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


def _config_error(error: ValidationError, source: Path) -> ConfigError:
    """The first pydantic error as one ConfigError: field path, expected, got."""
    first = error.errors(include_url=False)[0]
    loc, context = tuple(first["loc"]), first.get("ctx") or {}
    if first["type"] == "config":
        return ConfigError(source, _format_path(loc + tuple(context["path"])), context["message"])
    if first["type"] == "missing":
        return ConfigError(source, _format_path(loc), "expected a value, got nothing")
    if first["type"] == "extra_forbidden":
        return ConfigError(source, _format_path(loc), "unknown key")
    expected = _expected(loc) or first["msg"][0].lower() + first["msg"][1:]
    return ConfigError(source, _format_path(loc), f"expected {expected}, got {_describe(first['input'])}")


def load_config(path: str | Path, overrides: Mapping[str, object] | None = None) -> Config:
    """Read, check and validate a config file; every problem raises one ConfigError.

    ``overrides`` maps dotted keys (``"iterations"``, ``"em.tol"``,
    ``"render.fps"``) to already-parsed values (see ``parse_value``); they are
    applied before validation, and an unknown key fails like one in the file.
    """
    source = Path(path)
    document = read_document(source)
    if overrides:
        document = _apply_overrides(document, overrides, source)
    _check_keys(document, Config, (), source)
    _check_finite(document, (), source)
    try:
        return Config.model_validate({**document, "source": source})
    except ValidationError as error:
        raise _config_error(error, source) from None
