"""The config models: one pydantic validation of a whole config.

Plain fields declare their type and bounds (``Expect``); the others have
validators (field_checks.py) and the models check what depends on several
fields. Each check fails with its own "expected ..., got ..." message and a
field path, which loading.py turns into one ConfigError.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..data import MAX_COORDINATE
from ..em import CovarianceType, Init
from ..errors import GmmAnimWarning
from ..formats import Format
from ..history import Mixture
from . import field_checks as check
from .data_source import DataSource, data_path
from .field_checks import SECTION_CONFIG, Expect, Matrix, fail
from .yaml_reader import describe

if TYPE_CHECKING:
    from .limits import Workload

__all__ = [
    "MAX_ITERATIONS", "MAX_RUNS", "MAX_SAMPLES", "CompareRun", "Config", "DataSource", "EmConfig", "InitialMixture",
    "RenderConfig",
]  # fmt: skip

MAX_SAMPLES = 10_000_000  # points drawn or read
MAX_ITERATIONS = 10_000
MAX_RUNS = 12  # runs of compare: twelve panels still read at 600 x 600


class _Section(BaseModel):
    model_config = SECTION_CONFIG


class InitialMixture(_Section):
    """em.initial: the starting mixture for ``init: explicit`` (forms: see Config.initial_mixture)."""

    weights: list[float]
    means: list[list[float]]
    covariances: float | Matrix | list[float | list[float] | Matrix]


def _initial(value: object, info: ValidationInfo) -> object:
    """em.initial's parts, each in the shape the others and em.covariance_type give."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        fail((), f"expected a mapping with weights, means and covariances, got {describe(value)}")
    for key in ("weights", "means", "covariances"):
        if value.get(key) is None:
            fail((key,), f"expected the initial {key} (init: explicit starts from them), got nothing")
    weights = check.weights(value["weights"], ("weights",))
    means = check.points(value["means"], ("means",), len(weights))
    covariances = value["covariances"]
    if "covariance_type" in info.data:  # else its own error comes first
        covariances = check.initial_covariances(covariances, info.data["covariance_type"], len(weights), len(means[0]))
    return {**value, "weights": weights, "means": means, "covariances": covariances}


class EmConfig(_Section):
    """The ``em:`` section: how the mixture is fitted."""

    components: Annotated[int | None, Expect(ge=1)] = None
    init: Annotated[Init, Expect()] = "random"
    init_seed: Annotated[int | None, Expect(ge=0)] = None
    covariance_type: Annotated[CovarianceType, Expect()] = "full"
    reg_covar: Annotated[float, Expect(ge=0)] = 1e-6
    tol: Annotated[float | None, Expect(gt=0)] = None
    initial: Annotated[InitialMixture | None, BeforeValidator(_initial)] = None

    @model_validator(mode="after")
    def _check_init(self) -> EmConfig:
        if self.init == "explicit" and self.initial is None:
            fail(("initial",), "expected weights, means and covariances (required by init: explicit), got nothing")
        if self.init != "explicit" and self.initial is not None:
            fail(("init",), f"expected 'explicit' when em.initial is given (or remove em.initial), got {self.init!r}")
        return self


class RenderConfig(_Section):
    """The ``render:`` section: what the frames look like and where they go.

    ``output`` is relative to the working directory (not to the config file),
    as any output path given to a command-line tool; None means
    ``<config stem>`` plus the format's suffix in the working directory.
    ``fps`` None means ``frame_rate``'s default; ``frames`` is read through
    ``shown_iterations``.
    """

    output: Annotated[str, BeforeValidator(check.output_path)] | None = None
    format: Annotated[Literal["auto", Format], Expect()] = "auto"
    fps: Annotated[float | None, Expect(gt=0, le=50)] = None
    hold: Annotated[float, Expect(ge=0)] = 1.0
    width: Annotated[int, Expect(ge=64, le=4096)] = 600
    height: Annotated[int, Expect(ge=64, le=4096)] = 600
    sigmas: Annotated[tuple[float, ...], BeforeValidator(check.sigmas)] = (2.0,)
    title: Annotated[str, Expect(), AfterValidator(check.title)] = "GMM fitting with EM: iteration {iteration}"
    truth: Annotated[bool, Expect()] = True
    loglik: Annotated[bool, Expect()] = False
    tween: Annotated[int, Expect(ge=0, le=100)] = 0
    theme: Annotated[Literal["light", "dark"], Expect()] = "light"
    palette: Annotated[Literal["tab10", "okabe-ito"] | tuple[str, ...], BeforeValidator(check.palette)] = "tab10"
    dims: Annotated[tuple[int, int], BeforeValidator(check.dims)] = (0, 1)
    max_points: Annotated[int, Expect(ge=1)] = 20_000
    labels: Annotated[tuple[str, ...], Field(min_length=1, max_length=2), BeforeValidator(check.labels)] | None = None
    frames: Annotated[check.Frames, BeforeValidator(check.frames), WithJsonSchema(check.FRAMES_SCHEMA)] = "all"
    half_steps: Annotated[bool, Expect()] = False
    uncertainty: Annotated[bool, Expect()] = False
    density: Annotated[bool, Expect()] = False

    @property
    def frame_rate(self) -> float:
        """Frames per second: ``fps``, else 3·(tween + 1) (at most 50), so tweens keep the iterations' pace."""
        return self.fps if self.fps is not None else min(3.0 * (self.tween + 1), 50.0)

    def shown_iterations(self, last: int) -> tuple[int, ...]:
        """The iterations drawn of a fit whose last computed iteration is ``last`` (field_checks.shown_iterations)."""
        return check.shown_iterations(self.frames, last)


_RUN_KEYS = ("label", "em", "iterations")


def _run_entry(value: object) -> object:
    """A compare entry's keys: a label, and overrides of em and iterations only (the points are shared)."""
    if not isinstance(value, Mapping):
        fail((), f"expected a mapping of {', '.join(_RUN_KEYS)}, got {describe(value)}")
    for key in value:
        if key not in _RUN_KEYS:
            close = difflib.get_close_matches(str(key), _RUN_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else " (the points and render are shared by every run)"
            fail((key,), f"expected only {', '.join(_RUN_KEYS)} in a compare run, got {key!r}{hint}")
    if value.get("label") is None:
        fail(("label",), "expected a label naming the run (its panel's title), got nothing")
    if value.get("em") is not None and not isinstance(value["em"], Mapping):
        fail(("em",), f"expected a mapping of em keys to override, got {describe(value['em'])}")
    return {**value, "em": dict(value.get("em") or {})}


def _label(value: str) -> str:
    if not value.strip():
        fail((), f"expected a label naming the run (its panel's title), got {value!r}")
    return value


class CompareRun(_Section):
    """One run of compare: a label (its panel's title), and overrides of em and iterations."""

    # The overrides are checked when the run's own config is validated
    # (loading.py), as a config file with them applied would be.

    label: Annotated[str, Expect(), AfterValidator(_label)]
    em: Annotated[dict[str, Any], WithJsonSchema({"type": "object", "description": "em keys to override"})] = {}
    iterations: Annotated[int | None, Expect(ge=0, le=MAX_ITERATIONS)] = None

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: object) -> object:
        return _run_entry(value)


def _compare(value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        fail((), f"expected a list of runs (each a label and overrides of em and iterations), got {describe(value)}")
    if not 1 <= len(value) <= MAX_RUNS:
        fail((), f"expected 1 to {MAX_RUNS} runs, got {len(value)}")
    labels: dict[object, int] = {}
    for i, entry in enumerate(value):
        label = entry.get("label") if isinstance(entry, Mapping) else None
        if label is not None and labels.setdefault(label, i) != i:
            fail((i, "label"), f"expected a label of its own, got {label!r} (as compare[{labels[label]}])")
    return tuple(value)


def _jitter(value: float) -> float:
    return check.bounded(value, (), MAX_COORDINATE, "a jitter")


def _means(value: object, info: ValidationInfo) -> list[list[float]]:
    weights = info.data.get("weights")
    return check.points(value, (), None if weights is None else len(weights))


def _covariances(value: object, info: ValidationInfo) -> list[float | Matrix]:
    weights, means = info.data.get("weights"), info.data.get("means")
    entries = check.items(value, (), "a non-empty list of covariances (one per component)")
    if weights is not None and len(entries) != len(weights):
        fail((), f"expected {len(weights)} covariances (one per weight), got {len(entries)}")
    return [check.covariance(entry, (k,), len(means[0]) if means else None) for k, entry in enumerate(entries)]


class Config(_Section):
    """A validated config file; ``source`` is the file itself (not a key)."""

    seed: Annotated[int, Expect(ge=0)] = 0
    samples: Annotated[int, Expect(ge=1, le=MAX_SAMPLES)] = 400
    jitter: Annotated[float, Expect(ge=0), AfterValidator(_jitter)] = 0.0
    weights: Annotated[list[float], BeforeValidator(check.weights)] | None = None
    means: Annotated[list[list[float]], BeforeValidator(_means)] | None = None
    covariances: Annotated[list[float | Matrix], BeforeValidator(_covariances)] | None = None
    iterations: Annotated[int, Expect(ge=0, le=MAX_ITERATIONS)] = 40
    data: DataSource | None = None
    em: EmConfig = EmConfig()
    render: RenderConfig = RenderConfig()
    compare: Annotated[tuple[CompareRun, ...], BeforeValidator(_compare)] | None = None
    _source: Path = PrivateAttr(Path())
    _runs: tuple[Config, ...] = PrivateAttr(())  # compare's runs, each a whole config (loading.py)
    # The caller's own points (animate(X)): their feature names, or () without names; None for a file's config.
    _own_points: tuple[str, ...] | None = PrivateAttr(None)
    _limits_passed: tuple[Workload, bool] | None = PrivateAttr(None)  # see limits.check_config

    @field_validator("em", "render", mode="before")
    @classmethod
    def _empty_section(cls, value: object) -> object:
        return {} if value is None else value  # `render:` with every key commented out

    @field_validator("data", mode="before", json_schema_input_type=Path | DataSource | None)
    @classmethod
    def _data_file(cls, value: object, info: ValidationInfo) -> object:
        """``data: FILE`` as ``{path: FILE}``, its path checked here so that its errors name ``data``."""
        if value is None or isinstance(value, Mapping):
            return value
        if not isinstance(value, (str, Path)):
            keys = ", ".join(DataSource.model_fields)
            fail((), f"expected a path or a mapping of data keys ({keys}), got {describe(value)}")
        return {"path": data_path(value, info)}

    @model_validator(mode="after")
    def _check_together(self, info: ValidationInfo) -> Config:
        self._source = Path((info.context or {}).get("source", ""))
        self._own_points = (info.context or {}).get("own_points")
        given = [key for key in ("weights", "means", "covariances") if getattr(self, key) is not None]
        if given and len(given) < 3:
            missing = next(key for key in ("weights", "means", "covariances") if key not in given)
            fail((missing,), f"expected {missing} alongside {' and '.join(given)} (the true mixture), got nothing")
        if not given and self.data is None and self._own_points is None:
            expected = "the true mixture (weights, means, covariances) or a data file (data)"
            fail(("weights",), f"expected {expected}, got neither")
        if not given and self.em.components is None and not self._every_run_sets("components"):
            fail(
                ("em", "components"),
                "expected the number of components to fit (data without a true mixture), got nothing",
            )
        self._check_initial_shapes()
        self._check_render()
        if self.data is None and self._own_points is None and self.samples < self.n_components:
            fail(("samples",), f"expected at least {self.n_components} samples (one per component), got {self.samples}")
        self._warn_unused()
        return self

    def _every_run_sets(self, key: str) -> bool:
        return self.compare is not None and all(key in run.em for run in self.compare)

    def _warn_unused(self) -> None:
        """One warning naming samples, seed and jitter when they are set but do nothing (data replaces the draw).

        ``seed`` still seeds the initialisation (em.init_seed defaults to
        seed + 1) unless em.init_seed is set or the start is explicit.
        """
        if self.data is None:
            return
        unused = [key for key in ("samples", "seed", "jitter") if key in self.model_fields_set]
        if "seed" in unused and self.em.init_seed is None and self.em.init != "explicit":
            unused.remove("seed")
        if unused:
            verb, pronoun = ("is", "it") if len(unused) == 1 else ("are", "them")
            message = f"{self._source}: {', '.join(unused)} {verb} unused with data; delete {pronoun}"
            warnings.warn(message, GmmAnimWarning, stacklevel=2)

    def _check_initial_shapes(self) -> None:
        initial = self.em.initial
        if initial is None:
            return
        reason = "em.components" if self.em.components is not None else "one per true component"
        if len(initial.weights) != self.n_components:
            fail(
                ("em", "initial", "weights"),
                f"expected {self.n_components} weights ({reason}), got {len(initial.weights)}",
            )
        if self.means is not None and len(initial.means[0]) != len(self.means[0]):
            fail(
                ("em", "initial", "means"),
                f"expected points of dimension {len(self.means[0])} (as the means), got {len(initial.means[0])}",
            )

    def _check_render(self) -> None:
        """render.dims within D, a label per feature shown, a palette colour per component.

        D comes from the means, else from the data file's first lines; when
        neither gives it, the renderer checks against the points.
        """
        means = self.means or (self.em.initial.means if self.em.initial is not None else None)
        if means:
            n_features, have = len(means[0]), f"the means have {len(means[0])} coordinates"
        elif self.data is not None and self.data.n_features is not None:
            n_features = self.data.n_features
            have = f"data has {n_features} column{'' if n_features == 1 else 's'} to fit"
        else:
            n_features, have = 0, ""
        render = self.render
        problem = check.render_mismatch(
            render.dims, render.palette, n_features, self.n_components, have, labels=render.labels
        )
        if problem is not None:
            fail(*problem)

    @property
    def runs(self) -> tuple[tuple[str, Config], ...]:
        """compare's runs as (label, config): this config with the run's em and iterations; () without compare."""
        labels = [run.label for run in self.compare or ()]
        return tuple(zip(labels, self._runs))

    @property
    def source(self) -> Path:
        """The config file."""
        return self._source

    @property
    def truth(self) -> Mixture | None:
        """The true mixture as arrays (covariances full, (K, D, D)), or None when it is not given."""
        if self.weights is None:
            return None
        means = np.asarray(self.means, dtype=np.float64)
        covariances = check.full_covariances(self.covariances, "full", *means.shape)
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
        covariances = check.full_covariances(initial.covariances, self.em.covariance_type, *means.shape)
        return Mixture(np.asarray(initial.weights, dtype=np.float64), means, covariances)

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The names of the fitted features: the data file's header names of its fitted columns.

        None when the points have no names: drawn from the true mixture, or
        read from a .npy file or a file without a header row.
        """
        if self._own_points:
            return self._own_points
        return self.data.feature_names if self.data is not None else None

    @property
    def standardized(self) -> bool:
        """Whether the points are z-scored (data.standardize)."""
        return self.data is not None and self.data.standardize

    def axis_names(self, n_features: int) -> tuple[str, ...] | None:
        """The names axes show for ``n_features`` features: ``feature_names``, with " (z)" when standardized.

        Standardized points without names are ``feature 0 (z)``, ...; None
        when the points have no names (nor any that do not match
        ``n_features``) and are not standardized.
        """
        names = self.feature_names
        if names is not None and len(names) != n_features:
            names = None
        if not self.standardized:
            return names
        return tuple(f"{name} (z)" for name in names or (f"feature {i}" for i in range(n_features)))

    @property
    def n_components(self) -> int:
        """K of the fitted model: em.components, else the number of true components."""
        return self.em.components if self.em.components is not None else len(self.weights or ())

    @property
    def init_seed(self) -> int:
        """The seed of the initialisation: em.init_seed, else seed + 1."""
        return self.em.init_seed if self.em.init_seed is not None else self.seed + 1
