"""Checks of single config values, called by the pydantic validators in config.py.

Each check returns the value in its validated form or raises, through
``_fail``, a pydantic error that carries a field path relative to the field
being validated and one "expected ..., got ..." message; config.py turns it
into a ConfigError naming the whole path.
"""

from __future__ import annotations

import math
import numbers
import string
from pathlib import Path
from typing import Any

import numpy as np
from pydantic_core import PydanticCustomError

from .yaml_reader import Path_, _describe

__all__ = ["MAX_COORDINATE", "MAX_VARIANCE", "TITLE_FIELDS", "WEIGHT_SUM_TOLERANCE", "Matrix"]

TITLE_FIELDS = ("iteration", "log_likelihood")
WEIGHT_SUM_TOLERANCE = 1e-6
# Points stay where EM's sums of squares over ten million points are finite in
# float64 (EM itself overflows from about 1e155): coordinates up to 1e100,
# variances up to 1e200 (standard deviations up to 1e100).
MAX_COORDINATE = 1e100
MAX_VARIANCE = 1e200

Matrix = list[list[float]]


def _fail(path: Path_, message: str) -> None:
    """Raise inside a pydantic validator; ``path`` is relative to the field being validated."""
    raise PydanticCustomError("config", "{message}", {"message": message, "path": tuple(path)})


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


def _bounded(number: float, path: Path_, limit: float, what: str) -> float:
    if abs(number) > limit:
        _fail(path, f"expected {what} of magnitude at most {limit:g}, got {number:g}")
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
        checked.append(
            [_bounded(_number(x, (*path, k, i)), (*path, k, i), MAX_COORDINATE, "a coordinate")
             for i, x in enumerate(coordinates)]
        )
    return checked


def _matrix(value: object, path: Path_, size: int | None) -> Matrix:
    """A symmetric positive-definite matrix, symmetrised to drop rounding noise; ``size`` is D when known."""
    rows = _items(value, path, "a number v > 0 (meaning v·I) or a square matrix (a list of rows)")
    size = len(rows) if size is None else size
    if len(rows) != size:
        _fail(path, f"expected a {size}x{size} matrix (the points have {size} coordinates), got {len(rows)} rows")
    matrix = np.array(
        [[_bounded(_number(x, (*path, i, j)), (*path, i, j), MAX_VARIANCE, "a covariance entry")
          for j, x in enumerate(_items(row, (*path, i), f"a row of {size} numbers", size))]
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


def _variance(value: object, path: Path_, what: str = "a variance > 0") -> float:
    return _bounded(_positive(value, path, what), path, MAX_VARIANCE, "a variance")


def _covariance(value: object, path: Path_, size: int | None) -> float | Matrix:
    """One component's covariance: a number v > 0 (v·I) or a D x D matrix."""
    if isinstance(value, (list, tuple)):
        return _matrix(value, path, size)
    return _variance(value, path, "a number v > 0 (meaning v·I) or a square matrix")


def _initial_covariances(value: object, covariance_type: str, n_components: int, n_features: int) -> Any:
    """em.initial.covariances in the form its covariance type takes (see Config.initial_mixture)."""
    path: Path_ = ("covariances",)
    if covariance_type == "tied":
        return _covariance(value, path, n_features)
    what = f"a list of {n_components} entries (one per component, covariance_type: {covariance_type})"
    entries = _items(value, path, what, n_components)
    if covariance_type == "spherical":
        return [_variance(v, (*path, k), "a variance > 0 (covariance_type: spherical)") for k, v in enumerate(entries)]
    if covariance_type == "diag":
        what = f"a list of {n_features} variances (covariance_type: diag)"
        rows = [_items(entry, (*path, k), what, n_features) for k, entry in enumerate(entries)]
        return [[_variance(v, (*path, k, i)) for i, v in enumerate(row)] for k, row in enumerate(rows)]
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
