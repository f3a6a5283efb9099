"""Byte-identical output: the same config renders to the same GIF, WebP and PNG bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # renders in child processes

CONFIG = """\
seed: 7
samples: 300
jitter: 0.02
weights: [0.5, 0.3, 0.2]
means: [[0, 0], [3, 4], [-4, 3]]
covariances:
  - [[0.8, 0.2], [0.2, 0.5]]
  - 0.6
  - [[0.5, 0.0], [0.0, 0.9]]
iterations: 12
em:
  init: kmeans++
render:
  width: 200
  height: 160
  sigmas: [1, 2]
"""

# Each run is a fresh interpreter with its own hash seed and BLAS thread count,
# so nothing may depend on set or dict order of strings, object addresses,
# how a matrix product is split between threads or the time of day.
RENDER_ALL = """\
import sys
from pathlib import Path
from gmm_anim import pipeline

cfg = pipeline.load_config(sys.argv[1])
X, _ = pipeline.sample(cfg)
history = pipeline.fit(X, cfg)
for name in ("anim.gif", "anim.webp", "frames"):
    pipeline.render(X, history, cfg, Path(sys.argv[2]) / name)
"""


def contents(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    root = tmp_path_factory.mktemp("determinism")
    config = root / "config.yaml"
    config.write_text(CONFIG)
    runs = []
    for hash_seed, threads in (("1", "1"), ("2", "2")):
        out = root / f"run{hash_seed}"
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OPENBLAS_NUM_THREADS": threads, "MPLBACKEND": "Agg"}
        subprocess.run([sys.executable, "-c", RENDER_ALL, str(config), str(out)], env=env, check=True, timeout=300)
        runs.append(contents(out))
    return runs[0], runs[1]


@pytest.mark.parametrize("name", ["anim.gif", "anim.webp", "frames/frame_0000.png", "frames/frame_0012.png"])
def test_two_renders_are_byte_identical(two_runs, name):
    first, second = two_runs
    assert name in first
    assert first[name] == second[name]


def test_every_file_of_the_two_renders_is_identical(two_runs):
    first, second = two_runs
    assert len(first) == 2 + 13
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_pngs_carry_no_time_or_text_chunks(two_runs):
    png = two_runs[0]["frames/frame_0000.png"]
    position, chunks = 8, []
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        chunks.append(png[position + 4 : position + 8])
        position += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert not {b"tIME", b"tEXt", b"zTXt", b"iTXt", b"eXIf"} & set(chunks)
