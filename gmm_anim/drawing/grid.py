"""The arithmetic of runs side by side (comparison.py): runs held at their end, shared limits, the grid's shape."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..history import History

if TYPE_CHECKING:
    from .line_view import LineView
    from .plane_view import PlaneView

__all__ = ["grid_shape", "padded", "panel_room", "share_limits"]


def padded(history: History, n_iterations: int) -> History:
    """``history`` held at its last snapshot up to ``n_iterations``: a run that stopped early stays put."""
    extra = n_iterations - history.n_iterations
    if extra <= 0:
        return history

    def hold(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, np.repeat(values[-1:], extra, axis=0)])

    return History(
        hold(history.weights),
        hold(history.means),
        hold(history.covariances),
        hold(history.log_likelihood),
        covariance_type=history.covariance_type,
        converged=history.converged,
    )


def share_limits(views: Sequence[PlaneView | LineView]) -> None:
    """Give every view the limits covering every view's points and ellipses (and curves, for one feature)."""
    first = views[0]
    if first.equal_aspect:
        limits = np.stack([view.limits for view in views])  # type: ignore[union-attr]
        common = np.stack([limits[:, :, 0].min(axis=0), limits[:, :, 1].max(axis=0)], axis=1)
        for view in views:
            view.limits = common  # type: ignore[union-attr]
        return
    low = min(view.x_limits[0] for view in views)  # type: ignore[union-attr]
    high = max(view.x_limits[1] for view in views)  # type: ignore[union-attr]
    top = max(view.top for view in views)  # type: ignore[union-attr]
    for view in views:
        view.x_limits = np.array([low, high])  # type: ignore[union-attr]
        view.grid = np.linspace(low, high, len(view.grid))  # type: ignore[union-attr]
        view.top, view.rug_y = top, view.rug_y * top / view.top  # type: ignore[union-attr]


def panel_room(
    n_panels: int, width: float, height: float, data_aspect: float, *, pad: tuple[float, float] = (0.0, 0.0)
) -> tuple[float, int, int]:
    """(room, rows, columns): the grid of ``n_panels`` in width x height pixels giving each the largest drawing.

    data_aspect : width / height of a panel's data (0: no fixed aspect, the panels' area counts, squarer better).
    pad : the pixels of each cell's width and height that its tick labels and title take.
    """
    best: tuple[float, int, int] | None = None
    for columns in range(1, n_panels + 1):
        rows = math.ceil(n_panels / columns)
        cell_width, cell_height = max(width / columns - pad[0], 1.0), max(height / rows - pad[1], 1.0)
        if data_aspect > 0:
            room = min(cell_width / data_aspect, cell_height) ** 2 * data_aspect
        else:
            room = cell_width * cell_height * min(cell_width / cell_height, cell_height / cell_width) ** 0.5
        if best is None or room > best[0] * 1.0001:
            best = (room, rows, columns)
    assert best is not None, "there is at least one panel"
    return best


def grid_shape(
    n_panels: int, width: float, height: float, data_aspect: float, *, pad: tuple[float, float] = (0.0, 0.0)
) -> tuple[int, int]:
    """(rows, columns) of ``n_panels`` panels in width x height pixels giving each the largest drawing."""
    _, rows, columns = panel_room(n_panels, width, height, data_aspect, pad=pad)
    return rows, columns
