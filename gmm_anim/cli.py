"""The ``gmm-anim`` command line: parse, call the pipeline, print.

Only this module turns a ``GmmAnimError`` into one ``Error:`` line on stderr
and an exit code (2 for bad input, 1 for failures while running, 130 when
interrupted, 143 when terminated). ``--debug`` or ``GMM_ANIM_DEBUG=1`` shows
the traceback instead.

Each command imports the library modules it needs inside its body, and the
package imports its names lazily, so ``gmm-anim --help`` loads neither numpy,
pydantic nor matplotlib and answers in about 0.06 s instead of 0.4 s.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .errors import ConfigError, GmmAnimError, GmmAnimWarning
from .formats import FORMATS

if TYPE_CHECKING:
    from .config import Config

__all__ = ["app", "main"]

app = typer.Typer(
    name="gmm-anim",
    help=(
        "Animate the EM algorithm fitting a Gaussian mixture described in YAML.\n\n"
        "Start with: gmm-anim init && gmm-anim render gmm-anim.yaml"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DEFAULT_INIT_PATH = Path("gmm-anim.yaml")
# The choices of -f, from the one list of output formats.
Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]  # members from FORMATS


class Terminated(BaseException):
    """SIGTERM arrived; unwinds like Ctrl-C so partial output is removed."""


def _debugging() -> bool:
    return os.environ.get("GMM_ANIM_DEBUG", "") not in ("", "0")


def _fail(message: str, exit_code: int) -> typer.Exit:
    # A path or --set text may hold line breaks; the error must stay one line.
    one_line = message.replace("\r", "\\r").replace("\n", "\\n")
    sys.stderr.write(f"Error: {one_line}\n")
    return typer.Exit(exit_code)


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn every failure into one ``Error:`` line and the matching exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except GmmAnimError as error:
        if _debugging():
            raise
        raise _fail(str(error), error.exit_code) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", EXIT_INTERRUPTED) from None
    except Terminated:
        raise _fail("terminated", EXIT_TERMINATED) from None
    except Exception as error:  # a bug: say so briefly, the traceback is behind --debug
        if _debugging():
            raise
        raise _fail(
            f"internal error: {type(error).__name__}: {error} "
            "(run again with --debug for the traceback, and please report it)",
            1,
        ) from None


def _parse_overrides(assignments: list[str], compare: str | None = None) -> dict[str, Any]:
    """``KEY=VALUE`` strings as a dict of dotted keys to values parsed like the config file.

    ``compare`` (``--compare KEY=[V1, V2, ...]``) becomes the ``compare`` key.
    """
    from .config import parse_value
    from .config.loading import compare_runs

    overrides: dict[str, Any] = {}
    for assignment in assignments:
        key, separator, text = assignment.partition("=")
        key = key.strip()
        if not separator or not key:
            raise ConfigError("--set", assignment, "expected KEY=VALUE, e.g. --set em.tol=1e-4")
        overrides[key] = parse_value(text, source="--set", field=key)
    if compare is not None:
        key, separator, text = compare.partition("=")
        key = key.strip()
        if not separator or not key:
            raise ConfigError("--compare", compare, "expected KEY=[V1, V2, ...], e.g. --compare em.components=[1,2,3]")
        overrides["compare"] = compare_runs(key, parse_value(text, source="--compare", field=key))
    return overrides


def _progress_printer(label: str, n_frames: int):
    """A one-line progress bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        filled = int(30 * done / max(n_frames, 1))
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{n_frames} frames")
        if done >= n_frames:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version as package_version

        versions = ", ".join(f"{name} {package_version(name)}" for name in ("numpy", "matplotlib", "pillow"))
        typer.echo(f"gmm-anim {package_version('gmm-anim')} ({versions})")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (also GMM_ANIM_DEBUG=1).")] = False,
) -> None:
    if debug:
        os.environ["GMM_ANIM_DEBUG"] = "1"


ConfigPaths = Annotated[
    list[Path], typer.Argument(help="YAML config file(s).", show_default=False, metavar="CONFIG...")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", help="Override a config key by dotted path, e.g. em.tol=1e-4."),
]
CompareOption = Annotated[
    str | None,
    typer.Option(
        "--compare",
        metavar="KEY=[V1, V2, ...]",
        help="Runs side by side on the same points, one per value of iterations or an em key, "
        "labelled KEY = VALUE, e.g. em.components=[1,2,3,4] (replaces the config's compare).",
    ),
]


@app.command()
def render(
    configs: ConfigPaths,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="PATH",
            help="Output file, or PNG folder; an existing folder or a PATH ending in / receives "
            "<config stem>.<suffix> (needed with several configs).",
        ),
    ] = None,
    format: Annotated[
        Format | None, typer.Option("-f", "--format", help="Output format; must agree with the output's suffix.")
    ] = None,
    fps: Annotated[float | None, typer.Option("--fps", help="Frames per second (0 < fps <= 50).")] = None,
    set_: SetOption = None,
    compare: CompareOption = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar or summary line.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            metavar="N",
            help="Worker processes drawing the frames; 1 draws them in this process. "
            "Default: every core, for renders large enough to gain. The output is the same whatever N.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fit each CONFIG with EM and animate every iteration.

    Writes one GIF, MP4, WebP, PNG folder or HTML player page per config.

    Example: gmm-anim render configs/seed.yaml -o seed.gif
    """
    from . import pipeline
    from .drawing import count_frames

    with _reported_errors():
        overrides = _parse_overrides(set_ or [], compare)
        if fps is not None:
            overrides["render.fps"] = fps
        # Every config and output is checked before the first render starts,
        # so a typo in the last of a batch costs nothing.
        loaded = [pipeline.load_config(config_path, overrides) for config_path in configs]
        targets = _output_targets(loaded, output, format.value if format is not None else None)
        for cfg, (path, resolved_format) in zip(loaded, targets):
            X, _ = pipeline.sample(cfg)
            if cfg.runs:
                _render_runs(X, cfg, path, resolved_format, quiet=quiet, jobs=jobs)
                continue
            history = pipeline.fit(X, cfg)
            n_frames = count_frames(history, cfg.render)
            progress = None if quiet else _progress_printer(str(path), n_frames)
            written = pipeline.render(X, history, cfg, path, format=resolved_format, progress=progress, jobs=jobs)
            if not quiet:
                sys.stderr.write(f"wrote {written} ({history.n_iterations} iterations, {n_frames} frames)\n")


def _render_runs(X: Any, cfg: Config, path: Path, format: str, *, quiet: bool, jobs: int | None) -> None:
    """``render`` of a config with compare: the runs fitted, then drawn side by side."""
    from . import pipeline
    from .drawing.comparison import count_comparison_frames

    histories = pipeline.fit_runs(X, cfg)
    n_frames = count_comparison_frames(histories, cfg.render)
    progress = None if quiet else _progress_printer(str(path), n_frames)
    written = pipeline.render_runs(X, histories, cfg, path, format=format, progress=progress, jobs=jobs)
    if not quiet:
        longest = max(history.n_iterations for history in histories)
        sys.stderr.write(f"wrote {written} ({len(histories)} runs, up to {longest} iterations, {n_frames} frames)\n")


@app.command()
def stills(
    config: Annotated[Path, typer.Argument(help="YAML config file.", show_default=False, metavar="CONFIG")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="0,1,2,5,20",
            help="The frames to draw, in order: iteration numbers (the state after that many EM steps), "
            "with render.half_steps also E3 and M3. Default: 0, 1, 2, 5, 20 and the last iteration, those that exist.",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FIGURE",
            help="A .pdf or .svg (vector) or .png (200 dpi) file; the suffix picks the format. "
            "Default: <config stem>-stills.pdf in the working directory.",
        ),
    ] = None,
    columns: Annotated[
        int | None, typer.Option("--columns", min=1, metavar="N", help="Panels per row (default: up to 3).")
    ] = None,
    set_: SetOption = None,
    compare: CompareOption = None,
) -> None:
    """Draw chosen frames of CONFIG's fit as the panels of one figure.

    For handouts and papers: every panel has the same limits and colours, one
    legend serves them all, and each is titled "L = 5" (after 5 iterations),
    or "E-step 3" / "M-step 3" with render.half_steps. With compare (or
    --compare), each chosen frame is a row holding a panel per run.

    Example: gmm-anim stills configs/seed.yaml --at 0,1,5,40 -o em.pdf
    """
    from . import pipeline
    from .drawing.stills import parse_at

    with _reported_errors():
        cfg = pipeline.load_config(config, _parse_overrides(set_ or [], compare), render=False)
        path, _ = pipeline.stills_target(cfg, output)  # before the fit, so a bad name costs nothing
        if at is not None:
            parse_at(at, half_steps=cfg.render.half_steps, source=cfg.source)
        X, _ = pipeline.sample(cfg)
        if cfg.runs:
            if columns is not None:
                message = f"expected no --columns with compare (each row holds its {len(cfg.runs)} runs), got {columns}"
                raise ConfigError(cfg.source, "--columns", message)
            written = pipeline.stills_runs(X, pipeline.fit_runs(X, cfg), cfg, path, at=at)
        else:
            written = pipeline.stills(X, pipeline.fit(X, cfg), cfg, path, at=at, columns=columns)
        sys.stderr.write(f"wrote {written}\n")


def _output_targets(configs: list[Config], output: str | None, format: str | None) -> list[tuple[Path, str]]:
    """Each config's output path and format; no two configs may share a path."""
    from .pipeline import output_target

    targets: list[tuple[Path, str]] = []
    writers: dict[Path, Path] = {}
    for cfg in configs:
        path, resolved_format = output_target(cfg, output, format, several=len(configs) > 1)
        other = writers.setdefault(path.resolve(), cfg.source)
        if other != cfg.source:
            message = f"expected an output of its own, got {path}, which {other} writes too (rename one config)"
            raise ConfigError(cfg.source, "render.output", message)
        targets.append((path, resolved_format))
    return targets


@app.command()
def fit(
    config: Annotated[Path, typer.Argument(help="YAML config file.", show_default=False, metavar="CONFIG")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full fit as JSON.")] = False,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            metavar="FILE.csv",
            help="Write each point's component and responsibilities under the final fit as CSV.",
        ),
    ] = None,
    set_: SetOption = None,
    compare: CompareOption = None,
) -> None:
    """Fit CONFIG with EM and print the log-likelihood per iteration.

    Then the final weights and means, BIC and AIC, and the match to the true
    components; --json prints all of it (every iteration's parameters) as JSON.

    --labels FILE.csv writes one row per point: index, component (numbered
    from 1), resp_1 .. resp_K.

    With compare (or --compare), one row per run: iterations run, converged,
    final log-likelihood, BIC, AIC and the match error, the lowest BIC and
    AIC marked *; --json prints {"runs": [...], "best": {"bic": i, "aic": j}}.

    Example: gmm-anim fit configs/seed.yaml --json
    """
    from . import pipeline

    with _reported_errors():
        cfg = pipeline.load_config(config, _parse_overrides(set_ or [], compare), render=False)  # no frames
        if cfg.runs:
            _fit_runs(cfg, as_json=as_json, labels=labels)
            return
        if labels is not None:
            pipeline.labels_target(cfg, labels)  # before the fit, so a bad name costs nothing
        X, _ = pipeline.sample(cfg)
        history = pipeline.fit(X, cfg)
        if labels is not None:
            pipeline.write_labels(X, history, cfg, labels)
        document = pipeline.summarize(X, history, cfg)
        if as_json:
            typer.echo(json.dumps(document, indent=2, allow_nan=False))
        else:
            from .fit_tables import fit_table

            typer.echo(fit_table(document))


def _fit_runs(cfg: Config, *, as_json: bool, labels: Path | None) -> None:
    """``fit`` of a config with compare: the runs' table, or their JSON document."""
    from . import pipeline

    if labels is not None:
        message = f"expected one fit to label the points by, got {len(cfg.runs)} runs of compare; drop one of them"
        raise ConfigError(cfg.source, "--labels", message)
    X, _ = pipeline.sample(cfg)
    document = pipeline.summarize_runs(X, pipeline.fit_runs(X, cfg), cfg)
    if as_json:
        typer.echo(json.dumps(document, indent=2, allow_nan=False))
    else:
        from .fit_tables import runs_table

        typer.echo(runs_table(document))


@app.command()
def validate(configs: ConfigPaths, set_: SetOption = None) -> None:
    """Check each CONFIG and its data file; print "ok: PATH" if valid.

    Checks everything render checks before it starts: keys, values, the data
    file and its dimension, the output path, and the size of the run.

    Example: gmm-anim validate configs/*.yaml
    """
    from . import pipeline

    exit_code = 0
    for config_path in configs:
        try:
            with _reported_errors():
                cfg = pipeline.load_config(config_path, _parse_overrides(set_ or []))
                pipeline.output_target(cfg)
                if cfg.data is not None:  # read the points: the file must parse and agree with the config
                    pipeline.sample(cfg)
                typer.echo(f"ok: {config_path}")
        except typer.Exit as failure:
            exit_code = max(exit_code, failure.exit_code)
    raise typer.Exit(exit_code)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config.", metavar="PATH")] = DEFAULT_INIT_PATH,
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="FILE", help="Write a config that fits this .csv, .tsv, .txt or .npy file."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Write a commented config to start from: the example, or one for your own data.

    PATH defaults to gmm-anim.yaml; an existing file is kept unless --force.
    With --data FILE, the config fits FILE's numeric columns (listed in its
    comments, row numbers and text left out); choose em.components.

    Example: gmm-anim init --data points.csv mine.yaml && gmm-anim render mine.yaml
    """
    from .config.templates import example_config

    with _reported_errors():
        if path.is_dir():
            raise ConfigError(path, "(file)", "expected a file name for the new config, got a folder")
        if path.exists() and not force:
            raise ConfigError(path, "(file)", "expected a new file, got an existing one (--force overwrites it)")
        text = example_config(path) if data is None else _data_config(path, data)
        from .write import write_file

        write_file(path, text.encode("utf-8"))
        typer.echo(f"wrote {path}; next: gmm-anim render {path}")


def _data_config(path: Path, data: Path) -> str:
    """The config for ``data``, once its points have been read (errors name --data)."""
    from .config.templates import data_config
    from .data import SUFFIXES, load_points, numeric_columns, read_layout

    if path.resolve() == data.resolve():
        raise ConfigError(data, "--data", "expected a data file other than the config to write, got the same path")
    if data.suffix.lower() not in SUFFIXES:
        raise ConfigError(data, "--data", f"expected a {', '.join(SUFFIXES)} file, got {str(data)!r}")
    layout = read_layout(data)
    if layout is None:  # unreadable: load_points says why
        try:
            load_points(data, source=data)
        except ConfigError as error:
            raise ConfigError(data, "--data", error.message) from None
        raise ConfigError(data, "--data", "expected rows of numbers, got none")
    return data_config(path, data, layout, numeric_columns(data, layout))


@app.command()
def schema() -> None:
    """Print the config's JSON Schema (keys, types, bounds, defaults).

    Editors that use the YAML language server complete and check configs that
    start with the line "# yaml-language-server: $schema=gmm-anim.schema.json".

    Example: gmm-anim schema > gmm-anim.schema.json
    """
    from .config import schema_json

    with _reported_errors():
        typer.echo(schema_json(), nl=False)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, GmmAnimWarning):
        sys.stderr.write(f"Warning: {message}\n")
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


class _StopOnce:
    """The handler of SIGINT and SIGTERM: the first unwinds the command, later ones do nothing.

    Unwinding stops the workers and ffmpeg and removes the temporary output;
    a second Ctrl-C raising again cut that short, and left workers running,
    the interpreter's exit waiting on them for ever, and temporary files.
    """

    def __init__(self) -> None:
        self.stopping = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.stopping:
            return
        self.stopping = True
        raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated()

    def ignore_from_now(self) -> None:
        """Ignore both signals for the rest of the process, once the command has ended.

        The interpreter's exit puts a Python handler back to the system's
        default, so a late signal would end the process by that signal
        instead of with the exit code its ``Error:`` line gave. Any signal
        already caught is handled (as nothing) before the switch.
        """
        self.stopping = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


_COMPLETION_OPTIONS = ("--show-completion", "--install-completion")


def _honour_named_shell(argv: list[str]) -> None:
    """Make ``--show-completion zsh`` mean zsh, not the shell this runs in.

    Typer's completion options are flags that detect the current shell, and
    a shell named after them is ignored. Its switch to options that take the
    shell's name is an environment variable, set here only when a shell is
    named, so that the plain flags still detect it.
    """
    named = any(arg.startswith(tuple(f"{option}=" for option in _COMPLETION_OPTIONS)) for arg in argv)
    named |= any(option in _COMPLETION_OPTIONS and not value.startswith("-") for option, value in zip(argv, argv[1:]))
    if named:  # an unknown shell is then a usage error that lists the known ones
        os.environ["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"


def main() -> None:
    """Entry point of the ``gmm-anim`` console script.

    A command is one bounded run, so the cyclic garbage collector does no
    work in it: 0.1-0.17 s of the seed render's 1.0-1.1 s (medians of 11 to
    15 alternating runs of the console script with both, either and neither):

    - It is off while the command runs (0.02-0.04 s): it would mostly
      rescan what importing matplotlib, numpy and pydantic built. Drawing
      a frame leaves no cycles behind (gc.collect finds none after the seed
      render's 41 frames), so memory does not grow with the frame count.
    - Once the command has finished, every object is frozen out of its reach
      (``gc.freeze``), so the interpreter's shutdown does not walk and free
      those cycles one by one (0.05-0.08 s). Exit handlers and the flushing
      of stdout and stderr run as usual; the memory goes back to the system
      with the process.
    """
    gc.disable()
    warnings.showwarning = _show_warning
    stop = _StopOnce()
    signal.signal(signal.SIGTERM, stop)
    # a job a script starts with `&` finds Ctrl-C ignored, and keeps it so
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, stop)
    _honour_named_shell(sys.argv)
    try:
        app()
    finally:
        stop.ignore_from_now()
        gc.freeze()
