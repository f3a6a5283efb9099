"""Shared fixtures: small configs written to a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("MPLBACKEND", "Agg")

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
def runner(monkeypatch) -> CliRunner:
    """A Typer test runner with stderr apart from stdout, and no --debug left over from another test."""
    monkeypatch.delenv("GMM_ANIM_DEBUG", raising=False)  # `--debug` in another test sets it
    return CliRunner()
