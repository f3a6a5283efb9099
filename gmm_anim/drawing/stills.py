"""Chosen frames of the animation as the panels of one figure, for handouts and papers.

``gmm-anim stills`` draws each chosen iteration (with ``render.half_steps``
also E-step and M-step frames) into a panel of its own, all with the same
limits and colours and one legend for the figure, and writes it as PDF or
SVG (vector, through matplotlib's own backends) or PNG (``PNG_DPI``). Each
panel is a view of the animation (``plane_view`` or ``line_view``) drawn by
a plain ``savefig``: nothing is blitted. ``render.frames`` and
``render.tween`` shape the animation only; any iteration the fit computed
can be chosen here.

Panel titles read ``L = 5`` (the state after 5 EM iterations: Bishop's L
complete cycles), or ``E-step 3`` and ``M-step 3``. With half steps
``L = 0`` is the start (points not yet assigned) and ``L = n`` the M-step
of iteration n, whose points keep the colours of E-step n.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from ..history import History, Mixture
from .frame_plan import FramePlan, PlannedFrame
from .frames import axis_labels, check_options, look_for, snapshots, view_class
from .layout import style_axes
from .style import Look

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..config import RenderConfig

__all__ = [
    "DEFAULT_AT",
    "MAX_PANELS",
    "PNG_DPI",
    "STILL_FORMATS",
    "Still",
    "choose_stills",
    "comparison_still_figure",
    "default_stills",
    "parse_at",
    "still_figure",
    "still_bytes",
]

DEFAULT_AT = (0, 1, 2, 5, 20)  # and the last iteration
PNG_DPI = 200
STILL_FORMATS = {".pdf": "pdf", ".svg": "svg", ".png": "png"}
MAX_PANELS = 48
PANEL_INCHES = 2.4  # the width of a panel
LEGEND_INCHES = 0.6
STILL_SCALE = 0.55  # line widths and marker sizes against a 600 x 600 frame: thinner in print
FONT_SIZE = 8.0
_AT_ENTRY = re.compile(r"(?P<step>[EM]?)(?P<number>\d+)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Still:
    """One panel: ``iteration`` alone ("L = n", step ""), or its E-step or M-step (step "E" or "M")."""

    iteration: int
    step: str = ""

    @property
    def title(self) -> str:
        return f"L = {self.iteration}" if not self.step else f"{self.step}-step {self.iteration}"

    def __str__(self) -> str:
        return f"{self.step}{self.iteration}"


def parse_at(text: str, *, half_steps: bool, source: object) -> tuple[Still, ...]:
    """``--at`` as stills, in the order given, repeats dropped: ``0,1,5`` (and ``E3``, ``M3`` with half steps).

    Raises ConfigError (naming ``source`` and ``--at``) for anything else.
    """
    entries = [entry.strip() for entry in text.split(",")]
    expected = "iteration numbers" + (", E1, M1, ..." if half_steps else "") + " separated by commas"
    if not any(entries):
        raise ConfigError(source, "--at", f"expected {expected}, e.g. 0,1,2,5,20; got {text!r}")
    stills: dict[Still, None] = {}
    for entry in entries:
        match = _AT_ENTRY.fullmatch(entry)
        if match is None:
            raise ConfigError(source, "--at", f"expected {expected}, e.g. 0,1,2,5,20; got {entry!r} in {text!r}")
        step, number = match["step"].upper(), int(match["number"])
        if step and not half_steps:
            message = f"expected iteration numbers, got {entry!r} (E-steps and M-steps need render.half_steps: true)"
            raise ConfigError(source, "--at", message)
        if step and number == 0:
            raise ConfigError(
                source, "--at", f"expected E-steps and M-steps from 1 (iteration 0 is the start), got {entry!r}"
            )
        stills[Still(number, step)] = None
        if len(stills) > MAX_PANELS:
            raise ConfigError(source, "--at", f"expected at most {MAX_PANELS} frames in one figure, got more")
    return tuple(stills)


def default_stills(last: int) -> tuple[Still, ...]:
    """0, 1, 2, 5, 20 and ``last``, the last iteration: those that exist."""
    return tuple(Still(i) for i in sorted({*(i for i in DEFAULT_AT if i <= last), last}))


def choose_stills(stills: Sequence[Still], history: History, *, source: object) -> None:
    """Refuse a still past the fit's last iteration (ConfigError naming ``--at``)."""
    last = history.n_iterations
    reason = f"em.tol stopped the fit at iteration {last}" if history.converged else "the fit's last iteration"
    for still in stills:
        if still.iteration > last:
            first = 1 if still.step else 0
            message = f"expected frames of iterations {first} to {last} ({reason}), got {str(still)!r}"
            raise ConfigError(source, "--at", message)


def _planned(still: Still, plan: FramePlan) -> PlannedFrame:
    """The animation frame a still shows, in the plan of every iteration (without tween)."""
    if not plan.half_steps:
        return plan.frames[still.iteration]
    if still.step == "E":
        return plan.frames[2 * still.iteration - 1]
    return plan.frames[2 * still.iteration]  # the start, or the M-step


def still_figure(
    X: np.ndarray,
    history: History,
    options: RenderConfig,
    stills: Sequence[Still],
    *,
    columns: int | None = None,
    truth: Mixture | None = None,
    feature_names: Sequence[str] | None = None,
    source: object = "render",
) -> Figure:
    """The figure of ``stills``: one panel each, ``columns`` to a row (default up to 3), one legend below.

    X : array of shape (n_samples, n_features), the data EM was run on.
    Options the data cannot honour and stills past the fit raise ConfigError (naming ``source``).
    """
    from ..em import Responsibilities

    n_features = history.means.shape[2]
    check_options(options, n_features, history.weights.shape[1], source=source)
    choose_stills(stills, history, source=source)
    # the plan of every iteration, without tween: a frame's step is the iteration it draws
    plan = FramePlan(range(history.n_iterations + 1), tween=0, half_steps=options.half_steps)
    planned = [_planned(still, plan) for still in stills]
    # every panel's limits cover the snapshots drawn in all of them
    path = snapshots(history, sorted({frame.step for frame in planned}))
    shown_truth = truth if options.truth else None
    look = dataclasses.replace(look_for(history, options, shown_truth), scale=STILL_SCALE)
    views = [view_class(n_features)(X, path, options, look, truth=shown_truth) for _ in stills]
    figure = _panels(
        views, [still.title for still in stills], look, columns, axis_labels(options, n_features, feature_names)
    )
    _add_legend(figure, views[0], look, unassigned=any(frame.coloured_by is None for frame in planned))
    engine = figure.get_layout_engine()
    assert engine is not None, "the figure is made with the constrained layout engine"
    engine.execute(figure)
    responsibilities = Responsibilities(X)  # the points prepared once for every panel
    for view, frame in zip(views, planned):
        view.after_layout()
        colouring = (
            None if frame.coloured_by is None else view.colouring(responsibilities, history[frame.coloured_by[0]])
        )
        view.update(history[frame.step], colouring, final=frame.step == history.n_iterations and frame.phase != "E")
        for artist in view.animated_artists:
            artist.set_animated(False)  # drawn with the figure: nothing is blitted here
    return figure


def comparison_still_figure(
    X: np.ndarray,
    histories: Sequence[History],
    labels: Sequence[str],
    options: RenderConfig,
    stills: Sequence[Still],
    *,
    truth: Mixture | None = None,
    feature_names: Sequence[str] | None = None,
    source: object = "render",
) -> Figure:
    """The figure of ``stills`` of runs side by side (``compare``): a row per still, a panel per run in each.

    As in the animation, a run that stopped before a still's iteration shows
    its last snapshot, and its title says so. Every panel has the same limits.
    """
    from ..em import Responsibilities
    from .grid import padded, share_limits

    n_features = histories[0].means.shape[2]
    check_options(options, n_features, max(history.weights.shape[1] for history in histories), source=source)
    if len(stills) * len(histories) > MAX_PANELS:
        message = (
            f"expected at most {MAX_PANELS} panels in one figure, got {len(stills)} frames x {len(histories)} runs"
        )
        raise ConfigError(source, "--at", message)
    longest = max(histories, key=lambda history: history.n_iterations)
    choose_stills(stills, longest, source=source)
    runs = [padded(history, longest.n_iterations) for history in histories]
    plan = FramePlan(range(longest.n_iterations + 1), tween=0, half_steps=options.half_steps)
    planned = [_planned(still, plan) for still in stills]
    steps = sorted({frame.step for frame in planned})
    shown_truth = truth if options.truth else None
    looks = [dataclasses.replace(look_for(run, options, shown_truth), scale=STILL_SCALE) for run in runs]
    views, titles, drawn = [], [], []
    for still, frame in zip(stills, planned):
        for label, history, run, look in zip(labels, histories, runs, looks):
            views.append(view_class(n_features)(X, snapshots(run, steps), options, look, truth=shown_truth))
            held = history.n_iterations < still.iteration
            status = (" (converged)" if history.converged else f" (stopped at {history.n_iterations})") if held else ""
            titles.append(f"{label}\n{still.title}{status}")
            drawn.append((run, frame))
    share_limits(views)
    widest = max(range(len(runs)), key=lambda r: len(looks[r].colours))
    figure = _panels(views, titles, looks[widest], len(runs), axis_labels(options, n_features, feature_names))
    unassigned = any(frame.coloured_by is None for frame in planned)
    _add_legend(figure, views[widest], looks[widest], unassigned=unassigned)
    engine = figure.get_layout_engine()
    assert engine is not None, "the figure is made with the constrained layout engine"
    engine.execute(figure)
    responsibilities = Responsibilities(X)
    for view, (run, frame) in zip(views, drawn):
        view.after_layout()
        colouring = None if frame.coloured_by is None else view.colouring(responsibilities, run[frame.coloured_by[0]])
        view.update(run[frame.step], colouring, final=frame.step == run.n_iterations and frame.phase != "E")
        for artist in view.animated_artists:
            artist.set_animated(False)
    return figure


def _panels(views: list, titles: list[str], look: Look, columns: int | None, labels: tuple[str, ...] | None) -> Figure:
    """A figure with one titled axes per view, ``columns`` to a row; axis labels on the outer panels only."""
    from matplotlib.figure import Figure

    theme = look.theme
    n_columns = max(1, min(columns or 3, len(views)))
    n_rows = -(-len(views) // n_columns)
    panel_height = PANEL_INCHES * _panel_shape(views[0])
    figure = Figure(
        figsize=(n_columns * PANEL_INCHES, n_rows * panel_height + LEGEND_INCHES),
        facecolor=theme.background,
        layout="constrained",
    )
    grid = figure.add_gridspec(n_rows, n_columns)
    for index, (view, title) in enumerate(zip(views, titles)):
        row, column = divmod(index, n_columns)
        axes = figure.add_subplot(grid[row, column])
        style_axes(axes, theme, line_width=0.6, font_size=FONT_SIZE - 1)
        view.draw_on(axes, labels=labels)
        if view.equal_aspect:
            axes.set_aspect("equal", adjustable="box")
        if index + n_columns < len(views):  # a panel below shows the same x label
            axes.set_xlabel("")
        if column:
            axes.set_ylabel("")
        axes.set_title(title, fontsize=FONT_SIZE + 1, color=theme.foreground)
    return figure


def _panel_shape(view: object) -> float:
    """A panel's height over its width: the plane's data aspect (within reason), else 3:4."""
    aspect = float(getattr(view, "data_aspect", 0.0))
    return float(np.clip(1 / aspect, 0.6, 1.4)) if aspect > 0 else 0.75


def _add_legend(figure: Figure, view, look: Look, *, unassigned: bool) -> None:
    """One legend for every panel, below them: the components, then the rest as the animation's legend has them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D

    components, others, labels, title = view.legend_entries()
    names = [f"component {k + 1}" for k in range(len(components))]
    if unassigned:
        marker = "o" if view.equal_aspect else "|"  # the plane's dots, the line view's rug
        others = [*others, Line2D([], [], linestyle="none", marker=marker, markersize=4, color=look.theme.unassigned)]
        labels = [*labels, "not yet assigned"]
    handles, texts = [*components, *others], [*names, *labels]
    renderer = FigureCanvasAgg(figure).get_renderer()
    for ncols in range(len(handles), 0, -1):
        # matplotlib fills columns first; reorder so the entries read row by row
        order = [i for column in range(ncols) for i in range(column, len(handles), ncols)]
        legend = figure.legend(
            [handles[i] for i in order],
            [texts[i] for i in order],
            loc="outside lower center",
            ncols=ncols,
            frameon=False,
            fontsize=FONT_SIZE,
            title=title,
            title_fontsize=FONT_SIZE,
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        )
        if ncols == 1 or legend.get_window_extent(renderer).width <= 0.98 * figure.bbox.width:
            break
        legend.remove()
    for text in legend.get_texts():
        text.set_color(look.theme.foreground)
    legend.get_title().set_color(look.theme.foreground)


def still_bytes(figure: Figure, format: str) -> bytes:
    """The figure as a PDF, SVG or PNG file (``PNG_DPI``), the same bytes for the same figure.

    The creation date is left out and SVG element ids are seeded, so a
    figure drawn twice gives the same file.
    """
    import matplotlib

    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}, "png": {}}[format]
    buffer = BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "gmm-anim", "svg.fonttype": "path"}):
        figure.savefig(buffer, format=format, dpi=PNG_DPI, facecolor=figure.get_facecolor(), metadata=metadata)
    return buffer.getvalue()
