"""The view of one feature: a histogram, the weighted component and mixture densities, a rug.

The histogram of the points is static. Per frame the curves pi_k N(x | mu_k,
sigma_k^2) of each component and their sum (the mixture) move, each mean is
marked at the peak of its curve, and the points sit in a rug below the axis
coloured by the responsibility blend (a one-row density raster above
``render.max_points`` points). The true components are dashed curves. The
vertical limits hold the highest curve of every frame, tween frames included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..history import History, Mixture
from .density_raster import DensityRaster, point_colouring, raster_artist
from .geometry import span_limits, weighted_densities
from .layout import truth_and_mean_handles
from .style import Look, point_colours

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D

    from ..config import RenderConfig
    from ..em import Responsibilities

__all__ = ["LineView"]

CURVE_POINTS = 400
RUG_BAND = 0.12  # height of the rug strip below zero, as a fraction of the highest density
HEADROOM = 1.08
LIMIT_FRACTIONS = np.linspace(0.0, 1.0, 5)[:-1]  # where between iterations the curve heights are sampled
MEAN_MARKER_AREA = 90


def _densities(x: np.ndarray, mixture: Mixture) -> np.ndarray:
    """Weighted component densities of a one-feature mixture at x (m,): shape (K, m)."""
    return weighted_densities(x, mixture.weights, mixture.means[:, 0], mixture.covariances[:, 0, 0])


class LineView:
    """Feature 0 of one-dimensional data with the mixture's densities over its histogram.

    The changing artists (after ``draw_on``): ``rug`` (a scatter, or
    ``raster``, a one-row image, for many points), ``truth_curves[j]``,
    ``curves[k]``, ``mixture_curve``, ``means``.
    """

    equal_aspect = False
    data_aspect = 0.0
    rug: PathCollection | None
    raster: AxesImage | None
    curves: list[Line2D]
    truth_curves: list[Line2D]
    mixture_curve: Line2D
    means: PathCollection

    def __init__(
        self, X: np.ndarray, history: History, options: RenderConfig, look: Look, *, truth: Mixture | None
    ) -> None:
        self.look = look
        self.x = np.ascontiguousarray(X[:, 0])
        self.use_raster = len(X) > options.max_points
        self.truth = truth
        # the data and every mean; wide early components may run off the sides, as densities do
        drawn = [self.x, history.means[..., 0].ravel()] + ([truth.means[:, 0]] if truth is not None else [])
        low, high = min(float(a.min()) for a in drawn), max(float(a.max()) for a in drawn)
        self.x_limits = span_limits(np.array([low]), np.array([high]))[0]
        self.grid = np.linspace(self.x_limits[0], self.x_limits[1], CURVE_POINTS)
        bins = int(np.clip(2 * len(self.x) ** (1 / 3), 10, 80))
        self.histogram, self.edges = np.histogram(self.x, bins=bins, range=(self.x.min(), self.x.max()), density=True)
        self.top = HEADROOM * max(self._highest_curve(history), float(self.histogram.max()))
        self.rug_y = -RUG_BAND * self.top / 2
        self._first = history[0]
        self._density: DensityRaster | None = None

    def _highest_curve(self, history: History) -> float:
        """The highest mixture density of any frame, sampled between iterations too."""
        highest = 0.0 if self.truth is None else float(_densities(self.grid, self.truth).sum(axis=0).max())
        weights, means, variances = history.weights, history.means[..., 0], history.covariances[..., 0, 0]
        for fraction in LIMIT_FRACTIONS:
            starts = np.arange(len(history) - (1 if fraction > 0 else 0))
            # a few hundred snapshots at a time keep the (snapshots, K, CURVE_POINTS) block small
            for steps in np.array_split(starts, max(1, len(starts) // 256)) if len(starts) else []:
                ends = np.minimum(steps + 1, len(history) - 1)
                between = [(1 - fraction) * a[steps] + fraction * a[ends] for a in (weights, means, variances)]
                highest = max(highest, float(weighted_densities(self.grid, *between).sum(axis=-2).max()))
        return highest

    # -- artists ---------------------------------------------------------------

    def draw_on(self, axes: Axes, *, labels: tuple[str, ...] | None) -> None:
        """Create every artist on ``axes`` and set its limits; the changing ones are animated.

        ``labels`` (x,) labels the feature's axis; None leaves it bare.
        """
        self.axes = axes
        self._draw_static(axes, labels)
        theme, scale = self.look.theme, self.look.scale
        self.rug, self.raster = None, None
        if self.use_raster:
            self.raster = raster_artist(axes, self._strip_extent())
        else:
            self.rug = axes.scatter(
                self.x,
                np.full(len(self.x), self.rug_y),
                marker="|",
                linewidths=max(1, round(scale)) * 0.72,
                zorder=3,
                animated=True,
            )
        truth_outlines = self.look.truth_outlines(final=False)
        n_true = 0 if self.truth is None else self.truth.n_components
        self.truth_curves = [
            axes.plot(
                self.grid,
                self.grid * 0,
                color=truth_outlines[0, j],
                linewidth=1.2 * scale,
                linestyle="--",
                zorder=3.5,
                animated=True,
            )[0]
            for j in range(n_true)
        ]
        # the mixture under the components: where one component alone makes it, the component shows
        self.mixture_curve = axes.plot(
            self.grid, self.grid * 0, color=theme.foreground, linewidth=1.2 * scale, zorder=3.8, animated=True
        )[0]
        self.curves = [
            axes.plot(self.grid, self.grid * 0, color=colour, linewidth=2 * scale, zorder=4, animated=True)[0]
            for colour in self.look.colours
        ]
        self.means = axes.scatter(
            self._first.means[:, 0],
            np.zeros(len(self._first.means)),
            marker="X",
            s=MEAN_MARKER_AREA * scale**2,
            c=self.look.colours,
            edgecolors=theme.marker_edge,
            linewidths=scale,
            zorder=5,
            animated=True,
        )
        if self.truth is not None:
            for curve, density in zip(self.truth_curves, _densities(self.grid, self.truth)):
                curve.set_ydata(density)

    def _draw_static(self, axes: Axes, labels: tuple[str, ...] | None) -> None:
        """Limits, ticks, labels, the histogram and the zero line."""
        from matplotlib.ticker import FixedLocator, MaxNLocator

        axes.set_xlim(*self.x_limits)
        axes.set_ylim(-RUG_BAND * self.top, self.top)
        axes.set_autoscale_on(False)
        # density ticks from zero up: the strip below zero holds the rug
        ticks = np.asarray(MaxNLocator(nbins=5).tick_values(0.0, self.top))
        axes.yaxis.set_major_locator(FixedLocator(ticks[(ticks >= 0) & (ticks <= self.top)].tolist()))
        axes.set_ylabel("density")
        if labels is not None:
            axes.set_xlabel(labels[0])
        theme = self.look.theme
        axes.stairs(self.histogram, self.edges, fill=True, color=theme.histogram, zorder=1)
        axes.axhline(0.0, color=theme.histogram, linewidth=max(1, round(self.look.scale)) * 0.72, zorder=1)

    def _strip_extent(self) -> tuple[float, float, float, float]:
        return (*self.x_limits, -0.8 * RUG_BAND * self.top, -0.2 * RUG_BAND * self.top)

    def after_layout(self) -> None:
        """Size the rug ticks to the strip's pixel height, or fit the raster's cells to the axes' width."""
        box = self.axes.get_window_extent()
        if self.rug is not None:
            strip_pixels = box.height * RUG_BAND / (1 + RUG_BAND)
            tick_points = 0.6 * strip_pixels * 72 / self.axes.figure.dpi
            self.rug.set_sizes([tick_points**2])
            return
        width = box.width
        cells = max(1, int(np.ceil(width / max(1, round(self.look.scale)))))
        self._density = DensityRaster(self.x[:, None], self.x_limits[None], (cells,))

    @property
    def animated_artists(self) -> list:
        """The changing artists in drawing (zorder) order."""
        data = [self.raster if self.use_raster else self.rug]
        return [*data, *self.truth_curves, self.mixture_curve, *self.curves, self.means]

    def colouring(self, responsibilities: Responsibilities, mixture: Mixture) -> np.ndarray:
        """What ``update`` colours the rug by under ``mixture`` (``density_raster.point_colouring``)."""
        assert self._density is not None or not self.use_raster, "the raster's cells are fixed by after_layout"
        return point_colouring(self._density, responsibilities, mixture)

    def update(self, mixture: Mixture, colouring: np.ndarray | None, *, final: bool) -> None:
        """Show ``mixture``; ``colouring`` (from ``colouring``) colours the rug, None draws it unassigned.

        Unassigned points (the start of half steps) take the theme's neutral
        colour: as one component that owns every point.
        """
        colours = self.look.colours
        unassigned = np.array([self.look.theme.unassigned])
        if self.raster is not None and self._density is not None:
            if colouring is None:
                colouring, colours = self._density.counts[..., None], unassigned
            self.raster.set_data(self._density.image(colouring, colours, self.look.theme.background))
        elif self.rug is not None:
            if colouring is None:
                colouring, colours = np.ones((len(self.x), 1)), unassigned
            # matplotlib's stubs leave out an (n, 3) array, which it takes as one colour per tick
            self.rug.set_edgecolor(point_colours(colouring, colours))  # type: ignore[arg-type]
        densities = _densities(self.grid, mixture)
        for curve, density in zip(self.curves, densities):
            curve.set_ydata(density)
        self.mixture_curve.set_ydata(densities.sum(axis=0))
        peaks = mixture.weights / np.sqrt(2 * np.pi * np.clip(mixture.covariances[:, 0, 0], 1e-300, None))
        self.means.set_offsets(np.column_stack([mixture.means[:, 0], np.minimum(peaks, self.top)]))
        truth_outlines = self.look.truth_outlines(final)
        for j, curve in enumerate(self.truth_curves):
            curve.set_color(truth_outlines[0, j])

    # -- legend ----------------------------------------------------------------

    def legend_entries(self) -> tuple[list, list, list[str], str | None]:
        """(component handles, other handles, their labels, legend title); handles look like the artists."""
        from matplotlib.lines import Line2D

        scale, theme = self.look.scale, self.look.theme
        components = [Line2D([], [], color=colour, linewidth=2 * scale) for colour in self.look.colours]
        truth_and_mean, their_labels = truth_and_mean_handles(
            self.look, show_truth=self.truth is not None, mean_marker_area=MEAN_MARKER_AREA
        )
        others = [Line2D([], [], color=theme.foreground, linewidth=1.2 * scale), *truth_and_mean]
        labels = ["mixture", *their_labels]
        return components, others, labels, None
