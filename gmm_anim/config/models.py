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
(numbers, weights, points, covariance matrices, titles) in field_checks.py,
the key checks, overrides and error messages around pydantic in
config_document.py; this module holds the models and ``load_config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .document import ModelTree, apply_overrides, check_finite, check_keys, config_error
from .field_checks import (
    MAX_COORDINATE,
    Matrix,
    _bounded,
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
from ..history import Mixture
from .yaml_reader import MAX_CONFIG_BYTES, MAX_YAML_VALUES, Path_, parse_value, read_document

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
    loglik: bool = False
    tween: int = Field(0, ge=0, le=100)
    theme: Literal["light", "dark"] = "light"
    palette: Union[Literal["tab10", "okabe-ito"], tuple[str, ...]] = "tab10"
    dims: tuple[int, int] = (0, 1)
    max_points: int = Field(20_000, ge=1)

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

    @field_validator("palette", mode="before")
    @classmethod
    def _check_palette(cls, value: object) -> Union[str, tuple[str, ...]]:
        what = "'tab10', 'okabe-ito' or a list of matplotlib colours (one per component)"
        if isinstance(value, str):
            if value not in ("tab10", "okabe-ito"):
                _fail((), f"expected {what}, got {_describe(value)}")
            return value
        colours = [cls._colour(item, (i,)) for i, item in enumerate(_items(value, (), what))]
        for i, colour in enumerate(colours):
            if colour in colours[:i]:
                again = f"{_describe(value[i])}, the same colour as [{colours.index(colour)}]"
                _fail((i,), f"expected a colour distinct from the others, got {again}")
        return tuple(colours)

    @field_validator("dims", mode="before")
    @classmethod
    def _check_dims(cls, value: object) -> tuple[int, int]:
        what = "two distinct feature indices [i, j], integers >= 0"
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            _fail((), f"expected {what}, got {_describe(value)}")
        for i, index in enumerate(value):
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                _fail((i,), f"expected a feature index, an integer >= 0, got {_describe(index)}")
        if value[0] == value[1]:
            _fail((), f"expected {what}, got the same feature twice: [{value[0]}, {value[1]}]")
        return (value[0], value[1])

    def check_against(self, n_components: int, n_features: int | None) -> None:
        """Inside Config's validator, once K and D are known: dims within D, a palette colour per component.

        D is unknown (None) for points from a data file; the renderer checks them.
        """
        if n_features is not None and n_features >= 2 and max(self.dims) >= n_features:
            have = f"the means have {n_features} coordinates"
            expected = f"two distinct feature indices from 0 to {n_features - 1} ({have})"
            _fail(("render", "dims"), f"expected {expected}, got [{self.dims[0]}, {self.dims[1]}]")
        if not isinstance(self.palette, str) and len(self.palette) < n_components:
            expected = f"at least {n_components} colours (one per component)"
            _fail(("render", "palette"), f"expected {expected}, got {len(self.palette)}")

    @staticmethod
    def _colour(value: object, path: Path_) -> str:
        """Any matplotlib colour spec -> '#rrggbb'; matplotlib is imported only when a palette list is given."""
        from matplotlib.colors import to_hex, to_rgba

        what = "a matplotlib colour (a name such as 'teal', a hex string such as '#1f77b4', or [r, g, b] in 0..1)"
        if not isinstance(value, (str, list, tuple)):
            _fail(path, f"expected {what}, got {_describe(value)}")
        try:
            transparent = to_rgba(value)[3] == 0
            colour = to_hex(value, keep_alpha=False)
        except (ValueError, TypeError, OverflowError):
            _fail(path, f"expected {what}, got {_describe(value)}")
        if transparent:
            _fail(path, f"expected {what} that is not fully transparent, got {_describe(value)}")
        return colour


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

    @field_validator("jitter")
    @classmethod
    def _check_jitter(cls, value: float) -> float:
        return _bounded(value, (), MAX_COORDINATE, "a jitter")

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
        known_means = self.means or (self.em.initial.means if self.em.initial is not None else None)
        self.render.check_against(self.n_components, len(known_means[0]) if known_means else None)
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

_TREE = ModelTree(Config, {Config: {"em": EmConfig, "render": RenderConfig}, EmConfig: {"initial": InitialMixture}})


def load_config(path: str | Path, overrides: Mapping[str, object] | None = None) -> Config:
    """Read, check and validate a config file; every problem raises one ConfigError.

    ``overrides`` maps dotted keys (``"iterations"``, ``"em.tol"``,
    ``"render.fps"``) to already-parsed values (see ``parse_value``); they are
    applied before validation, and an unknown key fails like one in the file.
    """
    source = Path(path)
    document = read_document(source)
    if overrides:
        document = apply_overrides(_TREE, document, overrides, source)
    check_keys(_TREE, document, source)
    check_finite(document, source)
    try:
        return Config.model_validate({**document, "source": source})
    except ValidationError as error:
        raise config_error(_TREE, error, source) from None
