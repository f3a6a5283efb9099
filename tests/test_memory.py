"""Streaming: a 200-iteration render holds a few frames at a time, whatever the format."""

from __future__ import annotations

import importlib
import tracemalloc
import weakref
from pathlib import Path

import pytest

from gmm_anim import pipeline

pytestmark = pytest.mark.slow  # long renders under tracemalloc

ITERATIONS = 200
WIDTH, HEIGHT = 128, 96
FRAME_BYTES = WIDTH * HEIGHT * 3
# Frames rendered before peak memory is traced: the palette is chosen and every cache is warm.
SETTLED = 10

CONFIG = f"""\
seed: 1
samples: 150
jitter: 0.02
weights: [0.4, 0.35, 0.25]
means: [[0, 0], [4, 4], [-4, 4]]
covariances: [0.8, 0.6, 0.5]
iterations: {ITERATIONS}
render:
  width: {WIDTH}
  height: {HEIGHT}
  fps: 50
  hold: 0
"""


class FrameWatch:
    """Wraps the renderer's frame stream: which frames are still alive, and how far the writer is.

    ``max_alive``: the most yielded frames alive at once (the writer's and
    the renderer's references together); ``max_ahead``: the most frames
    rendered beyond those the writer reported done through ``progress``.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, trace_after: int | None = None) -> None:
        module = importlib.import_module("gmm_anim.drawing")
        self._render_frames = module.render_frames
        self._trace_after = trace_after
        self.done = self.made = self.max_alive = self.max_ahead = 0
        monkeypatch.setattr(module, "render_frames", self._watched)

    def _watched(self, *args, **kwargs):
        alive: list[weakref.ref] = []
        for frame in self._render_frames(*args, **kwargs):
            alive = [reference for reference in alive if reference() is not None]
            alive.append(weakref.ref(frame))
            self.made += 1
            self.max_alive = max(self.max_alive, len(alive))
            self.max_ahead = max(self.max_ahead, self.made - self.done)
            if self.made == self._trace_after:
                tracemalloc.start()
            yield frame

    def progress(self, done: int) -> None:
        self.done = done


def render(tmp_path: Path, watch: FrameWatch, name: str) -> Path:
    config = tmp_path / "long.yaml"
    config.write_text(CONFIG)
    cfg = pipeline.load_config(config)
    X, _ = pipeline.sample(cfg)
    history = pipeline.fit(X, cfg)
    assert len(history) == ITERATIONS + 1
    return pipeline.render(X, history, cfg, tmp_path / name, progress=watch.progress)


@pytest.mark.parametrize("name", ["long.gif", "long.webp", "long.mp4", "frames"])
def test_the_writer_takes_frames_one_at_a_time(tmp_path, monkeypatch, name):
    watch = FrameWatch(monkeypatch)
    render(tmp_path, watch, name)
    assert watch.made == watch.done == ITERATIONS + 1
    # GIF and WebP hold their three palette sample frames until the palette
    # is chosen; no writer holds more, and none falls further behind.
    assert watch.max_alive <= 5
    assert watch.max_ahead <= 4


def test_peak_memory_does_not_grow_with_the_frames(tmp_path, monkeypatch):
    watch = FrameWatch(monkeypatch, trace_after=SETTLED)
    try:
        render(tmp_path, watch, "long.gif")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    remaining = ITERATIONS + 1 - SETTLED
    # Measured: about 26 frames' worth (per-frame work arrays, matplotlib's
    # bounded text caches); keeping the frames would take all 191 of them.
    assert peak < 0.5 * remaining * FRAME_BYTES
