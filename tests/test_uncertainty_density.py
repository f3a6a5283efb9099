"""Points not yet assigned (resp None)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TRUTH, make_history, make_points, options

from gmm_anim.drawing.frames import FrameRenderer

# ---------------------------------------------------------------------------
# Points not yet assigned


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_unassigned_points_are_all_drawn_in_the_neutral_colour(theme: str) -> None:
    history = make_history()
    renderer = FrameRenderer(make_points(), history, options(theme=theme), truth=TRUTH)
    view = renderer.view
    neutral = np.asarray(view.look.theme.unassigned)
    view.update(history[0], None, final=False)
    assert view.points is not None
    faces = view.points.get_facecolors()
    np.testing.assert_array_equal(faces[:, :3], np.broadcast_to(neutral, (len(faces), 3)))
    assert len(faces) == len(view.plane_points)


def test_unassigned_points_in_the_raster_are_shaded_from_the_neutral_colour() -> None:
    history = make_history()
    renderer = FrameRenderer(make_points(n_samples=3000), history, options(max_points=1000), truth=TRUTH)
    view = renderer.view
    theme = view.look.theme
    view.update(history[0], None, final=False)
    assert view.raster is not None and view._density is not None
    image = np.asarray(view.raster.get_array())
    filled = view._density.counts > 0
    background, neutral = np.asarray(theme.background), np.asarray(theme.unassigned)
    expected = background + view._density.intensity[..., None] * (neutral - background)
    np.testing.assert_array_equal(image[filled, :3], np.round(expected[filled] * 255))
    assert (image[~filled, 3] == 0).all()
