"""Runs side by side (``compare``): one panel per run in a grid, advancing together one iteration per frame.

Every panel shows the same points with the same limits, palette and sigma
levels (a view per run, plane_view or line_view, on its own axes); one
figure legend serves them all. The runs share one frame plan, made from the
longest run's iterations: a run that stopped earlier holds its last
snapshot (its history is padded with it), so its panel stops changing, and
its title says it converged. Each panel's title is the run's label and its
current log-likelihood; on the last frame the run with the lowest BIC says
so. With ``render.loglik`` one panel beside or below the grid holds one
curve per run.

As in frames.py, the figure is laid out and drawn once, and per frame only
the changing artists are drawn over the kept background. Memory grows
linearly in the runs: a view (the points' colours) and a history per run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from ..history import History, Mixture
from .frame_plan import FramePlan, frame_count
from .frames import axis_labels, check_options, key_colours, look_for, snapshots, view_class
from .geometry import mixture_at
from .grid import grid_shape, padded, panel_room, share_limits
from .layout import style_axes
from .run_curves import RunCurves, run_styles
from .style import DPI, THEMES, font_scale, size_scale, to_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

    from ..config import RenderConfig
    from .line_view import LineView
    from .plane_view import PlaneView

__all__ = ["ComparisonRenderer", "comparison_key_colours", "count_comparison_frames", "render_comparison"]

LOGLIK_SHARE = 0.35  # the log-likelihood panel's share of the frame's height (below) or width (beside)


def _longest(histories: Sequence[History]) -> int:
    return max(history.n_iterations for history in histories)


def count_comparison_frames(histories: Sequence[History], options: RenderConfig) -> int:
    """Frames of the grid: the longest run's frame count (``frames.count_frames`` of it)."""
    n_shown = len(options.shown_iterations(_longest(histories)))
    return frame_count(n_shown, tween=options.tween, half_steps=options.half_steps)


def comparison_key_colours(histories: Sequence[History], options: RenderConfig) -> np.ndarray:
    """The colours the GIF palette must hold exactly: the widest run's (``frames.key_colours``), the curves'."""
    widest = max(histories, key=lambda history: history.weights.shape[1])
    parts = [key_colours(widest, options)]
    if options.loglik:
        parts.append(to_bytes(np.array([colour for colour, _ in run_styles(len(histories), options.theme)])))
    return to_bytes(np.concatenate(parts) / 255.0)


class ComparisonRenderer:
    """One figure of a panel per run; ``draw(f)`` blits frame f and returns its pixels.

    ``views`` (one PlaneView or LineView per run), ``axes`` (theirs),
    ``panel_titles`` (a Text per run), ``loglik`` (with ``render.loglik``, the
    RunCurves; else None), ``title`` (the frame's).
    """

    def __init__(
        self,
        X: np.ndarray,
        histories: Sequence[History],
        labels: Sequence[str],
        options: RenderConfig,
        *,
        truth: Mixture | None = None,
        best: int | None = None,
        source: object = "render",
        feature_names: Sequence[str] | None = None,
    ) -> None:
        from ..em import Responsibilities

        n_features = histories[0].means.shape[2]
        if X.ndim != 2 or X.shape[1] != n_features:
            raise ValueError(f"X must have shape (n_samples, {n_features}) to match the histories, got {X.shape}")
        check_options(options, n_features, max(history.weights.shape[1] for history in histories), source=source)
        self._check_frames(options, histories, source)
        self._responsibilities = Responsibilities(X)
        self._n_samples = len(X)
        self._options, self._histories, self.labels, self.best = options, list(histories), list(labels), best
        longest = _longest(histories)
        self._shown = options.shown_iterations(longest)
        self.plan = FramePlan(self._shown, tween=options.tween, half_steps=options.half_steps)
        self._first_run = padded(histories[0], longest)
        self._paths = [snapshots(padded(history, longest), self._shown) for history in histories]
        shown_truth = truth if options.truth else None
        theme = THEMES[options.theme]
        self.theme = theme
        cls = view_class(n_features)
        self.views: list[PlaneView | LineView] = [
            cls(X, path, options, look_for(path, options, shown_truth), truth=shown_truth) for path in self._paths
        ]
        share_limits(self.views)
        self._below = self._loglik_goes_below()
        self.rows, self.columns = self._shape()
        cell_height = options.height * (1 - (self._loglik_share() if self._loglik_below() else 0)) / self.rows
        cell_width = options.width * (1 - (0 if self._loglik_below() else self._loglik_share())) / self.columns
        self.scale = size_scale(round(cell_width), round(cell_height))
        for view in self.views:  # lines, markers and text sized for a panel, not the whole frame
            view.look = replace(view.look, scale=self.scale)
        self._coloured: list[tuple[object, np.ndarray | None]] = [(None, None)] * len(self.views)
        self._build_figure(n_features, feature_names)

    # -- checks and shape --------------------------------------------------------

    @staticmethod
    def _check_frames(options: RenderConfig, histories: Sequence[History], source: object) -> None:
        from ..config.field_checks import frames_missed

        missed = frames_missed(options.frames, _longest(histories), "the longest run's last iteration")
        if missed is not None:
            raise ConfigError(source, "render.frames", missed)

    def _loglik_share(self) -> float:
        return LOGLIK_SHARE if self._options.loglik else 0.0

    def _wide(self) -> bool:
        """A frame wide enough to put the legend beside the grid, not below it."""
        return self._options.width >= 1.6 * self._options.height

    def _loglik_below(self) -> bool:
        return self._below

    def _loglik_goes_below(self) -> bool:
        """The log-likelihood panel goes below the grid or beside it, whichever leaves the panels more room."""
        if not self._options.loglik:
            return True
        room = {
            below: panel_room(len(self._paths), *self._grid_area(below), self.views[0].data_aspect)[0]
            for below in (True, False)
        }
        return room[True] >= room[False]

    def _cell_pad(self) -> tuple[float, float]:
        """Pixels of a panel's cell that are not its drawing: tick labels beside, a two-line title and ticks."""
        font = font_scale(size_scale(self._options.width, self._options.height))
        return 30 * font, 45 * font

    def _grid_area(self, below: bool) -> tuple[float, float]:
        """Width and height left for the grid of panels: less the title, the legend, the log-likelihood panel."""
        font = font_scale(size_scale(self._options.width, self._options.height))
        width, height = float(self._options.width), self._options.height - 70 * font
        if self._options.loglik:
            if below:
                height *= 1 - LOGLIK_SHARE
            else:
                width *= 1 - LOGLIK_SHARE
        return width, height

    def _shape(self) -> tuple[int, int]:
        """Rows and columns for the frame's shape, less the log-likelihood panel's room and the legend's."""
        return grid_shape(
            len(self._paths), *self._grid_area(self._below), self.views[0].data_aspect, pad=self._cell_pad()
        )

    # -- the figure --------------------------------------------------------------

    def _build_figure(self, n_features: int, feature_names: Sequence[str] | None) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        options, theme = self._options, self.theme
        self.font = font_scale(self.scale)
        self.figure = Figure(
            figsize=(options.width / DPI, options.height / DPI),
            dpi=DPI,
            facecolor=theme.background,
            layout="constrained",
        )
        self.canvas = FigureCanvasAgg(self.figure)
        grid_area, panel_area = self._areas()
        cells = grid_area.subgridspec(self.rows, self.columns)
        labels = axis_labels(options, n_features, feature_names)
        self.axes: list[Axes] = []
        for index, view in enumerate(self.views):
            row, column = divmod(index, self.columns)
            axes = self.figure.add_subplot(cells[row, column])
            style_axes(axes, theme, line_width=max(1, round(self.scale)) * 72 / DPI, font_size=8 * self.font)
            view.draw_on(axes, labels=labels)
            self._outer_labels_only(axes, row, column)
            self.axes.append(axes)
        self.loglik = None if panel_area is None else self._add_loglik(panel_area)
        self._titles = [self._frame_title(f) for f in range(len(self.plan))]
        self.panel_titles = self._add_panel_titles()
        self.title = self._add_title()
        self._add_legend()
        self._settle()
        self._draw_background()

    def _areas(self):
        """The gridspec cells of the panel grid and of the log-likelihood panel (None without it)."""
        if not self._options.loglik:
            return self.figure.add_gridspec(1, 1)[0], None
        share = LOGLIK_SHARE / (1 - LOGLIK_SHARE)
        if self._loglik_below():
            outer = self.figure.add_gridspec(2, 1, height_ratios=[1.0, share])
        else:
            outer = self.figure.add_gridspec(1, 2, width_ratios=[1.0, share])
        return outer[0], outer[1]

    def _outer_labels_only(self, axes: Axes, row: int, column: int) -> None:
        """Tick and axis labels on the grid's left column and bottom panels only: the limits are shared."""
        bottom = (row + 1) * self.columns + column >= len(self.views)
        if column > 0:
            axes.tick_params(labelleft=False)
            axes.set_ylabel("")
        if not bottom:
            axes.tick_params(labelbottom=False)
            axes.set_xlabel("")

    def _add_loglik(self, area) -> RunCurves:
        axes = self.figure.add_subplot(area)
        style_axes(axes, self.theme, line_width=max(1, round(self.scale)) * 72 / DPI, font_size=8 * self.font)
        return RunCurves(
            axes,
            [history.log_likelihood for history in self._histories],
            self.labels,
            self._n_samples,
            last=self._shown[-1],
            theme=self.theme,
            theme_name=self._options.theme,
            scale=self.scale,
            font=self.font,
        )

    def _panel_title(self, run: int, frame: int) -> str:
        """The run's label, then its log-likelihood at the frame's parameters, converged, lowest BIC."""
        planned = self.plan.frames[frame]
        path, history = self._paths[run], self._histories[run]
        drawn = self._shown[planned.step]
        label = self.labels[run] + (" · lowest BIC" if frame == len(self.plan) - 1 and run == self.best else "")
        text = f"{label}\nlog L = {float(path.log_likelihood[planned.step]):.1f}"
        if drawn >= history.n_iterations:  # the run has reached its last snapshot: it holds it from here
            if history.converged:
                text += " (converged)"
            elif history.n_iterations < self._shown[-1]:
                text += f" (stopped at {history.n_iterations})"
        return text

    def _frame_title(self, frame: int) -> str:
        """render.title; its {log_likelihood} is the first run's."""
        planned = self.plan.frames[frame]
        return self.plan.title(planned, self._options.title, self._first_run.log_likelihood)

    def _add_panel_titles(self) -> list[Text]:
        """An animated title per panel, its font shrunk until the widest of its texts fits the panel."""
        renderer = self.canvas.get_renderer()
        cell_width = 0.85 * self._options.width * (1 - (0 if self._loglik_below() else self._loglik_share()))
        cell_width /= self.columns
        texts = []
        for run, axes in enumerate(self.axes):
            candidates = [self._panel_title(run, f) for f in (0, len(self.plan) - 1)]
            title = axes.set_title(candidates[-1], fontsize=8.5 * self.font, color=self.theme.foreground)
            widest = max(self._width(title, text, renderer) for text in candidates)
            if widest > cell_width:
                title.set_fontsize(float(title.get_fontsize()) * cell_width / widest)
            title.set_animated(True)
            texts.append(title)
        size = min(float(title.get_fontsize()) for title in texts)
        for title in texts:
            title.set_fontsize(size)
        return texts

    @staticmethod
    def _width(title: Text, text: str, renderer) -> float:
        title.set_text(text)
        return float(title.get_window_extent(renderer).width)

    def _add_title(self) -> Text:
        """The frame's title (render.title), shrunk until the widest fits the frame."""
        title = self.figure.suptitle(self._titles[0], fontsize=10.5 * self.font, color=self.theme.foreground)
        renderer = self.canvas.get_renderer()
        widest = max(self._width(title, text, renderer) for text in {self._titles[0], self._titles[-1]})
        if widest > 0.96 * self._options.width:
            title.set_fontsize(float(title.get_fontsize()) * 0.96 * self._options.width / widest)
        title.set_text(self._titles[0])
        title.set_animated(True)
        return title

    def _add_legend(self) -> None:
        """One legend for every panel: the widest run's components (numbered as in each), truth, means, sigmas."""
        widest = max(range(len(self.views)), key=lambda run: len(self.views[run].look.colours))
        components, others, labels, title = self.views[widest].legend_entries()
        names = [f"{k + 1}" for k in range(len(components))]
        below = not self._wide()
        handles = [*components, *others]
        texts = [*names, *labels]
        from matplotlib.legend_handler import HandlerTuple

        self.legend = self.figure.legend(
            handles,
            texts,
            ncols=len(handles) if below else 1,
            loc="outside lower center" if below else "outside right center",
            frameon=False,
            fontsize=8 * self.font,
            labelcolor=self.theme.foreground,
            title=f"components; {title}" if title else "components",
            title_fontsize=8 * self.font,
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        )
        self.legend.get_title().set_color(self.theme.foreground)
        if below:
            self._fit_legend_columns(handles, texts)

    def _fit_legend_columns(self, handles: list, texts: list[str]) -> None:
        """Fewer legend columns until the legend fits the frame's width."""
        renderer = self.canvas.get_renderer()
        columns = len(handles)
        while columns > 1 and self.legend.get_window_extent(renderer).width > 0.98 * self._options.width:
            columns -= 1
            self.legend.set_ncols(columns)

    def _settle(self) -> None:
        """Lay the figure out once, freeze it, and give every equal-aspect panel the same limits filling its box."""
        import warnings

        engine = self.figure.get_layout_engine()
        assert engine is not None, "the figure is made with the constrained layout engine"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a frame too small keeps its last attempt
            engine.execute(self.figure)
        self.figure.set_layout_engine("none")
        if self.views[0].equal_aspect:
            self._fill_boxes()
        for view in self.views:
            view.after_layout()

    def _fill_boxes(self) -> None:
        """The shared limits widened to the panels' box shape; equal aspect then sizes every box alike."""
        boxes = [axes.get_window_extent() for axes in self.axes]
        box_aspect = min(box.width for box in boxes) / min(box.height for box in boxes)
        axes = self.axes[0]
        (x0, x1), (y0, y1) = axes.get_xlim(), axes.get_ylim()
        if (x1 - x0) / (y1 - y0) < box_aspect:
            half, centre = (y1 - y0) * box_aspect / 2, (x0 + x1) / 2
            x0, x1 = centre - half, centre + half
        else:
            half, centre = (x1 - x0) / box_aspect / 2, (y0 + y1) / 2
            y0, y1 = centre - half, centre + half
        for axes in self.axes:
            axes.set_xlim(x0, x1)
            axes.set_ylim(y0, y1)
            axes.set_aspect("equal", adjustable="box")
            axes.apply_aspect()

    def _draw_background(self) -> None:
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    # -- frames ------------------------------------------------------------------

    @property
    def animated_artists(self) -> list:
        """The artists drawn every frame, in drawing order."""
        views = [artist for view in self.views for artist in view.animated_artists]
        curves = [] if self.loglik is None else self.loglik.animated_artists
        return [*views, *curves, *self.panel_titles, self.title]

    def update(self, frame: int) -> None:
        """Set every changing artist to show frame ``frame``."""
        planned = self.plan.frames[frame]
        final = frame == len(self.plan) - 1
        fraction = self.plan.fraction(planned.offset)
        for run, (view, path) in enumerate(zip(self.views, self._paths)):
            mixture = mixture_at(path, planned.step, fraction)
            view.update(mixture, self._resp(run, planned.coloured_by, mixture, planned), final=final)
            self.panel_titles[run].set_text(self._panel_title(run, frame))
        if self.loglik is not None:
            self.loglik.update(*self.plan.position(planned))
        self.title.set_text(self._titles[frame])

    def _resp(self, run: int, key: tuple[int, int] | None, drawn: Mixture, planned) -> np.ndarray | None:
        """What colours the run's points (``view.colouring``), computed again only when the colouring mixture changes.

        A run held at its last snapshot keeps its colours without work.
        """
        if key is None:
            return None
        same = key == (planned.step, planned.offset)
        colouring = drawn if same else mixture_at(self._paths[run], key[0], self.plan.fraction(key[1]))
        cached_mixture, cached = self._coloured[run]
        if isinstance(cached_mixture, Mixture) and _same_mixture(cached_mixture, colouring):
            return cached
        coloured = self.views[run].colouring(self._responsibilities, colouring)
        self._coloured[run] = (colouring, coloured)
        return coloured

    def draw(self, frame: int) -> np.ndarray:
        """Frame ``frame`` as an array of shape (height, width, 3), dtype uint8, owning its memory."""
        self.update(frame)
        self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            self.figure.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba()).copy()[..., :3]


def _same_mixture(a: Mixture, b: Mixture) -> bool:
    return (
        np.array_equal(a.weights, b.weights)
        and np.array_equal(a.means, b.means)
        and np.array_equal(a.covariances, b.covariances)
    )


def render_comparison(
    X: np.ndarray,
    histories: Sequence[History],
    labels: Sequence[str],
    options: RenderConfig,
    *,
    truth: Mixture | None = None,
    best: int | None = None,
    source: object = "render",
    feature_names: Sequence[str] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the grid's frames one at a time, each of shape (height, width, 3), dtype uint8.

    X : array of shape (n_samples, n_features), the points every run fitted.
    histories, labels : one per run; best : the run marked on the last frame (lowest BIC).
    """
    renderer = ComparisonRenderer(
        X, histories, labels, options, truth=truth, best=best, source=source, feature_names=feature_names
    )
    return (renderer.draw(frame) for frame in range(len(renderer.plan)))
