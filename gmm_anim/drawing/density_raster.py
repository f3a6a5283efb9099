"""A density raster for data too large to scatter: cells coloured by the responsibility blend.

Each point falls in one cell of a fixed grid over the axes, and that never
changes between frames, so the cell of every point is computed once. Per
frame only the colours move: a cell's colour is the mean of its points'
blended colours, ``sum_i resp_i @ colours / count``, which equals the blend
of the component colours by the responsibility-weighted counts of the cell,
``sum_k counts_k colour_k / sum_k counts_k`` (the counts of a cell sum to its
number of points because each row of resp sums to 1). That takes three
weighted ``np.bincount`` calls whatever the number of components. How full a
cell is sets how far its colour stands out from the background, on a log
scale, so sparse outskirts read as faint and dense cores as solid, like an
overplotted scatter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.image import AxesImage

__all__ = ["DensityRaster", "FAINTEST", "raster_artist"]

FAINTEST = 0.35  # a cell holding one point is mixed this far from the background to its colour


class DensityRaster:
    """Points binned once into a grid of cells; ``image(resp, colours, background)`` colours them per frame.

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
        position = (points - limits[:, 0]) / (limits[:, 1] - limits[:, 0])
        inside = ((position >= 0) & (position <= 1)).all(axis=1)
        # a point exactly on the upper limit belongs to the last cell
        index = np.minimum((position[inside] * np.asarray(cells)).astype(np.int64), np.asarray(cells) - 1)
        self._inside = None if inside.all() else inside
        self._cells = index[:, 1] * cells[0] + index[:, 0] if index.shape[1] > 1 else index[:, 0]
        n_cells = self.shape[0] * self.shape[1]
        self.counts = np.bincount(self._cells, minlength=n_cells).reshape(self.shape)
        filled = self.counts > 0
        fullness = np.log1p(self.counts) / np.log1p(max(int(self.counts.max()), 1))
        self.intensity = np.where(filled, FAINTEST + (1 - FAINTEST) * fullness, 0.0)

    def cell_colours(self, resp: np.ndarray, colours: np.ndarray) -> np.ndarray:
        """The blend of the component colours by each cell's responsibility-weighted counts.

        resp : array of shape (n_samples, n_components), rows summing to 1
        colours : array of shape (n_components, 3)
        Returns an array of shape counts.shape + (3,), 0 in empty cells.
        """
        if self._inside is not None:
            resp = resp[self._inside]
        n_cells = self.counts.size
        counts = np.stack(
            [np.bincount(self._cells, weights=resp[:, k], minlength=n_cells) for k in range(resp.shape[1])], axis=-1
        )
        return (counts @ colours).reshape(*self.shape, 3) / np.maximum(self.counts, 1)[..., None]

    def image(self, resp: np.ndarray, colours: np.ndarray, background: Sequence[float]) -> np.ndarray:
        """RGBA bytes, shape counts.shape + (4,): filled cells opaque, empty ones transparent.

        A filled cell is its blended colour mixed towards the background by
        its fullness: ``background + intensity * (blend - background)``. The
        mixing is done here, not by the renderer's alpha blending, so a
        cell's bytes are known exactly.
        """
        background_rgb = np.asarray(background, dtype=np.float64)
        mixed = background_rgb + self.intensity[..., None] * (self.cell_colours(resp, colours) - background_rgb)
        rgba = np.empty((*self.shape, 4), dtype=np.uint8)
        rgba[..., :3] = np.round(np.clip(mixed, 0.0, 1.0) * 255)
        rgba[..., 3] = np.where(self.counts > 0, 255, 0)
        return rgba


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
