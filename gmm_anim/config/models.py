"""The config models and ``load_config``: one pydantic validation, one ConfigError for its first problem.

Plain fields declare their type and bounds (``Expect``); the others have
validators (field_checks.py) and the models check what depends on several
fields. Each check fails with its own "expected ..., got ..." message and a
field path; ``_config_error`` turns pydantic's first error into
``ConfigError(source, field_path, message)``, and an unknown key (pydantic's
``extra_forbidden``) into a "did you mean" hint. Field paths are dotted keys
with list indices in brackets: ``samples``, ``render.fps``,
``covariances[1]``, ``em.initial.covariances[0][1]``; ``(file)`` and
``(yaml)`` name the file as a whole (yaml_reader.py).

Paths: ``data`` is relative to the config file's folder (an override's
``data`` or ``data.path`` to the working directory, as typed on a command line);
``render.output`` to the working directory, like any output path given to a
command-line tool.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..data import MAX_COORDINATE
from ..em import CovarianceType, Init
from ..errors import ConfigError, GmmAnimWarning
from ..formats import Format
from ..history import Mixture
from . import field_checks as check
from .data_source import DataSource, data_path
from .field_checks import SECTION_CONFIG, Expect, Matrix, fail
from .yaml_reader import describe, format_path, one_line, parse_value, read_document

if TYPE_CHECKING:
    from .limits import Workload

__all__ = ["MAX_ITERATIONS", "MAX_SAMPLES", "Config", "DataSource", "EmConfig", "InitialMixture", "RenderConfig",
           "config_from_dict", "load_config", "parse_value"]  # fmt: skip

MAX_SAMPLES = 10_000_000  # points drawn or read
MAX_ITERATIONS = 10_000


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
    _source: Path = PrivateAttr(Path())
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
        if not given and self.em.components is None:
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


# ---------------------------------------------------------------------------
# Loading: the document, the overrides set in it, one validation.


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
    try:
        return Config.model_validate(document, context={"source": source})
    except ValidationError as error:
        raise _config_error(error, source) from None


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
    try:
        return Config.model_validate(document, context=context)
    except ValidationError as error:
        raise _config_error(error, source) from None


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
    kinds = () if field is None else (field.annotation, *get_args(field.annotation))
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
