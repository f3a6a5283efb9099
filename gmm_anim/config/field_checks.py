"""The checks of single config values: pydantic field metadata and validators.

Every check fails through ``fail``: a pydantic error carrying one "expected ...,
got ..." message and a field path relative to the field being validated
(``covariances`` -> ``[1][0]``); loading.py turns the first error into a
ConfigError naming the whole path.
"""

from __future__ import annotations

import math
import numbers
import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn, cast, get_args, get_origin

import numpy as np
from pydantic import ConfigDict, GetCoreSchemaHandler, ValidationError
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from ..data import MAX_COORDINATE
from .yaml_reader import Path_, describe

__all__ = [
    "FRAMES_SCHEMA", "LOG_EVERY_UNTIL", "MAX_VARIANCE", "SECTION_CONFIG", "TITLE_FIELDS", "WEIGHT_SUM_TOLERANCE",
    "EveryNth", "Expect", "Frames", "Matrix", "fail", "frames_missed", "shown_iterations",
]  # fmt: skip

TITLE_FIELDS = ("iteration", "log_likelihood")
WEIGHT_SUM_TOLERANCE = 1e-6
MAX_VARIANCE = 1e200  # standard deviations up to MAX_COORDINATE

Matrix = list[list[float]]
# Every config section: unknown keys are errors, values frozen, no coercion between types, no NaN or inf.
SECTION_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
_KINDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def fail(path: Path_, message: str) -> NoReturn:
    """Raise inside a pydantic validator; ``path`` is relative to the field being validated."""
    raise PydanticCustomError("config", "{message}", {"message": message, "path": tuple(path)})


class Expect:
    """Field metadata: the field's bounds, checked by pydantic, and what any failure of the field says.

    ``Annotated[int, Expect(ge=1, le=10)]`` fails with "expected an integer from
    1 to 10, got ..." whatever the value was; an Optional type adds ", or null",
    a Literal says "one of ...". NaN and inf are "expected a finite number".
    """

    def __init__(self, **bounds: int) -> None:
        self.bounds = bounds

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast("dict[str, Any]", handler(source))
        optional = schema["type"] == "nullable"
        (schema["schema"] if optional else schema).update(self.bounds)  # pydantic's checks and the JSON Schema's
        kind = next(arg for arg in get_args(source) if arg is not type(None)) if optional else source
        if get_origin(kind) is Literal:
            expected = "one of " + ", ".join(repr(choice) for choice in get_args(kind))
        else:
            expected = _KINDS[kind] + _bounds_text(**self.bounds)
        expected += ", or null" if optional else ""

        def check(value: object, validate: Callable[[object], object]) -> object:
            try:
                return validate(value)
            except ValidationError:
                finite = not isinstance(value, float) or math.isfinite(value)
                fail((), f"expected {expected if finite else 'a finite number'}, got {describe(value)}")

        return core_schema.no_info_wrap_validator_function(check, cast(CoreSchema, schema))


def _bounds_text(ge: int | None = None, gt: int | None = None, le: int | None = None) -> str:
    if le is not None:
        return f" from {ge} to {le}" if ge is not None else f" > {gt} and <= {le}"
    return f" >= {ge}" if ge is not None else f" > {gt}" if gt is not None else ""


# ---------------------------------------------------------------------------
# Numbers, weights, points and covariance matrices; paths are relative to the field checked.


def number(value: object, path: Path_, what: str = "a finite number") -> float:
    """A real number; NaN and inf say "expected a finite number" whatever ``what`` is."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(path, f"expected {what}, got {describe(value)}")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        fail(path, f"expected a finite number, got {describe(value)}")
    return result


def bounded(value: float, path: Path_, limit: float, what: str) -> float:
    if abs(value) > limit:
        fail(path, f"expected {what} of magnitude at most {limit:g}, got {value:g}")
    return value


def positive(value: object, path: Path_, what: str = "a number > 0") -> float:
    result = number(value, path, what)
    if result <= 0:
        fail(path, f"expected {what}, got {describe(value)}")
    return result


def items(value: object, path: Path_, what: str, count: int | None = None) -> list[Any]:
    """A non-empty list (of ``count`` items when given)."""
    if not isinstance(value, (list, tuple)) or not value or (count is not None and len(value) != count):
        fail(path, f"expected {what}, got {describe(value)}")
    return list(value)


def weights(value: object, path: Path_ = ()) -> list[float]:
    checked = [positive(w, (*path, i)) for i, w in enumerate(items(value, path, "a non-empty list of weights"))]
    total = math.fsum(checked)
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        fail(path, f"expected weights summing to 1 (within {WEIGHT_SUM_TOLERANCE:g}), got a sum of {total:.10g}")
    return checked


def points(value: object, path: Path_ = (), count: int | None = None) -> list[list[float]]:
    """K points of one dimension D >= 1; ``count`` is K as the weights give it."""
    given = items(value, path, "a non-empty list of points (one per component)")
    if count is not None and len(given) != count:
        fail(path, f"expected {count} means (one per weight), got {len(given)}")
    checked: list[list[float]] = []
    for k, point in enumerate(given):
        coordinates = items(point, (*path, k), "a point: a non-empty list of coordinates")
        if checked and len(coordinates) != len(checked[0]):
            fail((*path, k), f"expected {len(checked[0])} coordinates (as the first point), got {len(coordinates)}")
        checked.append(
            [
                bounded(number(x, (*path, k, i)), (*path, k, i), MAX_COORDINATE, "a coordinate")
                for i, x in enumerate(coordinates)
            ]
        )
    return checked


def _matrix(value: object, path: Path_, size: int | None) -> Matrix:
    """A symmetric positive-definite matrix, symmetrised to drop rounding noise; ``size`` is D when known."""
    rows = items(value, path, "a number v > 0 (meaning v·I) or a square matrix (a list of rows)")
    size = len(rows) if size is None else size
    if len(rows) != size:
        fail(path, f"expected a {size}x{size} matrix (the points have {size} coordinates), got {len(rows)} rows")
    matrix = np.array(
        [
            [
                bounded(number(x, (*path, i, j)), (*path, i, j), MAX_VARIANCE, "a covariance entry")
                for j, x in enumerate(items(row, (*path, i), f"a row of {size} numbers", size))
            ]
            for i, row in enumerate(rows)
        ]
    )
    asymmetry = np.abs(matrix - matrix.T)
    i, j = np.unravel_index(np.argmax(asymmetry), matrix.shape)
    if asymmetry[i, j] > 1e-9 * np.abs(matrix).max():
        fail(
            path,
            f"expected a symmetric matrix, got [{i}][{j}] = {matrix[i, j]:.10g} but [{j}][{i}] = {matrix[j, i]:.10g}",
        )
    matrix = (matrix + matrix.T) / 2
    smallest = float(np.linalg.eigvalsh(matrix)[0])
    try:
        np.linalg.cholesky(matrix)
        factorable = True
    except np.linalg.LinAlgError:
        factorable = False
    if smallest <= 0 or not factorable:
        singular = " (numerically singular)" if smallest > 0 else ""
        fail(
            path, f"expected a positive-definite matrix, got one whose smallest eigenvalue is {smallest:.6g}{singular}"
        )
    return cast(Matrix, matrix.tolist())


def _variance(value: object, path: Path_, what: str = "a variance > 0") -> float:
    return bounded(positive(value, path, what), path, MAX_VARIANCE, "a variance")


def covariance(value: object, path: Path_, size: int | None) -> float | Matrix:
    """One component's covariance: a number v > 0 (v·I) or a D x D matrix."""
    if isinstance(value, (list, tuple)):
        return _matrix(value, path, size)
    return _variance(value, path, "a number v > 0 (meaning v·I) or a square matrix")


def initial_covariances(value: object, covariance_type: str, n_components: int, n_features: int) -> Any:
    """em.initial.covariances in the form its covariance type takes (see Config.initial_mixture)."""
    path: Path_ = ("covariances",)
    if covariance_type == "tied":
        return covariance(value, path, n_features)
    what = f"a list of {n_components} entries (one per component, covariance_type: {covariance_type})"
    entries = items(value, path, what, n_components)
    if covariance_type == "spherical":
        return [_variance(v, (*path, k), "a variance > 0 (covariance_type: spherical)") for k, v in enumerate(entries)]
    if covariance_type == "diag":
        what = f"a list of {n_features} variances (covariance_type: diag)"
        rows = [items(entry, (*path, k), what, n_features) for k, entry in enumerate(entries)]
        return [[_variance(v, (*path, k, i)) for i, v in enumerate(row)] for k, row in enumerate(rows)]
    return [covariance(entry, (*path, k), n_features) for k, entry in enumerate(entries)]


def full_covariances(value: Any, covariance_type: str, n_components: int, n_features: int) -> np.ndarray:
    """Any accepted covariance form as full matrices, shape (n_components, n_features, n_features)."""
    identity = np.eye(n_features)
    if covariance_type == "tied":
        shared = value * identity if isinstance(value, (int, float)) else np.asarray(value, dtype=np.float64)
        return np.repeat(shared[np.newaxis], n_components, axis=0)
    if covariance_type == "diag":
        return np.stack([np.diag(np.asarray(v, dtype=np.float64)) for v in value])
    return np.stack([v * identity if isinstance(v, (int, float)) else np.asarray(v, dtype=np.float64) for v in value])


# ---------------------------------------------------------------------------
# Render values


def title(value: str) -> str:
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(value) if field is not None]
    except ValueError as error:
        fail((), f"expected a format string (write {{{{ and }}}} for literal braces), got {value!r}: {error}")
    for field in fields:
        if field not in TITLE_FIELDS:
            fail((), f"expected only the fields {{iteration}} and {{log_likelihood}}, got {{{field}}} in {value!r}")
    try:
        value.format(iteration=0, log_likelihood=-1.5)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        expected = "format specs that fit an integer iteration and a float log_likelihood"
        fail((), f"expected {expected}, got {value!r}: {error}")
    return value


@dataclass(frozen=True)
class EveryNth:
    """render.frames: {every: N}, iterations 0, N, 2N, ..."""

    every: int


# render.frames: "all", "log", {every: N} or the iteration numbers listed, sorted without repeats.
Frames = Literal["all", "log"] | EveryNth | tuple[int, ...]
LOG_EVERY_UNTIL = 10  # render.frames: log shows every iteration up to this one, then ever fewer
FRAMES_SCHEMA = {
    "anyOf": [
        {"enum": ["all", "log"], "type": "string"},
        {
            "type": "object",
            "properties": {"every": {"type": "integer", "minimum": 1}},
            "required": ["every"],
            "additionalProperties": False,
        },
        {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1},
    ]
}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def frames(value: object) -> Frames:
    """render.frames: all, log, {every: N} with N >= 1, or iteration numbers >= 0, in any order.

    A list is sorted and its repeats dropped: frames run forward in time
    whatever order the numbers were written in.
    """
    what = "all, log, {every: N} or a non-empty list of iteration numbers"
    if isinstance(value, str):
        if value not in ("all", "log"):
            fail((), f"expected {what}, got {describe(value)}")
        return cast("Frames", value)
    if isinstance(value, Mapping):
        if list(value) != ["every"]:
            fail((), f"expected {what}, got {describe(value)}")
        step = value["every"]
        if not _whole(step) or step < 1:
            fail(("every",), f"expected N, an integer >= 1 (every Nth iteration), got {describe(step)}")
        return EveryNth(step)
    given = items(value, (), what)
    for i, entry in enumerate(given):
        if not _whole(entry) or entry < 0:
            fail((i,), f"expected an iteration number, an integer >= 0, got {describe(entry)}")
    return tuple(sorted(set(given)))


def shown_iterations(chosen: Frames, last: int) -> tuple[int, ...]:
    """The iterations render.frames shows of a fit whose last computed iteration is ``last``, in order.

    ``all``: 0 to last. ``log``: every iteration up to LOG_EVERY_UNTIL (10),
    then each the one before plus a quarter of it, rounded up (13, 17, 22,
    28, 35, 44, 55, 69, ...: about 1.25 times apart). ``{every: N}``: 0, N,
    2N, ... A list: its numbers up to last. The last iteration is always
    shown; a list naming none of 0 to last is refused before (``frames_missed``).
    """
    if chosen == "all":
        return tuple(range(last + 1))
    if chosen == "log":
        shown = list(range(min(LOG_EVERY_UNTIL, last) + 1))
        while shown[-1] < last:
            shown.append(min(shown[-1] + (shown[-1] + 3) // 4, last))
        return tuple(shown)
    listed = range(0, last + 1, chosen.every) if isinstance(chosen, EveryNth) else chosen
    shown = [iteration for iteration in listed if iteration < last]
    return (*shown, last)


def frames_missed(chosen: Frames, last: int, reason: str) -> str | None:
    """The message when render.frames lists no iteration from 0 to ``last`` (``reason`` says why last), else None."""
    if not isinstance(chosen, tuple) or chosen[0] <= last:
        return None
    listed = ", ".join(map(str, chosen[:5])) + (", ..." if len(chosen) > 5 else "")
    return (
        f"expected at least one iteration number from 0 to {last} ({reason}), got [{listed}]; list one the fit reaches"
    )


def render_mismatch(
    dims: tuple[int, int],
    palette: str | tuple[str, ...],
    n_features: int,
    n_components: int,
    have: str,
    *,
    labels: tuple[str, ...] | None = None,
) -> tuple[Path_, str] | None:
    """render.dims past the points' features, render.labels not one per feature shown, or render.palette
    short of colours: (field path, message).

    ``have`` says where the number of features comes from ("the means have 2
    coordinates"); with fewer than two features dims are not used, and with
    none known (0) neither dims nor labels are checked.
    """
    if n_features >= 2 and max(dims) >= n_features:
        expected = f"two distinct feature indices from 0 to {n_features - 1} ({have})"
        return ("render", "dims"), f"expected {expected}, got [{dims[0]}, {dims[1]}]"
    if labels is not None and n_features and len(labels) != min(n_features, 2):
        expected = "one label, [x]" if n_features == 1 else "two labels, [x, y]"
        return ("render", "labels"), f"expected {expected} (one per feature shown; {have}), got {len(labels)}"
    if not isinstance(palette, str) and len(palette) < n_components:
        expected = f"at least {n_components} colours (one per component)"
        return ("render", "palette"), f"expected {expected}, got {len(palette)}"
    return None


def path(value: object) -> Path:
    if isinstance(value, Path) or (isinstance(value, str) and value):
        return Path(value).expanduser()
    fail((), f"expected a path, got {describe(value)}")


def output_path(value: object) -> str:
    """render.output as typed (``~`` expanded): a trailing ``/`` names a folder to write into, so it is kept."""
    if isinstance(value, (str, Path)) and str(value):
        return os.path.expanduser(str(value))
    fail((), f"expected a path, got {describe(value)}")


def columns(value: object) -> tuple[int | str, ...]:
    """data.columns: header names or 0-based indices; whether the file has them is the data section's check."""
    given = items(value, (), "a non-empty list of columns (header names or 0-based indices)")
    for i, entry in enumerate(given):
        index = isinstance(entry, int) and not isinstance(entry, bool)
        if not (index and entry >= 0) and not (isinstance(entry, str) and entry):
            fail((i,), f"expected a column: a header name or an index >= 0, got {describe(entry)}")
    return tuple(given)


def labels(value: object) -> tuple[str, ...]:
    """render.labels: [x] or [x, y], strings; matplotlib's mathtext between $ signs must parse."""
    given = items(value, (), "[x] or [x, y]: a label per feature shown")
    if len(given) > 2:
        fail((), f"expected [x] or [x, y] (a label per feature shown), got a list of {len(given)} items")
    for i, label in enumerate(given):
        if not isinstance(label, str):
            fail((i,), f"expected a label (a string), got {describe(label)}")
        if label.count("$") - label.count(r"\$") >= 2:
            from matplotlib.mathtext import MathTextParser

            try:
                MathTextParser("path").parse(label)
            except ValueError as error:
                problem = " ".join(str(error).split())
                fail(
                    (i,), f"expected text, or mathtext between $ signs that matplotlib reads, got {label!r}: {problem}"
                )
    return tuple(given)


def sigmas(value: object) -> tuple[float, ...]:
    return tuple(
        positive(level, (i,)) for i, level in enumerate(items(value, (), "a non-empty list of sigma levels > 0"))
    )


def dims(value: object) -> tuple[int, int]:
    what = "two distinct feature indices [i, j], integers >= 0"
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        fail((), f"expected {what}, got {describe(value)}")
    for i, index in enumerate(value):
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            fail((i,), f"expected a feature index, an integer >= 0, got {describe(index)}")
    if value[0] == value[1]:
        fail((), f"expected {what}, got the same feature twice: [{value[0]}, {value[1]}]")
    return (value[0], value[1])


def palette(value: object) -> str | tuple[str, ...]:
    """'tab10', 'okabe-ito', or distinct colours as '#rrggbb'; matplotlib is imported only for a list."""
    what = "'tab10', 'okabe-ito' or a list of matplotlib colours (one per component)"
    if isinstance(value, str):
        if value not in ("tab10", "okabe-ito"):
            fail((), f"expected {what}, got {describe(value)}")
        return value
    given = items(value, (), what)
    colours = [_colour(item, (i,)) for i, item in enumerate(given)]
    for i, colour in enumerate(colours):
        if colour in colours[:i]:
            again = f"{describe(given[i])}, the same colour as [{colours.index(colour)}]"
            fail((i,), f"expected a colour distinct from the others, got {again}")
    return tuple(colours)


def _colour(value: Any, path: Path_) -> str:
    from matplotlib.colors import to_hex, to_rgba

    what = "a matplotlib colour (a name such as 'teal', a hex string such as '#1f77b4', or [r, g, b] in 0..1)"
    if not isinstance(value, (str, list, tuple)):
        fail(path, f"expected {what}, got {describe(value)}")
    spec: Any = value  # any name, hex string or channels: matplotlib judges
    try:
        transparent = to_rgba(spec)[3] == 0
        colour = str(to_hex(spec, keep_alpha=False))
    except (ValueError, TypeError, OverflowError):
        fail(path, f"expected {what}, got {describe(value)}")
    if transparent:
        fail(path, f"expected {what} that is not fully transparent, got {describe(value)}")
    return colour
