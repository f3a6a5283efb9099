"""Shared fixtures and helpers: paths, small configs, the CLI runner, hand-built mixtures and histories.

Test modules import the constants and helpers (``from conftest import ROOT``);
fixtures reach them by name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from typer.testing import CliRunner

os.environ.setdefault("MPLBACKEND", "Agg")

from gmm_anim.config.models import RenderConfig  # noqa: E402  (after the backend is chosen)
from gmm_anim.history import History, Mixture  # noqa: E402

if TYPE_CHECKING:
    from gmm_anim.drawing.frames import FrameRenderer

ROOT = Path(__file__).resolve().parent.parent
SEED_CONFIG = ROOT / "configs" / "seed.yaml"

SMALL_CONFIG = """\
seed: 1
samples: 120
jitter: 0.02
weights: [0.4, 0.35, 0.25]
means: [[0, 0], [4, 4], [-4, 4]]
covariances:
  - [[0.8, 0.2], [0.2, 0.5]]
  - [[0.6, -0.2], [-0.2, 0.6]]
  - 0.5
iterations: 4
render:
  width: 160
  height: 120
"""


@pytest.fixture
def small_config(tmp_path: Path) -> Path:
    """A quick three-component config (4 iterations, 160x120 frames)."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CONFIG)
    return path


@pytest.fixture
def write_config(tmp_path: Path):
    """Write YAML text to a config file in the temporary folder."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A Typer test runner (stderr apart from stdout), with no ``--debug`` left over from another test."""
    monkeypatch.delenv("GMM_ANIM_DEBUG", raising=False)  # `--debug` in another test sets it
    return CliRunner()


# ---------------------------------------------------------------------------
# Hand-built mixtures, histories and points for the drawing tests

TRUTH = Mixture(
    weights=np.array([0.4, 0.35, 0.25]),
    means=np.array([[0.0, 0.0], [4.0, 4.0], [-4.0, 4.0]]),
    covariances=np.array([[[0.8, 0.2], [0.2, 0.5]], [[0.6, -0.2], [-0.2, 0.6]], [[0.5, 0.0], [0.0, 0.9]]]),
)
ONE_D = Mixture(np.array([0.3, 0.7]), np.array([[-2.0], [3.0]]), np.array([[[0.5]], [[1.5]]]))
THREE_D = Mixture(
    np.array([0.5, 0.5]),
    np.array([[0.0, 0.0, 5.0], [4.0, 1.0, -5.0]]),
    np.array([[[1.0, 0.3, 0.9], [0.3, 0.5, 0.0], [0.9, 0.0, 2.0]], np.diag([0.4, 0.8, 3.0])]),
)


def make_history(truth: Mixture = TRUTH, n_iterations: int = 4) -> History:
    """Parameters sliding linearly from a wide, shifted start to the truth."""
    n_components, n_features = truth.means.shape
    start_means = truth.means[::-1] * 0.5 + 1.0
    start_covariances = np.broadcast_to(4.0 * np.eye(n_features), truth.covariances.shape)
    t = np.linspace(0.0, 1.0, n_iterations + 1)[:, None, None]
    means = (1 - t) * start_means + t * truth.means
    covariances = (1 - t[..., None]) * start_covariances + t[..., None] * truth.covariances
    weights = np.broadcast_to(truth.weights, (n_iterations + 1, n_components)).copy()
    log_likelihood = -1000.0 + 123.456 * np.arange(n_iterations + 1)
    return History(weights, means, covariances, log_likelihood)


def make_points(truth: Mixture = TRUTH, n_samples: int = 150, seed: int = 0) -> np.ndarray:
    """``n_samples`` points drawn from ``truth``, X of shape (n_samples, n_features)."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(truth.n_components, n_samples, p=truth.weights)
    noise = rng.standard_normal((n_samples, truth.n_features))
    return truth.means[labels] + np.einsum("nij,nj->ni", np.linalg.cholesky(truth.covariances)[labels], noise)


def options(**fields) -> RenderConfig:
    """Render options for small test frames (240x200 unless given)."""
    return RenderConfig(**{"width": 240, "height": 200, **fields})


def full_redraw(renderer: FrameRenderer, iteration: int) -> np.ndarray:
    """Frame ``iteration`` drawn by a complete canvas.draw() of the same figure state."""
    renderer.update(iteration)
    artists = renderer.animated_artists
    for artist in artists:
        artist.set_animated(False)
    renderer.canvas.draw()
    frame = np.asarray(renderer.canvas.buffer_rgba())[..., :3].copy()
    for artist in artists:
        artist.set_animated(True)
    return frame
