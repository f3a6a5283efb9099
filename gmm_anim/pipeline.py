"""The config-level steps: points from a config, a fit, a rendered file, a summary.

Each step chains the stages (config -> sampling/data -> em -> drawing ->
write) the way the command line and the Python API both use them.
Matplotlib is imported only by the rendering step.

Resource limits (config/limits.py) are checked once per command:
``load_config`` checks the whole run as the config describes it, before any
point is drawn or read. ``sample``, ``fit`` and ``render`` ask again, which
costs nothing for a config that passed, unless the points handed to them
are larger than the ones it was checked for (a Python caller's own X).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from . import sampling
from .config import Config, check_config, check_points
from .config import config_from_dict as _config_from_dict
from .config import load_config as _load_valid_config
from .errors import ConfigError
from .history import History

__all__ = [
    "config_from_dict",
    "fit",
    "fit_runs",
    "labels_target",
    "load_config",
    "output_target",
    "render",
    "render_runs",
    "sample",
    "stills",
    "stills_runs",
    "stills_target",
    "summarize",
    "summarize_runs",
    "write_labels",
]


def load_config(path: str | Path, overrides: Mapping[str, object] | None = None, *, render: bool = True) -> Config:
    """Read and validate a config (see ``config.load_config``), then check the run it describes.

    Frames, pixels and the estimated peak memory are checked against the
    limits (limits.py) before any work; ``render=False`` checks a fit alone.
    Every problem raises one ConfigError.
    """
    cfg = _load_valid_config(path, overrides)
    check_config(cfg, render=render)
    return cfg


def config_from_dict(mapping: Mapping[str, Any], overrides: Mapping[str, object] | None = None) -> Config:
    """Validate a config given as a mapping, as ``load_config`` does a file (errors name ``<dict>``).

    Then checks the run it describes against the resource limits.
    """
    cfg = _config_from_dict(mapping, overrides)
    check_config(cfg)
    return cfg


def sample(cfg: Config) -> tuple[np.ndarray, np.ndarray | None]:
    """The points to fit: the user's ``data`` file, or a draw from the true mixture.

    Returns ``(X, labels)``; ``labels`` (the true component of each point) is
    None for the user's own points.
    """
    check_config(cfg, render=False)
    if cfg.data is not None:
        from .data import load_points

        data = cfg.data
        X, _ = load_points(
            data.path,
            source=cfg.source,
            columns=data.columns,
            delimiter=data.delimiter,
            standardize=data.standardize,
            missing=data.missing,
        )
        for known, field in ((cfg.truth, "means"), (cfg.initial_mixture, "em.initial.means")):
            if known is not None and known.n_features != X.shape[1]:
                raise ConfigError(
                    cfg.source,
                    "data",
                    f"expected points of dimension {known.n_features} (as {field}), got {X.shape[1]} columns",
                )
        if len(X) < cfg.n_components:
            raise ConfigError(
                cfg.source,
                "data",
                f"expected at least {cfg.n_components} points (one per component), got {len(X)}",
            )
        return X, None
    assert cfg.truth is not None, "validation requires the true mixture when there is no data file"
    rng = np.random.default_rng(cfg.seed)
    return sampling.sample(cfg.truth, cfg.samples, rng, jitter=cfg.jitter)


def fit(X: np.ndarray, cfg: Config) -> History:
    """Run EM on ``X`` (n_samples, n_features) as the config's ``em`` section says."""
    from .em import run_em

    check_points(cfg, X, render=False)
    return run_em(
        X,
        n_components=cfg.n_components,
        covariance_type=cfg.em.covariance_type,
        init=cfg.em.init,
        rng=np.random.default_rng(cfg.init_seed),
        reg_covar=cfg.em.reg_covar,
        tol=cfg.em.tol,
        max_iter=cfg.iterations,
        initial=cfg.initial_mixture,
    )


def fit_runs(X: np.ndarray, cfg: Config) -> list[History]:
    """Fit each run of ``compare`` on the same ``X``, each exactly as its own config would be (``cfg.runs``).

    A run's warnings (a collapsing component) name the run. The limits
    ``cfg`` passed cover every run (limits.workload), so no run asks again.
    """
    import warnings

    from .errors import GmmAnimWarning

    histories = []
    for index, (label, run) in enumerate(cfg.runs):
        if run._limits_passed is None:
            run._limits_passed = cfg._limits_passed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GmmAnimWarning)
            histories.append(fit(X, run))
        for warning in caught:
            if issubclass(warning.category, GmmAnimWarning):
                warnings.warn(f"compare[{index}] ({label}): {warning.message}", GmmAnimWarning, stacklevel=2)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return histories


def output_target(
    cfg: Config, output: str | Path | None = None, format: str | None = None, *, several: bool = False
) -> tuple[Path, str]:
    """Where a render goes and in which format (write/targets.py has the rules).

    ``output`` and ``format`` are the CLI's ``-o`` (a path, or a folder to
    hold ``<config stem><suffix>``) and ``-f``; ``output`` wins over the
    config's ``render.output``, and ``format`` must agree with
    ``render.format`` and the output's suffix. With neither output, it is
    ``<config stem>`` plus the format's suffix in the working directory (a
    GIF unless a format is named). ``several``: one of several configs in
    one call, so ``output`` must be a folder. An output that is one of the
    run's inputs (the config, its data file) is refused.
    """
    from .write import resolve_target

    return resolve_target(
        source=cfg.source,
        output=output,
        output_key=cfg.render.output,
        format_option=format,
        format_key=cfg.render.format,
        inputs=_inputs(cfg),
        several=several,
    )


def _inputs(cfg: Config) -> dict[str, Path]:
    """The files a run reads, by what they are: no output may replace them."""
    inputs = {"the config": cfg.source}
    if cfg.data is not None:
        inputs["the data file"] = cfg.data.path
    return inputs


def render(
    X: np.ndarray,
    history: History,
    cfg: Config,
    output: str | Path | None = None,
    *,
    format: str | None = None,
    fps: float | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> Path:
    """Render every EM iteration of ``history`` over ``X`` and write the animation.

    Returns the path written. ``fps`` overrides ``render.fps``; ``progress(k)``
    is called after each frame is written. ``jobs``: worker processes drawing
    the frames (1: in this process; None: ``drawing.parallel.default_jobs``);
    the output is the same whatever it is. Several workers start Python
    processes ("spawn"), so a script calling this with jobs != 1 needs the
    ``if __name__ == "__main__":`` guard.
    """
    from .drawing import FrameRenderer, count_frames, key_colours, render_frames
    from .drawing.captions import frame_captions
    from .drawing.frames import check_history

    check_points(cfg, X)
    path, resolved_format = output_target(cfg, output, format)
    options = cfg.render
    truth = cfg.truth if options.truth else None
    feature_names = cfg.axis_names(X.shape[1])
    n_frames = count_frames(history, options)
    check_history(options, history, cfg.source)
    return _write_frames(
        cfg,
        lambda: render_frames(X, history, options, truth=truth, source=cfg.source, feature_names=feature_names),
        partial(FrameRenderer, X, history, options, truth=truth, feature_names=feature_names),
        n_frames,
        path,
        resolved_format,
        jobs=jobs,
        fps=fps,
        progress=progress,
        key_colours=key_colours(history, options),
        captions=frame_captions(history, options) if resolved_format == "html" else None,
    )


def _write_frames(
    cfg: Config,
    serial_frames: Callable[[], Iterator[np.ndarray]],
    build: Callable[[], Any],
    n_frames: int,
    path: Path,
    format: str,
    *,
    jobs: int | None,
    fps: float | None,
    progress: Callable[[int], None] | None,
    key_colours: np.ndarray,
    captions: Any = None,
) -> Path:
    """Draw the frames here (``serial_frames()``) or in workers that each ``build()`` a renderer; write them."""
    from .write import write_animation

    options = cfg.render
    with ExitStack() as stack:
        workers = _workers(jobs, n_frames, options, format)
        if workers == 1:
            frames = serial_frames()
        else:
            from .drawing.parallel import parallel_frames

            frames = stack.enter_context(
                parallel_frames(build, n_frames, workers, size=(options.height, options.width))
            )
        return write_animation(
            frames,
            path,
            format=format,
            fps=fps if fps is not None else options.frame_rate,
            hold=options.hold,
            n_frames=n_frames,
            key_colours=key_colours,
            progress=progress,
            captions=captions,
        )


def _workers(jobs: int | None, n_frames: int, options: Any, format: str) -> int:
    """The worker processes a render uses: ``jobs``, or with None the default for its size and format."""
    if jobs is None:
        from .drawing.parallel import default_jobs

        return default_jobs(n_frames, options.width, options.height, format)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    return jobs


def render_runs(
    X: np.ndarray,
    histories: list[History],
    cfg: Config,
    output: str | Path | None = None,
    *,
    format: str | None = None,
    fps: float | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> Path:
    """Render the runs of ``compare`` (``fit_runs``' histories) side by side and write the animation.

    Returns the path written; the last frame marks the run with the lowest BIC.
    ``jobs`` as in ``render``.
    """
    from .drawing.comparison import (
        ComparisonRenderer,
        comparison_key_colours,
        count_comparison_frames,
        render_comparison,
    )

    check_points(cfg, X)
    path, resolved_format = output_target(cfg, output, format)
    options = cfg.render
    best = summarize_runs(X, histories, cfg)["best"]["bic"]
    labels = [label for label, _ in cfg.runs]
    truth = cfg.truth if options.truth else None
    feature_names = cfg.axis_names(X.shape[1])
    n_frames = count_comparison_frames(histories, options)
    return _write_frames(
        cfg,
        lambda: render_comparison(
            X, histories, labels, options, truth=truth, best=best, source=cfg.source, feature_names=feature_names
        ),
        partial(
            ComparisonRenderer,
            X,
            histories,
            labels,
            options,
            truth=truth,
            best=best,
            source=cfg.source,
            feature_names=feature_names,
        ),
        n_frames,
        path,
        resolved_format,
        jobs=jobs,
        fps=fps,
        progress=progress,
        key_colours=comparison_key_colours(histories, options),
    )


def stills_target(cfg: Config, output: str | Path | None = None) -> tuple[Path, str]:
    """Where ``stills`` writes and in which format: the output's suffix, .pdf, .svg or .png.

    No output: ``<config stem>-stills.pdf`` in the working directory; an
    existing folder, or a path ending in ``/``, receives that name. An output
    that the run reads (the config, its data file) is refused.
    """
    from .drawing.stills import STILL_FORMATS
    from .write import check_not_an_input

    name = f"{cfg.source.stem}-stills.pdf"
    if output is None:
        path = Path(name)
    else:
        path = Path(output)
        if str(output).endswith(("/", os.sep)) or path.is_dir():
            path = path / name
    format = STILL_FORMATS.get(path.suffix.lower())
    if format is None:
        raise ConfigError(cfg.source, "-o", f"expected a file name ending in .pdf, .svg or .png, got {str(output)!r}")
    check_not_an_input(path, _inputs(cfg), cfg.source, "-o")
    return path, format


def stills(
    X: np.ndarray,
    history: History,
    cfg: Config,
    output: str | Path | None = None,
    *,
    at: str | None = None,
    columns: int | None = None,
) -> Path:
    """Draw chosen frames of the animation as the panels of one figure and write it (PDF, SVG or PNG).

    ``at`` is the CLI's ``--at`` ("0,1,5", with render.half_steps also "E3",
    "M3"); None means 0, 1, 2, 5, 20 and the last iteration, those that
    exist. ``columns`` panels to a row (default up to 3). Returns the path
    written; a bad ``at`` raises ConfigError before anything is written.
    """
    from .drawing.stills import default_stills, parse_at, still_bytes, still_figure
    from .write import write_file

    path, format = stills_target(cfg, output)
    options = cfg.render
    chosen = (
        default_stills(history.n_iterations)
        if at is None
        else parse_at(at, half_steps=options.half_steps, source=cfg.source)
    )
    figure = still_figure(
        X,
        history,
        options,
        chosen,
        columns=columns,
        truth=cfg.truth if options.truth else None,
        feature_names=cfg.axis_names(X.shape[1]),
        source=cfg.source,
    )
    return write_file(path, still_bytes(figure, format))


def stills_runs(
    X: np.ndarray, histories: list[History], cfg: Config, output: str | Path | None = None, *, at: str | None = None
) -> Path:
    """Draw chosen frames of the runs of ``compare`` (``fit_runs``' histories): a row per frame, a panel per run.

    ``at`` as in ``stills``, against the longest run. Returns the path written.
    """
    from .drawing.stills import comparison_still_figure, default_stills, parse_at, still_bytes
    from .write import write_file

    path, format = stills_target(cfg, output)
    options = cfg.render
    longest = max(history.n_iterations for history in histories)
    chosen = default_stills(longest) if at is None else parse_at(at, half_steps=options.half_steps, source=cfg.source)
    figure = comparison_still_figure(
        X,
        histories,
        [label for label, _ in cfg.runs],
        options,
        chosen,
        truth=cfg.truth if options.truth else None,
        feature_names=cfg.axis_names(X.shape[1]),
        source=cfg.source,
    )
    return write_file(path, still_bytes(figure, format))


def labels_target(cfg: Config, path: str | Path) -> Path:
    """Check where ``fit --labels`` may write: a new or replaceable ``.csv`` file that no run reads."""
    from .write import check_not_an_input

    path = Path(path)
    if path.suffix.lower() != ".csv" or path.is_dir():
        got = "an existing folder" if path.is_dir() else f"{str(path)!r}"
        raise ConfigError(cfg.source, "--labels", f"expected a file name ending in .csv, got {got}")
    check_not_an_input(path, _inputs(cfg), cfg.source, "--labels")
    return path


def write_labels(X: np.ndarray, history: History, cfg: Config, path: str | Path) -> Path:
    """Write each point's component and responsibilities under the final parameters as CSV (atomically).

    One row per point: ``index`` (its 0-based row in the data), ``component``
    (the most responsible, numbered from 1 as in the legend), ``resp_1`` ..
    ``resp_K``. Returns the path written.
    """
    from .em import responsibilities
    from .write import labels_csv, write_file

    path = labels_target(cfg, path)
    return write_file(path, labels_csv(responsibilities(X, history.final), _data_rows(cfg, len(X))))


def _data_rows(cfg: Config, n_samples: int) -> np.ndarray:
    """Each point's 0-based row in the data: 0 .. n - 1 unless data.missing: drop left rows out."""
    if cfg.data is None or cfg.data.missing != "drop":
        return np.arange(n_samples)
    import warnings

    from .data import load_points

    data = cfg.data
    with warnings.catch_warnings():  # read again for its rows: sample() said what was dropped
        warnings.simplefilter("ignore")
        _, rows = load_points(
            data.path, source=cfg.source, columns=data.columns, delimiter=data.delimiter, missing=data.missing
        )
    if len(rows) != n_samples:
        raise ConfigError(
            cfg.source, "data", f"expected the {n_samples} points fitted, got {len(rows)} on reading again"
        )
    return rows


def summarize(X: np.ndarray, history: History, cfg: Config) -> dict[str, Any]:
    """The document of ``gmm-anim fit --json`` (SPEC section 5)."""
    from .em import aic, bic, match_components, n_parameters

    n_samples, n_features = X.shape
    names = cfg.feature_names
    if names is None or len(names) != n_features:
        names = tuple(f"feature {i}" for i in range(n_features))
    n_params = n_parameters(history.covariance_type, cfg.n_components, n_features)
    final_log_likelihood = float(history.log_likelihood[-1])
    truth = cfg.truth
    match = None
    if truth is not None:
        found = match_components(history.final, truth)
        match = {
            "permutation": [None if k is None else int(k) for k in found.permutation],
            "max_mean_error": float(found.max_mean_error),
            "max_weight_error": float(found.max_weight_error),
        }
    return {
        "config": str(cfg.source),
        "n_samples": n_samples,
        "n_features": n_features,
        "n_components": cfg.n_components,
        "feature_names": list(names),
        "standardized": cfg.standardized,
        "covariance_type": history.covariance_type,
        "converged": history.converged,
        "iterations": history.to_json(),
        "truth": truth.to_json() if truth is not None else None,
        "match": match,
        "bic": float(bic(final_log_likelihood, n_samples, n_params)),
        "aic": float(aic(final_log_likelihood, n_params)),
    }


def summarize_runs(X: np.ndarray, histories: list[History], cfg: Config) -> dict[str, Any]:
    """The document of ``gmm-anim fit --json`` with ``compare`` (SPEC section 5).

    ``{"runs": [doc, ...], "best": {"bic": i, "aic": j}}``: each run's own
    document with its ``label`` first, and the indices of the runs with the
    lowest BIC and AIC (the first of equals).
    """
    documents = [{"label": label, **summarize(X, history, run)} for (label, run), history in zip(cfg.runs, histories)]
    best = {key: min(range(len(documents)), key=lambda i: documents[i][key]) for key in ("bic", "aic")}
    return {"runs": documents, "best": best}
