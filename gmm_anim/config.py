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
"""

from __future__ import annotations

import copy
import difflib
import math
import numbers
import re
import string
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Optional, Union, get_args, get_origin

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .errors import ConfigError
from .history import Mixture

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

MAX_CONFIG_BYTES = 1 << 20  # a hand-written config is a few hundred bytes
MAX_YAML_VALUES = 1_000_000  # values after expanding aliases: stops "billion laughs"
MAX_YAML_DEPTH = 64
TITLE_FIELDS = ("iteration", "log_likelihood")
WEIGHT_SUM_TOLERANCE = 1e-6

Path_ = tuple[Union[str, int], ...]
Matrix = list[list[float]]


# ---------------------------------------------------------------------------
# Describing values and paths in messages


def _one_line(text: str) -> str:
    """Text with control characters escaped, so an error stays one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _format_path(path: Path_) -> str:
    """``("em", "initial", "covariances", 0)`` -> ``em.initial.covariances[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{_one_line(part)}" if text else _one_line(str(part)))
    return text or "(yaml)"


def _describe(value: object) -> str:
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
        keys = ", ".join(_one_line(str(key)) for key in list(value)[:5])
        return f"a mapping with keys {keys}" if value else "a mapping with no keys"
    if isinstance(value, Path):
        return f"the path '{value}'"
    return f"a {type(value).__name__}"


def _fail(path: Path_, message: str) -> None:
    """Raise inside a pydantic validator; ``path`` is relative to the field being validated."""
    raise PydanticCustomError("config", "{message}", {"message": message, "path": tuple(path)})


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
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


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
        return ConfigError(self.source, _format_path(path), message)

    def read(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_BUILDERS:
            try:
                return _SCALAR_BUILDERS[node.tag](node)
            except (ValueError, KeyError, OverflowError, yaml.YAMLError):
                message = f"expected a value that fits its tag {_short_tag(node.tag)}, got {_describe(node.value)}"
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
                        raise self.error(path, f"expected a mapping after '<<', got {_describe(defaults)}")
                    for key, value in defaults.items():
                        merged.setdefault(key, value)
                continue
            line = key_node.start_mark.line + 1
            key = self.read(key_node, path) if isinstance(key_node, yaml.ScalarNode) else key_node
            if not isinstance(key, str):
                shown = _describe(key) if not isinstance(key, yaml.Node) else "a list or mapping"
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
        problem = _one_line(f"{error.problem}{context}")
        raise ConfigError(source, field, f"{where}expected valid YAML, got {got}: {problem}") from None
    except (yaml.YAMLError, RecursionError) as error:
        detail = _one_line(" ".join(str(error).split()))
        message = f"expected valid YAML, got a syntax error: {detail or type(error).__name__}"
        raise ConfigError(source, field, message) from None


def _read_text(path: Path) -> str:
    """The config file's text: UTF-8, no NUL bytes, at most MAX_CONFIG_BYTES."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "expected an existing config file, got no such file") from None
    except IsADirectoryError:
        raise ConfigError(path, "(file)", "expected a config file, got a directory") from None
    except OSError as error:
        raise ConfigError(path, "(file)", f"expected a readable file, got {error.strerror or error}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        message = f"expected a config file of at most {MAX_CONFIG_BYTES} bytes, got a larger one"
        raise ConfigError(path, "(file)", message)
    if b"\0" in raw:
        where = raw.index(b"\0")
        raise ConfigError(path, "(file)", f"expected a UTF-8 text file, got binary data (a NUL byte at offset {where})")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = f"{raw[error.start]:#04x} at offset {error.start}"
        message = f"expected a UTF-8 text file, got a byte that is not UTF-8 ({byte})"
        raise ConfigError(path, "(file)", message) from None


def _read_document(path: Path) -> dict[str, Any]:
    node = _compose(_read_text(path), path, "(yaml)")
    if node is None:
        raise ConfigError(path, "(yaml)", "expected a mapping of config keys, got an empty document")
    _check_expansion(node, path)
    document = _NodeReader(path).read(node, ())
    if not isinstance(document, dict):
        message = f"expected a mapping of config keys at the top level, got {_describe(document)}"
        raise ConfigError(path, "(yaml)", message)
    return document


def parse_value(text: str, *, source: object, field: str) -> Any:
    """One override value (``--set KEY=VALUE``) parsed as YAML with the config file's rules.

    ``1e-4`` is a number, tags are refused, duplicate keys are errors; an empty
    text is null. Errors are ``ConfigError(source, field, ...)``.
    """
    node = _compose(text, source, field, positions=False)
    if node is None:
        return None
    _check_expansion(node, source, field)
    return _NodeReader(source).read(node, tuple(field.split(".")))


# ---------------------------------------------------------------------------
# Value checks for the validators; every path is relative to the field checked.


def _number(value: object, path: Path_, what: str = "a finite number") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        _fail(path, f"expected {what}, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        _fail(path, f"expected {what}, got {_describe(value)}")
    return number


def _positive(value: object, path: Path_, what: str = "a number > 0") -> float:
    number = _number(value, path, what)
    if number <= 0:
        _fail(path, f"expected {what}, got {_describe(value)}")
    return number


def _items(value: object, path: Path_, what: str, count: int | None = None) -> list[Any]:
    """A non-empty list (of ``count`` items when given)."""
    if not isinstance(value, (list, tuple)) or not value or (count is not None and len(value) != count):
        _fail(path, f"expected {what}, got {_describe(value)}")
    return list(value)


def _weights(value: object, path: Path_ = ()) -> list[float]:
    weights = [_positive(w, (*path, i)) for i, w in enumerate(_items(value, path, "a non-empty list of weights"))]
    total = math.fsum(weights)
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        _fail(path, f"expected weights summing to 1 (within {WEIGHT_SUM_TOLERANCE:g}), got a sum of {total:.10g}")
    return weights


def _points(value: object, path: Path_ = (), count: int | None = None) -> list[list[float]]:
    """K points of one dimension D >= 1; ``count`` is K as the weights give it."""
    points = _items(value, path, "a non-empty list of points (one per component)")
    if count is not None and len(points) != count:
        _fail(path, f"expected {count} means (one per weight), got {len(points)}")
    checked: list[list[float]] = []
    for k, point in enumerate(points):
        coordinates = _items(point, (*path, k), "a point: a non-empty list of coordinates")
        if checked and len(coordinates) != len(checked[0]):
            _fail((*path, k), f"expected {len(checked[0])} coordinates (as the first point), got {len(coordinates)}")
        checked.append([_number(x, (*path, k, i)) for i, x in enumerate(coordinates)])
    return checked


def _matrix(value: object, path: Path_, size: int | None) -> Matrix:
    """A symmetric positive-definite matrix, symmetrised to drop rounding noise; ``size`` is D when known."""
    rows = _items(value, path, "a number v > 0 (meaning v·I) or a square matrix (a list of rows)")
    size = len(rows) if size is None else size
    if len(rows) != size:
        _fail(path, f"expected a {size}x{size} matrix (the points have {size} coordinates), got {len(rows)} rows")
    matrix = np.array(
        [[_number(x, (*path, i, j)) for j, x in enumerate(_items(row, (*path, i), f"a row of {size} numbers", size))]
         for i, row in enumerate(rows)]
    )
    asymmetry = np.abs(matrix - matrix.T)
    i, j = np.unravel_index(np.argmax(asymmetry), matrix.shape)
    if asymmetry[i, j] > 1e-9 * np.abs(matrix).max():
        got = f"[{i}][{j}] = {matrix[i, j]:.10g} but [{j}][{i}] = {matrix[j, i]:.10g}"
        _fail(path, f"expected a symmetric matrix, got {got}")
    matrix = (matrix + matrix.T) / 2
    smallest = float(np.linalg.eigvalsh(matrix)[0])
    try:
        np.linalg.cholesky(matrix)
        factorable = True
    except np.linalg.LinAlgError:
        factorable = False
    if smallest <= 0 or not factorable:
        singular = " (numerically singular)" if smallest > 0 else ""
        got = f"one whose smallest eigenvalue is {smallest:.6g}{singular}"
        _fail(path, f"expected a positive-definite matrix, got {got}")
    return matrix.tolist()


def _covariance(value: object, path: Path_, size: int | None) -> float | Matrix:
    """One component's covariance: a number v > 0 (v·I) or a D x D matrix."""
    if isinstance(value, (list, tuple)):
        return _matrix(value, path, size)
    return _positive(value, path, "a number v > 0 (meaning v·I) or a square matrix")


def _initial_covariances(value: object, covariance_type: str, n_components: int, n_features: int) -> Any:
    """em.initial.covariances in the form its covariance type takes (see Config.initial_mixture)."""
    path: Path_ = ("covariances",)
    if covariance_type == "tied":
        return _covariance(value, path, n_features)
    what = f"a list of {n_components} entries (one per component, covariance_type: {covariance_type})"
    entries = _items(value, path, what, n_components)
    if covariance_type == "spherical":
        return [_positive(v, (*path, k), "a variance > 0 (covariance_type: spherical)") for k, v in enumerate(entries)]
    if covariance_type == "diag":
        what = f"a list of {n_features} variances (covariance_type: diag)"
        rows = [_items(entry, (*path, k), what, n_features) for k, entry in enumerate(entries)]
        return [
            [_positive(v, (*path, k, i), "a variance > 0") for i, v in enumerate(row)] for k, row in enumerate(rows)
        ]
    return [_covariance(entry, (*path, k), n_features) for k, entry in enumerate(entries)]


def _full_covariances(value: Any, covariance_type: str, n_components: int, n_features: int) -> np.ndarray:
    """Any accepted covariance form as full matrices, shape (n_components, n_features, n_features)."""
    identity = np.eye(n_features)
    if covariance_type == "tied":
        shared = value * identity if isinstance(value, (int, float)) else np.asarray(value, dtype=np.float64)
        return np.repeat(shared[np.newaxis], n_components, axis=0)
    if covariance_type == "diag":
        return np.stack([np.diag(np.asarray(v, dtype=np.float64)) for v in value])
    return np.stack([v * identity if isinstance(v, (int, float)) else np.asarray(v, dtype=np.float64) for v in value])


def _check_title(title: str) -> None:
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(title) if field is not None]
    except ValueError as error:
        _fail((), f"expected a format string (write {{{{ and }}}} for literal braces), got {title!r}: {error}")
    for field in fields:
        if field not in TITLE_FIELDS:
            _fail((), f"expected only the fields {{iteration}} and {{log_likelihood}}, got {{{field}}} in {title!r}")
    try:
        title.format(iteration=0, log_likelihood=-1.5)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        expected = "format specs that fit an integer iteration and a float log_likelihood"
        _fail((), f"expected {expected}, got {title!r}: {error}")


def _path(value: object, path: Path_ = ()) -> Path:
    if isinstance(value, Path) or (isinstance(value, str) and value):
        return Path(value).expanduser()
    _fail(path, f"expected a path, got {_describe(value)}")
    raise AssertionError  # _fail always raises


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
    document = _read_document(source)
    if overrides:
        document = _apply_overrides(document, overrides, source)
    _check_keys(document, Config, (), source)
    _check_finite(document, (), source)
    try:
        return Config.model_validate({**document, "source": source})
    except ValidationError as error:
        raise _config_error(error, source) from None
