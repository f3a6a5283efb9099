"""``-j N``: frames drawn in worker processes give the same bytes; a worker's error reaches the caller."""

from __future__ import annotations

import os
import signal
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from gmm_anim import pipeline
from gmm_anim.drawing import parallel
from gmm_anim.drawing.parallel import default_jobs, parallel_frames
from gmm_anim.errors import ConfigError, OutputError

pytestmark = pytest.mark.slow  # worker processes start a Python each

COMPARE = "compare: [{label: two, em: {components: 2}}, {label: three, em: {components: 3}}]\n"


class _Renderer:
    """Draws frame f as a 2x2 frame of value f; frame ``fail_at`` raises, or kills its worker."""

    def __init__(self, fail_at: int = -1, how: str = "raise") -> None:
        self.fail_at, self.how = fail_at, how

    def draw(self, frame: int) -> np.ndarray:
        if frame == self.fail_at:
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise ConfigError("c.yaml", "render.dims", f"expected a drawable frame, got frame {frame}")
        return np.full((2, 2, 3), frame, np.uint8)


def _render(config: Path, output: Path, jobs: int, **overrides: object) -> bytes:
    cfg = pipeline.load_config(config, overrides)
    X, _ = pipeline.sample(cfg)
    if cfg.runs:
        pipeline.render_runs(X, pipeline.fit_runs(X, cfg), cfg, output, jobs=jobs)
    else:
        pipeline.render(X, pipeline.fit(X, cfg), cfg, output, jobs=jobs)
    if output.is_dir():
        return b"".join(path.read_bytes() for path in sorted(output.iterdir()))
    return output.read_bytes()


@pytest.mark.parametrize("name", ["out.gif", "out.webp", "out.html", "out.mp4", "frames"])
def test_output_bytes_do_not_depend_on_jobs(small_config, tmp_path, name):
    # 13 iterations with a tween frame between each: 27 frames, 7 runs of consecutive frames
    written = [
        _render(small_config, tmp_path / str(jobs) / name, jobs, iterations=13, **{"render.tween": 1})
        for jobs in (1, 2, 3)
    ]
    assert written[0] == written[1] == written[2]


def test_a_comparison_does_not_depend_on_jobs(small_config, tmp_path):
    small_config.write_text(small_config.read_text() + COMPARE)
    written = [_render(small_config, tmp_path / f"{jobs}.gif", jobs, iterations=9) for jobs in (1, 2)]
    assert written[0] == written[1]


def test_frames_come_in_order():
    with parallel_frames(partial(_Renderer), 23, 3, size=(2, 2)) as frames:
        assert [int(frame[0, 0, 0]) for frame in frames] == list(range(23))


def test_an_error_in_a_worker_reaches_the_caller_whole():
    with pytest.raises(ConfigError) as caught, parallel_frames(partial(_Renderer, 9), 23, 2, size=(2, 2)) as frames:
        list(frames)
    assert str(caught.value) == "c.yaml: render.dims: expected a drawable frame, got frame 9"
    assert caught.value.exit_code == 2


def test_a_worker_that_dies_ends_the_render_with_an_output_error():
    with (
        pytest.raises(OutputError, match="worker process stopped"),
        parallel_frames(partial(_Renderer, 5, "kill"), 23, 2, size=(2, 2)) as frames,
    ):
        list(frames)


def test_the_default_uses_every_core_only_for_large_renders(monkeypatch):
    monkeypatch.setattr(parallel, "_cores", lambda: 4)
    assert default_jobs(161, 600, 600, "gif") == 1
    assert default_jobs(401, 600, 600, "gif") == 4
    assert default_jobs(10_000, 64, 64, "png") == 1
    assert default_jobs(1_000, 1920, 1080, "mp4") == 1  # libx264 keeps the other cores busy
    monkeypatch.setattr(parallel, "_cores", lambda: 1)
    assert default_jobs(10_000, 1920, 1080, "gif") == 1


def test_jobs_below_one_are_refused(small_config, tmp_path):
    with pytest.raises(ValueError, match="jobs must be >= 1, got 0"):
        _render(small_config, tmp_path / "out.gif", 0)
