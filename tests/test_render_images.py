"""Image tests: chosen frames of each view against committed reference PNGs, with a tolerance.

The references live in tests/images/. After a deliberate change of the look,
regenerate them with ``python scripts/regenerate_reference_images.py`` and
look at every image before committing it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import ONE_D, THREE_D, TRUTH, make_history, make_points, options
from PIL import Image

from gmm_anim.drawing.frames import FrameRenderer, count_frames

IMAGES = Path(__file__).resolve().parent / "images"
TOLERANCE = 3.0  # RMS difference in 0..255 levels: font hinting and antialiasing may move a little


@dataclasses.dataclass(frozen=True)
class Case:
    """A small render and the frame kept from it (negative: counted from the end)."""

    truth: object
    fields: dict
    frame: int
    n_samples: int = 150

    def render(self) -> np.ndarray:
        history = dataclasses.replace(make_history(self.truth), converged=True)
        opts = options(width=360, height=270, **self.fields)
        renderer = FrameRenderer(make_points(self.truth, self.n_samples), history, opts, truth=self.truth)
        return renderer.draw(self.frame % count_frames(history, opts))


CASES: dict[str, Case] = {
    "plane_truth_panel_first": Case(TRUTH, {"loglik": True, "sigmas": (1.0, 2.0)}, 0),
    "plane_truth_panel_last": Case(TRUTH, {"loglik": True, "sigmas": (1.0, 2.0)}, -1),
    "line": Case(ONE_D, {}, 2),
    "dims": Case(THREE_D, {"dims": (0, 2)}, 2),
    "dark_okabe_ito": Case(TRUTH, {"theme": "dark", "palette": "okabe-ito", "loglik": True}, -1),
    "tween": Case(TRUTH, {"tween": 3}, 2),
    "raster": Case(TRUTH, {"max_points": 1000}, 3, n_samples=5000),
    "half_steps_m_step": Case(TRUTH, {"half_steps": True, "loglik": True}, 2),
    "half_steps_start": Case(TRUTH, {"half_steps": True}, 0),
    "half_steps_line_start": Case(ONE_D, {"half_steps": True, "loglik": True}, 0),
}


def write_png(frame: np.ndarray, path: Path) -> Path:
    Image.fromarray(frame).save(path)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_frame_matches_its_reference_image(name: str, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    expected = IMAGES / f"{name}.png"
    assert expected.exists(), f"missing {expected}: run scripts/regenerate_reference_images.py"
    actual = write_png(CASES[name].render(), tmp_path / f"{name}.png")
    assert Image.open(actual).size == Image.open(expected).size
    difference: Callable[..., str | None] = compare_images
    assert difference(str(expected), str(actual), tol=TOLERANCE) is None
