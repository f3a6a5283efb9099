"""A density raster for data too large to scatter: cells coloured by the responsibility blend.

Each point falls in one cell of a fixed grid over the axes, and that never
changes between frames, so the cell of every point is computed once (int32,
4 bytes a point). Per frame only the colours move: a cell's colour is the
mean of its points' blended colours, ``sum_i resp_i @ colours / count``,
which equals the blend of the component colours by the
responsibility-weighted counts of the cell, ``sum_k counts_k colour_k /
sum_k counts_k`` (the counts of a cell sum to its number of points because
each row of resp sums to 1). The weighted counts are summed a block of points
at a time (``weighted_counts``, from ``em.Responsibilities.blocks``), so no
(n, K) array of responsibilities is held: at 1e7 points that array was 240 MB
(K = 3) and most of a frame's 0.6 s. ``np.add.at`` adds in the points' order
as one weighted ``np.bincount`` over all of them did, so the sums are the same
to the last bit, and it is about as fast (numpy >= 2: 2.8 ms per million
additions, the bincount's 2.4 ms). How full a cell is sets how far its colour stands out
from the background, on a log scale, so sparse outskirts read as faint and
dense cores as solid, like an overplotted scatter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.image import AxesImage

    from ..em import Responsibilities
    from ..history import Mixture

__all__ = ["DensityRaster", "FAINTEST", "point_colouring", "raster_artist"]

FAINTEST = 0.35  # a cell holding one point is mixed this far from the background to its colour
_BINNING_BLOCK = 2**16  # points binned at a time: the temporaries stay O(block), not O(n)


class DensityRaster:
    """Points binned once into a grid of cells; ``weighted_counts`` and ``image`` colour them per frame.

    points : array of shape (n_samples, d), d = 1 or 2 (x, then y)
    limits : array of shape (d, 2), the [min, max] the grid spans along each axis
    cells : the number of cells along each axis, (n_x,) or (n_x, n_y)

    Points outside the limits are left out. ``counts`` (shape (n_y, n_x), or
    (1, n_x) for one axis) holds the number of points in each cell.
    """

    def __init__(self, points: np.ndarray, limits: np.ndarray, cells: Sequence[int]) -> None:
        points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
        limits = np.asarray(limits, dtype=np.float64).reshape(-1, 2)
        self.shape = (int(cells[1]) if len(cells) > 1 else 1, int(cells[0]))
        n_cells = self.shape[0] * self.shape[1]
        strides = np.cumprod([1, *cells[:-1]])  # a cell's number is x + n_x y
        # each point's cell, n_cells for a point outside the limits (a last cell that is never shown)
        self._cells = np.empty(len(points), dtype=np.int32)
        counts = np.zeros(n_cells + 1, dtype=np.int64)
        for start in range(0, len(points), _BINNING_BLOCK):
            block = slice(start, start + _BINNING_BLOCK)
            cell = np.zeros(len(points[block]), dtype=np.int64)
            inside = np.ones(len(cell), dtype=bool)
            # one axis at a time: 4x faster than the (m, d) arrays, whose reductions along d are slow
            for axis, (n_axis, stride) in enumerate(zip(cells, strides)):
                low, high = limits[axis]
                position = (points[block, axis] - low) / (high - low)
                inside &= (position >= 0) & (position <= 1)
                # a point exactly on the upper limit belongs to the last cell; one outside is moved out below
                index = np.minimum((np.clip(position, 0, 1) * n_axis).astype(np.int64), n_axis - 1)
                cell += index * stride
            cell[~inside] = n_cells
            self._cells[block] = cell
            counts += np.bincount(self._cells[block], minlength=n_cells + 1)
        self.counts = counts[:n_cells].reshape(self.shape)
        filled = self.counts > 0
        fullness = np.log1p(self.counts) / np.log1p(max(int(self.counts.max()), 1))
        self.intensity = np.where(filled, FAINTEST + (1 - FAINTEST) * fullness, 0.0)

    def weighted_counts(self, resp_blocks: Iterable[tuple[slice, np.ndarray]]) -> np.ndarray:
        """Each cell's sum of its points' responsibilities: shape counts.shape + (n_components,).

        resp_blocks : (slice of the points, resp_by_component of shape (K, m)),
        covering the points in order (``em.Responsibilities.blocks``); each
        block is used before the next is asked for.
        """
        n_cells = self.counts.size
        sums: np.ndarray | None = None
        for block, resp_by_component in resp_blocks:
            if sums is None:
                sums = np.zeros((len(resp_by_component), n_cells + 1))
            cells = self._cells[block].astype(np.intp)  # np.add.at takes int32 indices 20% slower
            for row, resp in zip(sums, resp_by_component):
                np.add.at(row, cells, resp)
        assert sums is not None, "a raster holds at least one point"
        return np.ascontiguousarray(sums[:, :n_cells].T).reshape(*self.shape, len(sums))

    def cell_colours(self, weighted_counts: np.ndarray, colours: np.ndarray) -> np.ndarray:
        """The blend of the component colours by each cell's responsibility-weighted counts.

        weighted_counts : array of shape counts.shape + (n_components,) (``weighted_counts``)
        colours : array of shape (n_components, 3)
        Returns an array of shape counts.shape + (3,), 0 in empty cells.
        """
        blend = weighted_counts.reshape(-1, len(colours)) @ colours
        return blend.reshape(*self.shape, 3) / np.maximum(self.counts, 1)[..., None]

    def image(self, weighted_counts: np.ndarray, colours: np.ndarray, background: Sequence[float]) -> np.ndarray:
        """RGBA bytes, shape counts.shape + (4,): filled cells opaque, empty ones transparent.

        A filled cell is its blended colour (``cell_colours``) mixed towards
        the background by its fullness: ``background + intensity * (blend -
        background)``. The mixing is done here, not by the renderer's alpha
        blending, so a cell's bytes are known exactly.
        """
        background_rgb = np.asarray(background, dtype=np.float64)
        blend = self.cell_colours(weighted_counts, colours)
        mixed = background_rgb + self.intensity[..., None] * (blend - background_rgb)
        rgba = np.empty((*self.shape, 4), dtype=np.uint8)
        rgba[..., :3] = np.round(np.clip(mixed, 0.0, 1.0) * 255)
        rgba[..., 3] = np.where(self.counts > 0, 255, 0)
        return rgba


def point_colouring(raster: DensityRaster | None, responsibilities: Responsibilities, mixture: Mixture) -> np.ndarray:
    """What a view colours its points by under ``mixture``, for its ``update``.

    With a raster: its cells' responsibility-weighted counts (``weighted_counts``),
    summed a block of points at a time. Without one (a scatter, a rug): the
    responsibilities, shape (n_samples, n_components).
    """
    if raster is None:
        return responsibilities(mixture)
    return raster.weighted_counts(responsibilities.blocks(mixture))


def raster_artist(axes: Axes, extent: tuple[float, float, float, float]) -> AxesImage:
    """The animated image that shows a DensityRaster's RGBA cells over ``extent`` (left, right, bottom, top)."""
    return axes.imshow(
        np.zeros((1, 1, 4), dtype=np.uint8),
        extent=extent,
        origin="lower",
        interpolation="nearest",
        aspect="auto",
        zorder=3,
        animated=True,
    )
