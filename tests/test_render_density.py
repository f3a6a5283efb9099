"""The density raster drawn instead of a scatter above render.max_points points."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ONE_D, TRUTH, make_history, make_points, options

from gmm_anim.drawing import density_raster
from gmm_anim.drawing.density_raster import FAINTEST, DensityRaster
from gmm_anim.drawing.frames import FrameRenderer, count_frames, render_frames
from gmm_anim.drawing.style import THEMES, component_colours
from gmm_anim.em.loop import responsibilities

COLOURS = component_colours(3)
WHITE = np.ones(3)


def weighted(raster: DensityRaster, resp: np.ndarray) -> np.ndarray:
    """The raster's weighted counts from the responsibilities (n_samples, K) of all its points as one block."""
    return raster.weighted_counts([(slice(0, len(resp)), resp.T)])


def test_points_fall_in_their_cells_once() -> None:
    points = np.array([[0.05, 0.05], [0.95, 0.05], [0.96, 0.04], [1.0, 1.0], [2.0, 0.5]])
    raster = DensityRaster(points, np.array([[0.0, 1.0], [0.0, 1.0]]), (10, 5))
    assert raster.counts.shape == (5, 10)  # rows along y, columns along x
    expected = np.zeros((5, 10), dtype=int)
    expected[0, 0], expected[0, 9], expected[4, 9] = 1, 2, 1  # the point on the upper limit is in the last cell
    np.testing.assert_array_equal(raster.counts, expected)  # the point outside the limits is left out


def test_a_points_cell_is_coloured_by_its_blend() -> None:
    points = np.array([[0.15, 0.25], [0.85, 0.75], [0.86, 0.74], [0.84, 0.76]])
    resp = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    raster = DensityRaster(points, np.array([[0.0, 1.0], [0.0, 1.0]]), (10, 10))
    blends = raster.cell_colours(weighted(raster, resp), COLOURS)
    # a lone point: its cell has exactly its own blend
    np.testing.assert_allclose(blends[2, 1], resp[0] @ COLOURS)
    # three points sharing a cell: the blend by the cell's responsibility-weighted counts
    counts = resp[1:].sum(axis=0)
    np.testing.assert_allclose(blends[7, 8], counts @ COLOURS / counts.sum())
    image = raster.image(weighted(raster, resp), COLOURS, WHITE)
    assert image.shape == (10, 10, 4) and image.dtype == np.uint8
    # the fullest cell is drawn in its blend; the lone point's cell is mixed towards the background
    np.testing.assert_array_equal(image[7, 8, :3], np.round(counts @ COLOURS / 3 * 255))
    lone = WHITE + (FAINTEST + (1 - FAINTEST) * np.log(2) / np.log(4)) * (resp[0] @ COLOURS - WHITE)
    np.testing.assert_array_equal(image[2, 1, :3], np.round(lone * 255))
    assert image[2, 1, 3] == image[7, 8, 3] == 255
    assert (image[..., 3] == 0).sum() == 98  # every empty cell is transparent


def test_an_owned_point_gives_exactly_its_component_colour() -> None:
    raster = DensityRaster(np.array([[0.5]]), np.array([[0.0, 1.0]]), (4,))
    image = raster.image(weighted(raster, np.array([[0.0, 1.0, 0.0]])), COLOURS, WHITE)
    assert image.shape == (1, 4, 4)
    np.testing.assert_array_equal(image[0, 2, :3], np.round(COLOURS[1] * 255))


def colours_from_all_points(
    points: np.ndarray, limits: np.ndarray, cells: tuple[int, int], resp: np.ndarray, colours: np.ndarray
) -> np.ndarray:
    """The cell colours by one weighted np.bincount per component over all the points (the raster before blocks)."""
    position = (points - limits[:, 0]) / (limits[:, 1] - limits[:, 0])
    inside = ((position >= 0) & (position <= 1)).all(axis=1)
    index = np.minimum((position[inside] * np.asarray(cells)).astype(np.int64), np.asarray(cells) - 1)
    cell = index[:, 1] * cells[0] + index[:, 0]
    n_cells = cells[0] * cells[1]
    counts = np.bincount(cell, minlength=n_cells)
    weighted = np.stack([np.bincount(cell, weights=r, minlength=n_cells) for r in resp[inside].T], axis=-1)
    return (weighted @ colours).reshape(cells[1], cells[0], 3) / np.maximum(counts, 1).reshape(cells[1], cells[0], 1)


def test_cell_colours_summed_in_blocks_equal_one_sum_over_all_points(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    n_samples, cells = 50_000, (37, 23)  # about 60 points a cell: sums in another order would differ
    points = rng.normal(size=(n_samples, 2)) * [1.0, 0.5]
    points[:3] = [[-2.5, -1.0], [3.0, 1.2], [3.0, -1.0]]  # on the limits
    limits = np.array([[-2.5, 3.0], [-1.0, 1.2]])  # some points fall outside
    resp = rng.dirichlet(np.full(4, 0.3), size=n_samples)
    colours = component_colours(4)
    monkeypatch.setattr(density_raster, "_BINNING_BLOCK", 1000)
    raster = DensityRaster(points, limits, cells)
    expected = colours_from_all_points(points, limits, cells, resp, colours)
    assert 0 < raster.counts.sum() < n_samples
    for size in (n_samples, 4096, 777):
        blocks = [(slice(start, start + size), resp[start : start + size].T) for start in range(0, n_samples, size)]
        np.testing.assert_array_equal(raster.cell_colours(raster.weighted_counts(blocks), colours), expected)


def test_many_points_render_as_a_raster_coloured_by_the_blend() -> None:
    X, history = make_points(n_samples=3000), make_history()
    opts = options(max_points=1000, width=320, height=240)
    frames = list(render_frames(X, history, opts, truth=TRUTH))
    assert len(frames) == count_frames(history, opts) and frames[0].shape == (240, 320, 3)
    renderer = FrameRenderer(X, history, opts, truth=TRUTH)
    view = renderer.view
    assert view.points is None and view.raster is not None
    for artist in view.animated_artists[1:]:  # leave the raster alone on screen
        artist.set_visible(False)
    frame = renderer.draw(2)
    image = view.raster.get_array()
    resp = responsibilities(X, history[2])
    expected = view._density.image(weighted(view._density, resp), renderer.colours, THEMES["light"].background)
    np.testing.assert_array_equal(image, expected)
    # on screen, the pixel at the centre of a filled cell has the cell's colour
    # (but for a few centres that fall on a pixel boundary)
    rows, cols = view._density.shape
    (x0, x1), (y0, y1) = renderer.axes.get_xlim(), renderer.axes.get_ylim()
    filled = np.argwhere(view._density.counts > 0)
    centres = np.column_stack(
        [(filled[:, 1] + 0.5) / cols * (x1 - x0) + x0, (filled[:, 0] + 0.5) / rows * (y1 - y0) + y0]
    )
    pixels = renderer.axes.transData.transform(centres)
    on_screen = frame[(240 - pixels[:, 1]).astype(int), pixels[:, 0].astype(int)]
    matches = (on_screen == image[filled[:, 0], filled[:, 1], :3]).all(axis=1)
    assert matches.mean() > 0.98


@pytest.mark.parametrize("n_samples", [40, 400])
def test_one_feature_rug_becomes_a_strip_above_max_points(n_samples: int) -> None:
    X, history = make_points(ONE_D, n_samples=n_samples), make_history(ONE_D)
    renderer = FrameRenderer(X, history, options(max_points=100), truth=ONE_D)
    renderer.draw(1)
    assert (renderer.view.raster is not None) == (n_samples > 100)
    assert (renderer.view.rug is not None) == (n_samples <= 100)
