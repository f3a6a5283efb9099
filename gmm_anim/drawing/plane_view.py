"""The view of two features: points (or their density raster), covariance ellipses, means, truth.

With more than two features the plane shows features ``render.dims`` = (i, j)
and every ellipse is the exact marginal: the (i, j) sub-block of the
covariance. Above ``render.max_points`` points the scatter becomes a
density raster (density_raster.py) whose grid matches the axes' pixels,
so it is built only once the layout is final (``after_layout``).

``render.uncertainty`` sizes each point of the scatter by its uncertainty,
1 - its largest responsibility, as mclust's uncertainty plot does: the area
grows linearly from CERTAIN_AREA (a point owned by one component) to
UNCERTAIN_AREA at 1 - 1/K, the most a point can have (shared evenly by all K
components); the legend shows the two ends of that scale. The density raster
has no markers to size (a cell holds many points, and its colour already
blends their responsibilities), so above ``render.max_points`` the option is
left unused, as it is with one component (every point certain).

``render.density`` shades the fitted mixture's density behind everything
else (density_contours.py), painted pixel by pixel over the axes; the
spines are then redrawn over it every frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..history import History, Mixture
from .density_contours import DensityShading, band_colours, peak_log_density
from .density_raster import DensityRaster, point_colouring, raster_artist
from .geometry import ellipse_geometry, path_extent, plane, span_limits
from .layout import truth_and_mean_handles
from .style import Look, point_colours

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.image import AxesImage
    from matplotlib.patches import Ellipse

    from ..config import RenderConfig
    from ..em import Responsibilities

__all__ = ["PlaneView"]

MEAN_MARKER_AREA = 110  # points^2 at scale 1
POINT_AREA = 16
RASTER_CELL = 2  # pixels per raster cell at scale 1: about the size of a scatter dot
CONTOUR_CELL = 4  # pixels between the nodes of the density's grid at scale 1 (interpolated between)
CERTAIN_AREA = 6  # points^2 at scale 1 of a point owned by one component (render.uncertainty)
UNCERTAIN_AREA = 90  # ... of a point shared evenly by every component


class PlaneView:
    """Features ``dims`` of the data with the mixture drawn over them.

    The changing artists (after ``draw_on``): ``points`` (a scatter, or
    ``raster``, an image, for many points), ``truth_ellipses[j][l]`` (true
    component j at the l-th sigma level), ``ellipses[k][l]`` (fitted component
    k), ``means``.
    """

    equal_aspect = True
    points: PathCollection | None
    raster: AxesImage | None
    ellipses: list[list[Ellipse]]
    truth_ellipses: list[list[Ellipse]]
    means: PathCollection

    def __init__(
        self, X: np.ndarray, history: History, options: RenderConfig, look: Look, *, truth: Mixture | None
    ) -> None:
        self.dims = tuple(options.dims)
        self.look = look
        self.plane_points = _feature_columns(X, self.dims)
        self.use_raster = len(X) > options.max_points
        # one component leaves every point certain: nothing to size
        self.sized_by_uncertainty = options.uncertainty and not self.use_raster and len(look.colours) > 1
        self.truth = truth
        self.limits = self._limits(history)
        self._first = history[0]
        self._density: DensityRaster | None = None
        # the top contour level: the peak of the fitted mixture, the last snapshot shown
        self._top_level = peak_log_density(history.final, self.dims) if options.density else None
        self.shading: DensityShading | None = None

    @property
    def data_aspect(self) -> float:
        """Width over height of the data limits."""
        return float((self.limits[0, 1] - self.limits[0, 0]) / (self.limits[1, 1] - self.limits[1, 0]))

    def _limits(self, history: History) -> np.ndarray:
        """[[xmin, xmax], [ymin, ymax]] covering the points and every ellipse of every frame."""
        nsig = float(self.look.levels.max())
        means, covariances = plane(history.means, history.covariances, self.dims)
        low, high = path_extent(means, np.diagonal(covariances, axis1=-2, axis2=-1), nsig)
        # column by column: min(axis=0) of an (n, 2) array is 25x slower (0.27 s at 1e7 points)
        columns = self.plane_points.T
        low = np.minimum(low, [column.min() for column in columns])
        high = np.maximum(high, [column.max() for column in columns])
        if self.truth is not None:
            means, covariances = plane(self.truth.means, self.truth.covariances, self.dims)
            truth_low, truth_high = path_extent(means[None], np.diagonal(covariances, axis1=-2, axis2=-1)[None], nsig)
            low, high = np.minimum(low, truth_low), np.maximum(high, truth_high)
        return span_limits(low, high)

    # -- artists ---------------------------------------------------------------

    def draw_on(self, axes: Axes, *, labels: tuple[str, ...] | None) -> None:
        """Create every artist on ``axes`` and set its limits; the changing ones are animated.

        ``labels`` (x, y) label the axes; None leaves them bare.
        """
        from matplotlib.patches import Ellipse

        self.axes = axes
        axes.set_xlim(*self.limits[0])
        axes.set_ylim(*self.limits[1])
        axes.set_autoscale_on(False)
        if labels is not None:
            axes.set_xlabel(labels[0])
            axes.set_ylabel(labels[1])
        scale = self.look.scale
        self.points, self.raster = None, None
        if self._top_level is not None:
            cell = max(1, round(CONTOUR_CELL * scale))
            self.shading = DensityShading(top=self._top_level, dims=self.dims, theme=self.look.theme, cell=cell)
            axes.add_artist(self.shading)
            # the shading fills the axes, so the spines are drawn over it every frame
            for spine in axes.spines.values():
                spine.set_animated(True)
        if self.use_raster:
            (left, right), (bottom, top) = self.limits
            self.raster = raster_artist(axes, (left, right, bottom, top))
        else:
            self.points = axes.scatter(
                self.plane_points[:, 0],
                self.plane_points[:, 1],
                s=POINT_AREA * scale**2,
                linewidths=0,
                zorder=3,
                animated=True,
            )

        def outline(colour: np.ndarray, **style: Any) -> Ellipse:
            ellipse = Ellipse((0, 0), width=0, height=0, fill=False, edgecolor=colour, animated=True, **style)
            axes.add_patch(ellipse)
            return ellipse

        n_true = 0 if self.truth is None else self.truth.n_components
        truth_outlines = self.look.truth_outlines(final=False)
        self.truth_ellipses = [
            [outline(colour, linewidth=1.2 * scale, linestyle="--", zorder=3.5) for colour in truth_outlines[:, j]]
            for j in range(n_true)
        ]
        self.ellipses = [
            [outline(colour, linewidth=2 * scale, zorder=4) for colour in self.look.outlines[:, k]]
            for k in range(len(self.look.colours))
        ]
        first_means, _ = plane(self._first.means, self._first.covariances, self.dims)
        self.means = axes.scatter(
            first_means[:, 0],
            first_means[:, 1],
            marker="X",
            s=MEAN_MARKER_AREA * scale**2,
            c=self.look.colours,
            edgecolors=self.look.theme.marker_edge,
            linewidths=scale,
            zorder=5,
            animated=True,
        )
        if self.truth is not None:
            self._place(self.truth_ellipses, self.truth)

    def after_layout(self) -> None:
        """Fit the raster's grid to the final axes: one cell per RASTER_CELL pixels, spanning its limits."""
        if self.raster is None:
            return
        box = self.axes.get_window_extent()
        cell = max(1, round(RASTER_CELL * self.look.scale))
        cells = (max(1, int(np.ceil(box.width / cell))), max(1, int(np.ceil(box.height / cell))))
        limits = np.array([self.axes.get_xlim(), self.axes.get_ylim()])
        self._density = DensityRaster(self.plane_points, limits, cells)
        self.raster.set_extent(tuple(limits.ravel()))

    @property
    def animated_artists(self) -> list:
        """The changing artists in drawing (zorder) order."""
        data = [self.raster if self.use_raster else self.points]
        truth = [e for row in self.truth_ellipses for e in row]
        shading = [] if self.shading is None else [self.shading, *self.axes.spines.values()]
        return [*shading, *data, *truth, *(e for row in self.ellipses for e in row), self.means]

    def colouring(self, responsibilities: Responsibilities, mixture: Mixture) -> np.ndarray:
        """What ``update`` colours the points by under ``mixture`` (``density_raster.point_colouring``)."""
        assert self._density is not None or not self.use_raster, "the raster's cells are fixed by after_layout"
        return point_colouring(self._density, responsibilities, mixture)

    def update(self, mixture: Mixture, colouring: np.ndarray | None, *, final: bool) -> None:
        """Show ``mixture``; ``colouring`` (from ``colouring``) colours the points.

        colouring None: the points are not assigned yet, and all take the theme's neutral ``unassigned`` colour.
        """
        areas = self.uncertainty_areas(colouring) if self.sized_by_uncertainty else None
        colours = self.look.colours
        # points not yet assigned: one component owning every point, in the neutral colour (the same blend)
        unassigned = np.array([self.look.theme.unassigned])
        if self.raster is not None and self._density is not None:
            if colouring is None:
                colouring, colours = self._density.counts[..., None], unassigned
            self.raster.set_data(self._density.image(colouring, colours, self.look.theme.background))
        elif self.points is not None:
            if colouring is None:
                colouring, colours = np.ones((len(self.plane_points), 1)), unassigned
            # matplotlib's stubs leave out an (n, 3) array, which it takes as one colour per point
            self.points.set_facecolor(point_colours(colouring, colours))  # type: ignore[arg-type]
            if areas is not None:
                self.points.set_sizes(areas)
        if self.shading is not None:
            self.shading.set_mixture(mixture)
        self._place(self.ellipses, mixture)
        means, _ = plane(mixture.means, mixture.covariances, self.dims)
        self.means.set_offsets(means)
        truth_outlines = self.look.truth_outlines(final)
        for j, row in enumerate(self.truth_ellipses):
            for ellipse, colour in zip(row, truth_outlines[:, j]):
                ellipse.set_edgecolor(colour)

    def _place(self, ellipses: list[list[Ellipse]], mixture: Mixture) -> None:
        means, covariances = plane(mixture.means, mixture.covariances, self.dims)
        for index, level in enumerate(self.look.levels):
            widths, heights, angles = ellipse_geometry(covariances, level)
            for k, row in enumerate(ellipses):
                row[index].set(center=means[k], width=widths[k], height=heights[k], angle=angles[k])

    def uncertainty_areas(self, resp: np.ndarray | None) -> np.ndarray:
        """Marker areas (points^2) from each point's uncertainty, 1 - max_k resp[:, k]: shape (n_samples,).

        Linear in the uncertainty, from CERTAIN_AREA at 0 to UNCERTAIN_AREA at
        1 - 1/K. Points not yet assigned (resp None) keep the plain size.
        """
        if resp is None:
            return np.full(len(self.plane_points), POINT_AREA * self.look.scale**2)
        most = 1.0 - 1.0 / resp.shape[1]
        share = (1.0 - resp.max(axis=1)) / most if most > 0 else np.zeros(len(resp))
        return _areas(share, self.look.scale)

    # -- legend ----------------------------------------------------------------

    def legend_entries(self) -> tuple[list, list, list[str], str]:
        """(component handles, other handles, their labels, legend title); handles look like the artists."""
        from matplotlib.lines import Line2D

        scale = self.look.scale
        components = []
        for k in range(len(self.look.colours)):
            lines = tuple(Line2D([], [], color=c, linewidth=2 * scale) for c in self.look.outlines[:, k])
            components.append(lines if len(lines) > 1 else lines[0])
        others, labels = truth_and_mean_handles(
            self.look, show_truth=self.truth is not None, mean_marker_area=MEAN_MARKER_AREA
        )
        if self.sized_by_uncertainty:
            others.append(self._uncertainty_handle())
            most = 1.0 - 1.0 / len(self.look.colours)
            labels.append(f"uncertainty 0 … {most:.2g}")
        if self.shading is not None:
            others.append(self._density_handle())
            labels.append("density (log)")
        sigmas = ", ".join(f"{level:g}σ" for level in self.look.levels)
        return components, others, labels, f"ellipses: {sigmas}"

    def _uncertainty_handle(self) -> tuple:
        """Two markers sized as the scatter sizes uncertainty 0 and 1 - 1/K, in the truth grey."""
        from matplotlib.lines import Line2D

        areas = _areas(np.array([0.0, 1.0]), self.look.scale)
        return tuple(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=float(np.sqrt(area)),  # a marker's size is its diameter; a scatter's, its area
                markeredgewidth=0,
                markerfacecolor=self.look.theme.truth,
            )
            for area in areas
        )

    def _density_handle(self) -> tuple:
        """Three squares in the shades of the sparsest, a middle and the densest band."""
        from matplotlib.patches import Patch

        shades = band_colours(self.look.theme)
        return tuple(Patch(facecolor=shades[i], edgecolor="none") for i in (0, len(shades) // 2, len(shades) - 1))


def _feature_columns(X: np.ndarray, dims: Sequence[int]) -> np.ndarray:
    """``X[:, dims]`` (two distinct features) as a view of X, by a slice with a step: no copy of 1e7 points."""
    first, second = dims
    step = second - first
    stop = second + step
    return X[:, first : stop if stop >= 0 else None : step]


def _areas(share: np.ndarray, scale: float) -> np.ndarray:
    """Marker areas (points^2) at ``share`` = uncertainty / (1 - 1/K), in [0, 1]."""
    return (CERTAIN_AREA + (UNCERTAIN_AREA - CERTAIN_AREA) * np.clip(share, 0.0, 1.0)) * scale**2
