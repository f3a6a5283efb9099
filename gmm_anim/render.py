"""Draw the frames of the EM animation from the data and a History.

One explicit matplotlib Figure on an Agg canvas is laid out and drawn once; its
static parts (axes, ticks, legend, true ellipses) are kept as a pixel
background, and per frame only the changing artists (points, ellipses, means,
title) are updated in place and blitted over it. Frame i shows the parameters
after i EM steps and the responsibilities they give, recomputed for that frame
only, so memory does not grow with the number of iterations. Nothing is
written to disk here.

Only features 0 and 1 are shown (their marginal ellipses are exact). With one
feature the points lie on the line y = 0 and each ellipse collapses to the
interval mean +- nsig standard deviations on that line.
"""

from __future__ import annotations

import colorsys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .history import History, Mixture

if TYPE_CHECKING:
    from matplotlib.collections import PathCollection
    from matplotlib.legend import Legend
    from matplotlib.patches import Ellipse
    from matplotlib.text import Text

    from .config import RenderConfig

__all__ = [
    "FrameRenderer",
    "component_colours",
    "count_frames",
    "ellipse_geometry",
    "key_colours",
    "level_colours",
    "point_colours",
    "render_frames",
]

DPI = 100  # the figure is width/DPI x height/DPI inches: exactly width x height pixels
BACKGROUND = (1.0, 1.0, 1.0)
FOREGROUND = (0.0, 0.0, 0.0)  # text, ticks, spines and the outline of the mean markers
TRUTH_COLOUR = (64 / 255, 64 / 255, 64 / 255)
OUTER_LIGHTENING = 0.5  # the outermost sigma level is mixed this far towards the background
MARGIN = 0.05  # fraction of the data range left free around everything drawn

# matplotlib's tab10, as bytes so that every drawn colour is exactly representable
_TAB10 = ("1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2", "7f7f7f", "bcbd22", "17becf")


# ---------------------------------------------------------------------------
# Colours (pure numpy, every colour a multiple of 1/255 so the GIF palette can hold it exactly)


def component_colours(n_components: int) -> np.ndarray:
    """RGB in [0, 1] for each component: tab10, or evenly spaced hues beyond ten.

    Returns an array of shape (n_components, 3).
    """
    if n_components <= len(_TAB10):
        hexes = _TAB10[:n_components]
        return np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in hexes], dtype=np.float64) / 255
    hues = np.arange(n_components) / n_components
    rgb = np.array([colorsys.hsv_to_rgb(h, 0.75, 0.85) for h in hues])
    return np.round(rgb * 255) / 255


def level_colours(colours: np.ndarray, n_levels: int) -> np.ndarray:
    """Outline colour of each component at each sigma level, innermost first.

    The innermost level is the component colour; outer levels are mixed
    towards the background so the eye reads them as the same component, fainter.

    colours : array of shape (n_components, 3)
    Returns an array of shape (n_levels, n_components, 3).
    """
    fractions = OUTER_LIGHTENING * np.arange(n_levels) / max(n_levels - 1, 1)
    background = np.asarray(BACKGROUND)
    mixed = colours[None] + fractions[:, None, None] * (background - colours[None])
    return np.round(mixed * 255) / 255


def point_colours(resp: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """The convex blend of component colours by responsibility.

    No per-channel normalisation, so colours do not drift between frames.
    The blend is rounded to the 1/255 grid the pixels are drawn on anyway, so
    a point owned by component k (responsibility within 1/510 of 1) gets
    exactly colour k, whatever rounding left in the other entries.

    resp : array of shape (n_samples, n_components), rows summing to 1
    colours : array of shape (n_components, 3), RGB in [0, 1] on the 1/255 grid
    Returns an array of shape (n_samples, 3).
    """
    blend = np.clip(resp @ colours, 0.0, 1.0)
    return np.round(blend * 255) / 255


def _sigma_levels(options: RenderConfig) -> np.ndarray:
    """The sigma levels drawn, innermost first, without repeats."""
    return np.unique(np.asarray(options.sigmas, dtype=np.float64))


def key_colours(history: History, options: RenderConfig) -> np.ndarray:
    """The colours the GIF palette must contain exactly, as bytes.

    Background, foreground (text and axes), each component colour at each
    sigma level, and the truth colour when truth may be drawn.

    Returns an array of shape (n_colours, 3), dtype uint8, without repeats.
    """
    n_components = history.weights.shape[1]
    levels = level_colours(component_colours(n_components), len(_sigma_levels(options)))
    parts = [np.array([BACKGROUND, FOREGROUND]), levels.reshape(-1, 3)]
    if options.truth:
        parts.append(np.array([TRUTH_COLOUR]))
    colours = np.round(np.concatenate(parts) * 255).astype(np.uint8)
    _, first = np.unique(colours, axis=0, return_index=True)
    return colours[np.sort(first)]


# ---------------------------------------------------------------------------
# Geometry of what is shown: the plane of features 0 and 1


def ellipse_geometry(covariances: np.ndarray, nsig: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Width, height and angle (degrees) of the nsig ellipse of 2x2 covariances.

    The width lies along the leading eigenvector.

    covariances : array of shape (..., 2, 2)
    Returns three arrays of shape (...).
    """
    eigvals, eigvecs = np.linalg.eigh(covariances)
    # a near-singular covariance can come back with a tiny negative eigenvalue
    eigvals = np.clip(eigvals, 0.0, None)
    width = 2.0 * nsig * np.sqrt(eigvals[..., 1])
    height = 2.0 * nsig * np.sqrt(eigvals[..., 0])
    angle = np.degrees(np.arctan2(eigvecs[..., 1, 1], eigvecs[..., 0, 1]))
    return width, height, angle


def _ellipse_half_extents(covariances: np.ndarray, nsig: float) -> np.ndarray:
    """Half width and half height of the box around the nsig ellipses: shape (..., 2)."""
    eigvals, eigvecs = np.linalg.eigh(covariances)
    eigvals = np.clip(eigvals, 0.0, None)
    # the ellipse's reach along axis i is nsig * sqrt(sum_j eigval_j * eigvec_ij**2)
    return nsig * np.sqrt(np.einsum("...ij,...j->...i", eigvecs**2, eigvals))


def _plane_points(X: np.ndarray) -> np.ndarray:
    """(n, D) -> (n, 2): features 0 and 1, or feature 0 on the line y = 0."""
    return X[:, :2] if X.shape[1] >= 2 else np.column_stack([X[:, 0], np.zeros(len(X))])


def _plane(means: np.ndarray, covariances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means (..., D) and covariances (..., D, D) -> (..., 2) and (..., 2, 2).

    The marginal of features 0 and 1; with one feature, zero spread off the line y = 0.
    """
    if means.shape[-1] >= 2:
        return means[..., :2], covariances[..., :2, :2]
    plane_covariances = np.zeros(covariances.shape[:-2] + (2, 2))
    plane_covariances[..., 0, 0] = covariances[..., 0, 0]
    return np.concatenate([means, np.zeros_like(means)], axis=-1), plane_covariances


def _limits(points: np.ndarray, means: np.ndarray, covariances: np.ndarray, nsig: float) -> np.ndarray:
    """[[xmin, xmax], [ymin, ymax]] covering points and every nsig ellipse, with a margin.

    points : (n, 2); means : (m, 2); covariances : (m, 2, 2)
    """
    reach = _ellipse_half_extents(covariances, nsig)
    low = np.minimum(points.min(axis=0), (means - reach).min(axis=0))
    high = np.maximum(points.max(axis=0), (means + reach).max(axis=0))
    span = high - low
    # a flat direction (one feature, or identical points) still needs some room
    span = np.where(span > 0, span, max(span.max(), 1.0))
    return np.column_stack([low - MARGIN * span, high + MARGIN * span])


# ---------------------------------------------------------------------------
# The figure


class FrameRenderer:
    """One figure drawn once; ``draw(i)`` blits frame i and returns its pixels.

    The changing artists are public so that callers and tests can inspect
    them: ``points`` (scatter of the data), ``ellipses[k][l]`` (component k at
    the l-th sigma level, innermost first), ``means`` (scatter of the means),
    ``title``; the static ones are ``truth_ellipses`` and ``legend`` (None
    when the frame is too small for it).
    """

    points: PathCollection
    ellipses: list[list[Ellipse]]
    means: PathCollection
    title: Text

    def __init__(
        self, X: np.ndarray, history: History, options: RenderConfig, *, truth: Mixture | None = None
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .em import responsibilities

        if X.ndim != 2 or X.shape[1] != history.means.shape[2]:
            raise ValueError(
                f"X must have shape (n_samples, {history.means.shape[2]}) to match the history, got {X.shape}"
            )
        self._responsibilities = responsibilities
        self._X = X
        self._history = history
        self._options = options
        self._levels = _sigma_levels(options)
        self.colours = component_colours(history.weights.shape[1])
        self._scale = float(np.clip(np.sqrt(options.width * options.height) / 600, 0.5, 3.0))

        self.figure = Figure(
            figsize=(options.width / DPI, options.height / DPI), dpi=DPI, facecolor=BACKGROUND, layout="constrained"
        )
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot()
        # spines and ticks a whole number of pixels wide, so they are drawn crisp, without grey fringes
        axis_linewidth = max(1, round(self._scale)) * 72 / DPI
        self.axes.spines[:].set_linewidth(axis_linewidth)
        self.axes.tick_params(labelsize=9 * self._scale, colors=FOREGROUND, width=axis_linewidth)
        show_truth = truth is not None and options.truth
        self.truth_ellipses = self._add_truth(truth) if show_truth else []
        self._add_animated()
        self._fix_limits(truth if show_truth else None)
        self.legend = self._add_legend(show_truth)
        self._lay_out()
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    @property
    def animated_artists(self) -> list:
        """The artists redrawn every frame, in drawing (zorder) order."""
        return [self.points, *(e for row in self.ellipses for e in row), self.means, self.title]

    def update(self, iteration: int) -> None:
        """Set every changing artist to show the state after ``iteration`` EM steps."""
        mixture = self._history[iteration]
        resp = self._responsibilities(self._X, mixture)
        self.points.set_facecolors(point_colours(resp, self.colours))
        means, covariances = _plane(mixture.means, mixture.covariances)
        for level, row in zip(self._levels, zip(*self.ellipses)):
            widths, heights, angles = ellipse_geometry(covariances, level)
            for k, ellipse in enumerate(row):
                ellipse.set(center=means[k], width=widths[k], height=heights[k], angle=angles[k])
        self.means.set_offsets(means)
        self.title.set_text(self._title_text(iteration))

    def draw(self, iteration: int) -> np.ndarray:
        """Frame ``iteration`` as an array of shape (height, width, 3), dtype uint8."""
        self.update(iteration)
        self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            self.figure.draw_artist(artist)
        # the one copy: drop alpha into a fresh contiguous array
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    # -- construction ------------------------------------------------------

    def _title_text(self, iteration: int) -> str:
        return self._options.title.format(
            iteration=iteration, log_likelihood=float(self._history.log_likelihood[iteration])
        )

    def _add_truth(self, truth: Mixture) -> list[Ellipse]:
        from matplotlib.patches import Ellipse

        means, covariances = _plane(truth.means, truth.covariances)
        drawn = []
        for level in self._levels:
            for mean, width, height, angle in zip(means, *ellipse_geometry(covariances, level)):
                ellipse = Ellipse(
                    mean, width, height, angle=angle, fill=False, edgecolor=TRUTH_COLOUR,
                    linewidth=1.2 * self._scale, linestyle="--", zorder=2,
                )
                drawn.append(self.axes.add_patch(ellipse))
        return drawn

    def _add_animated(self) -> None:
        """Create the changing artists above every static one (zorder > 2.5, the axis lines)."""
        from matplotlib.patches import Ellipse

        points = _plane_points(self._X)
        self.points = self.axes.scatter(
            points[:, 0], points[:, 1], s=16 * self._scale**2, linewidths=0, zorder=3, animated=True
        )
        outlines = level_colours(self.colours, len(self._levels))
        self.ellipses = [
            [
                self.axes.add_patch(
                    Ellipse((0, 0), 0, 0, fill=False, edgecolor=outlines[l, k], linewidth=2 * self._scale,
                            zorder=4, animated=True)
                )
                for l in range(len(self._levels))
            ]
            for k in range(len(self.colours))
        ]
        first_means, _ = _plane(self._history.means[0], self._history.covariances[0])
        self.means = self.axes.scatter(
            first_means[:, 0], first_means[:, 1], marker="X", s=110 * self._scale**2, c=self.colours,
            edgecolors=FOREGROUND, linewidths=1.0 * self._scale, zorder=5, animated=True,
        )
        self.title = self.axes.set_title(self._title_text(0), fontsize=11 * self._scale, color=FOREGROUND)
        self.title.set_animated(True)
        self._fit_title()

    def _fit_title(self) -> None:
        """Shrink the title font until the widest title (first or last frame) fits the frame."""
        renderer = self.canvas.get_renderer()
        widest = 0.0
        for iteration in (0, len(self._history) - 1):
            self.title.set_text(self._title_text(iteration))
            widest = max(widest, self.title.get_window_extent(renderer).width)
        if widest > 0.96 * self._options.width:
            self.title.set_fontsize(self.title.get_fontsize() * 0.96 * self._options.width / widest)

    def _fix_limits(self, truth: Mixture | None) -> None:
        """Limits covering the data and every ellipse of every frame, fixed for the animation."""
        means, covariances = _plane(self._history.means, self._history.covariances)
        means, covariances = means.reshape(-1, 2), covariances.reshape(-1, 2, 2)
        if truth is not None:
            truth_means, truth_covariances = _plane(truth.means, truth.covariances)
            means = np.concatenate([means, truth_means])
            covariances = np.concatenate([covariances, truth_covariances])
        limits = _limits(_plane_points(self._X), means, covariances, float(self._levels.max()))
        self.axes.set_xlim(*limits[0])
        self.axes.set_ylim(*limits[1])
        self._data_aspect = (limits[0, 1] - limits[0, 0]) / (limits[1, 1] - limits[1, 0])

    def _legend_handles(self, show_truth: bool) -> tuple[list, list[str]]:
        """Handles drawn like the artists they name: outlines for outlines, a cross for means."""
        from matplotlib.lines import Line2D

        outlines = level_colours(self.colours, len(self._levels))
        sigmas = ", ".join(f"{level:g}σ" for level in self._levels)
        handles: list = []
        labels = []
        for k in range(len(self.colours)):
            lines = tuple(Line2D([], [], color=colour, linewidth=2 * self._scale) for colour in outlines[:, k])
            handles.append(lines if len(lines) > 1 else lines[0])
            labels.append(f"component {k + 1} ({sigmas})")
        if show_truth:
            handles.append(Line2D([], [], color=TRUTH_COLOUR, linewidth=1.2 * self._scale, linestyle="--"))
            labels.append(f"true ({sigmas})")
        handles.append(
            Line2D([], [], linestyle="none", marker="X", markersize=np.sqrt(110) * self._scale,
                   markerfacecolor=BACKGROUND, markeredgecolor=FOREGROUND, markeredgewidth=self._scale)
        )
        labels.append("mean")
        return handles, labels

    def _add_legend(self, show_truth: bool) -> Legend:
        """A frameless legend outside the axes, on the side that leaves the axes box closest to the data's shape."""
        from matplotlib.legend_handler import HandlerTuple

        handles, labels = self._legend_handles(show_truth)
        beside = self._options.width / self._options.height > self._data_aspect
        renderer = self.canvas.get_renderer()
        for ncols in [1] if beside else range(len(handles), 0, -1):
            # matplotlib fills columns first; reorder so the entries read row by row
            order = [i for col in range(ncols) for i in range(col, len(handles), ncols)]
            legend = self.figure.legend(
                [handles[i] for i in order], [labels[i] for i in order], ncols=ncols,
                loc="outside right upper" if beside else "outside lower center", frameon=False,
                fontsize=9 * self._scale, labelcolor=FOREGROUND, handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
            )
            if beside or ncols == 1 or legend.get_window_extent(renderer).width <= 0.98 * self._options.width:
                return legend
            legend.remove()
        raise AssertionError("unreachable: the loop returns at ncols == 1")

    def _lay_out(self) -> None:
        """Let constrained layout place axes, title and legend, then freeze it and fill the box.

        A small frame sheds the legend, then the tick labels, until the axes
        box keeps at least half the figure in each direction.
        """
        base_limits = self.axes.get_xlim(), self.axes.get_ylim()
        for shed in (None, self._shed_legend, self._shed_tick_labels):
            if shed is not None:
                shed()
            if self._layout_fits():
                break
        self._fill_box()
        # once more, so the layout makes room for the tick labels of the filled limits
        self._layout_fits()
        self.figure.set_layout_engine("none")
        self.axes.set_xlim(base_limits[0])
        self.axes.set_ylim(base_limits[1])
        self._fill_box()
        # the filled limits already have equal aspect, so this only records the intent
        self.axes.set_aspect("equal", adjustable="box")

    def _layout_fits(self) -> bool:
        """Run the layout (every draw step but rasterising); False if the axes box came out too small."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.figure.draw_without_rendering()
        collapsed = False
        for warning in caught:
            if "constrained_layout not applied" in str(warning.message):
                collapsed = True
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        box = self.axes.get_position()
        return not collapsed and min(box.width, box.height) >= 0.5

    def _shed_legend(self) -> None:
        if self.legend is not None:
            self.legend.remove()
            self.legend = None

    def _shed_tick_labels(self) -> None:
        self.axes.tick_params(labelbottom=False, labelleft=False)

    def _fill_box(self) -> None:
        """Widen the limits so that equal aspect fills the axes box exactly."""
        box = self.axes.get_window_extent()
        (x0, x1), (y0, y1) = self.axes.get_xlim(), self.axes.get_ylim()
        box_aspect = box.width / box.height
        if (x1 - x0) / (y1 - y0) < box_aspect:
            half, centre = (y1 - y0) * box_aspect / 2, (x0 + x1) / 2
            self.axes.set_xlim(centre - half, centre + half)
        else:
            half, centre = (x1 - x0) / box_aspect / 2, (y0 + y1) / 2
            self.axes.set_ylim(centre - half, centre + half)


# ---------------------------------------------------------------------------
# Public entry points


def count_frames(history: History, options: RenderConfig) -> int:
    """Frames in the animation: one per snapshot of the history."""
    return len(history)


def render_frames(
    X: np.ndarray, history: History, options: RenderConfig, *, truth: Mixture | None = None
) -> Iterator[np.ndarray]:
    """Yield the frames one at a time, each of shape (height, width, 3), dtype uint8.

    X : array of shape (n_samples, n_features), the data EM was run on.
    Nothing is drawn until the first frame is asked for.
    """
    renderer = FrameRenderer(X, history, options, truth=truth)
    for iteration in range(count_frames(history, options)):
        yield renderer.draw(iteration)
