"""Resource limits: refused before any work, with a ConfigError naming the field that drives them."""

from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest
from typer.testing import CliRunner

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.config import limits, load_config
from gmm_anim.config.yaml_reader import MAX_CONFIG_BYTES
from gmm_anim.data import data_shape
from gmm_anim.errors import ConfigError

GIB = 2**30
TRUTH = "weights: [0.5, 0.5]\nmeans: [[0, 0], [3, 3]]\ncovariances: [1.0, 1.0]\n"


def refusal(path: pathlib.Path, **overrides: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        pipeline.load_config(path, overrides or None)
    return caught.value


@pytest.fixture
def memory(monkeypatch):
    """Set the memory the machine has available (bytes)."""

    def set_available(n_bytes: int | None) -> None:
        monkeypatch.setattr(limits, "available_memory", lambda: n_bytes)

    return set_available


# ---------------------------------------------------------------------------
# Frames and pixels


def test_frames_are_iterations_times_tween_plus_one(write_config):
    from gmm_anim.drawing.frames import count_frames

    path = write_config(TRUTH + "iterations: 4\nsamples: 50\n")
    assert limits.workload(load_config(path)).n_frames == 5
    cfg = load_config(path, {"render.tween": 3})
    X, _ = pipeline.sample(cfg)
    assert limits.workload(cfg).n_frames == 4 * 4 + 1 == count_frames(pipeline.fit(X, cfg), cfg.render)


def test_too_many_frames_names_tween(write_config):
    error = refusal(write_config(TRUTH + "iterations: 10000\nrender: {tween: 1}\n"))
    assert (error.field, error.message) == (
        "render.tween",
        "expected at most 20000 frames, got 20001 (10000 iterations x (tween 1 + 1) + 1); "
        "lower iterations (or stop early with em.tol), or render.tween",
    )


def test_too_many_pixels_names_the_frame_size(write_config):
    path = write_config(TRUTH + "iterations: 2000\nrender: {width: 3000, height: 4000}\n")
    error = refusal(path)
    assert (error.field, error.message) == (
        "render.height",
        "expected at most 2e+10 pixels over all frames, got 2.4e+10 (3000 x 4000 pixels x 2001 frames); "
        "lower render.width and render.height, or the number of frames",
    )
    load_config(path)  # the config itself is valid: only the run is too large
    pipeline.load_config(path, {"iterations": 1000})


def test_a_fit_alone_skips_the_render_limits(write_config):
    path = write_config(TRUTH + "iterations: 10000\nrender: {width: 4096, height: 4096}\n")
    assert refusal(path).field == "render.width"
    assert pipeline.load_config(path, render=False).iterations == 10000


# ---------------------------------------------------------------------------
# Memory


def test_estimate_follows_the_documented_parts():
    work = limits.Workload(
        n_samples=10**6, n_features=2, n_components=10, n_iterations=40, n_frames=41, width=600, height=600
    )
    parts = limits.estimate_memory(work)
    assert parts == {
        "base": 200 * 2**20,
        "points": 8 * 10**6 * 2,
        "history": 8 * 41 * 10 * 7,
        "drawing": 8 * 10**6 * (20 + 2 + 8),
        "frames": 70 * 600 * 600 + 2 * 2**24,
    }
    fit_only = limits.estimate_memory(work, render=False)
    assert "drawing" not in fit_only and fit_only["sampling"] == 8 * 10**6 * (6 + 1)
    # the E-step builds its quadratic features a block at a time: the centred points and k-means++'s arrays count
    line = limits.Workload(**{**work.__dict__, "n_features": 1})
    assert limits.estimate_memory(line, render=False)["EM"] == 8 * 10**6 * (2 + 3)
    # Past D = 6 the E-step takes the Cholesky path (em/estep.py), and so does the estimate.
    wide = limits.Workload(**{**work.__dict__, "n_features": 7})
    assert limits.estimate_memory(wide, render=False)["EM"] == 8 * 10**6 * (10 + 21 + 2)
    # As a density raster the responsibilities come a block at a time: no n x K array is held.
    raster = limits.Workload(**{**work.__dict__, "raster": True})
    assert limits.estimate_memory(raster)["drawing"] == 8 * 10**6 * (2 + 2) + 4 * 10**6 * 10


def test_estimate_grows_with_every_size():
    base = dict(n_samples=1000, n_features=3, n_components=4, n_iterations=10, n_frames=11, width=100, height=100)
    total = sum(limits.estimate_memory(limits.Workload(**base)).values())
    for key in base:
        bigger = limits.Workload(**{**base, key: base[key] * 10})
        assert sum(limits.estimate_memory(bigger).values()) >= total, key


def test_available_memory_is_known_here():
    available = limits.available_memory()  # Linux says, through /proc/meminfo
    assert available is not None and 0 < available <= os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def test_available_memory_is_read_from_meminfo(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       8000000 kB\nMemFree:         100000 kB\nMemAvailable:   2000000 kB\n")
    monkeypatch.setattr(limits, "_PROC_MEMINFO", meminfo)
    monkeypatch.setattr(limits, "_cgroup_available", lambda: None)
    assert limits.available_memory() == 2_000_000 * 1024
    monkeypatch.setattr(limits, "_cgroup_available", lambda: 5000)
    assert limits.available_memory() == 5000


@pytest.mark.parametrize(
    ("text", "field", "advice"),
    [
        ("samples: 8000000\nrender: {max_points: 8000000}\n", "samples", "lower samples"),
        ("samples: 2000000\nem: {components: 200}\n", "samples", "lower samples or em.components"),
        (
            "samples: 5000\niterations: 10000\nem: {components: 4000}\n",
            "iterations",
            "lower iterations or em.components",
        ),
        ("render: {width: 4096, height: 4000}\n", "render.width", "lower render.width and render.height"),
    ],
)
def test_memory_names_the_field_behind_the_largest_part(write_config, memory, text, field, advice):
    memory(GIB)
    error = refusal(write_config(TRUTH + text))
    assert error.field == field
    assert error.message.startswith("expected a run that fits the 1 GiB of memory available, got an estimated peak of ")
    assert error.message.endswith(f"; {advice}")


def test_the_largest_run_fits_in_1_gib_as_a_raster_not_as_a_scatter(write_config, memory):
    """1e7 points, drawn as a density raster, measured 0.61 GiB at peak (estimate 0.87 GiB): see config/limits.py."""
    memory(GIB)
    pipeline.load_config(write_config(TRUTH + "samples: 10000000\n"))
    error = refusal(write_config(TRUTH + "samples: 10000000\nrender: {max_points: 10000000}\n"))
    assert error.field == "samples" and error.message.endswith(
        "(drawing 1.04 GiB, base 0.195 GiB, points 0.149 GiB, frames 0.0547 GiB); lower samples"
    )


def test_memory_message_lists_the_parts_largest_first(write_config, memory):
    memory(GIB // 2)
    error = refusal(write_config(TRUTH + "samples: 5000000\nrender: {max_points: 5000000}\n"))
    assert error.message == (
        "expected a run that fits the 0.5 GiB of memory available, got an estimated peak of 0.846 GiB "
        "(drawing 0.522 GiB, base 0.195 GiB, points 0.0745 GiB, frames 0.0547 GiB); lower samples"
    )


def test_a_cgroup_limit_lowers_the_available_memory(tmp_path, monkeypatch):
    (tmp_path / "cgroup").write_text("4:memory:/job\n0::/job\n")
    v2, v1 = tmp_path / "v2", tmp_path / "v1"
    for folder, limit, usage, limit_name, usage_name in [
        (v2, "3000000", "1000000", "memory.max", "memory.current"),
        (v1, "9223372036854771712", "5", "memory.limit_in_bytes", "memory.usage_in_bytes"),  # v1's "no limit"
    ]:
        (folder / "job").mkdir(parents=True)
        (folder / "job" / limit_name).write_text(limit + "\n")
        (folder / "job" / usage_name).write_text(usage + "\n")
    monkeypatch.setattr(limits, "_meminfo_available", lambda: 10**12)
    monkeypatch.setattr(limits, "_PROC_CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(
        limits,
        "_CGROUP_FILES",
        {
            "": (v2, "memory.max", "memory.current"),
            "memory": (v1, "memory.limit_in_bytes", "memory.usage_in_bytes"),
        },
    )
    assert limits.available_memory() == 2_000_000
    (v2 / "job" / "memory.max").write_text("max\n")
    assert limits.available_memory() == 10**12


def test_unknown_available_memory_checks_the_rest(write_config, memory):
    memory(None)
    pipeline.load_config(write_config(TRUTH + "samples: 10000000\n"))


@pytest.mark.parametrize("checked", [False, True], ids=["unchecked-config", "checked-config"])
def test_fit_and_render_check_points_larger_than_the_config_said(write_config, tmp_path, memory, checked):
    np.save(tmp_path / "points.npy", np.zeros((10, 2)))
    path = write_config("data: points.npy\nem: {components: 2}\n")
    cfg = pipeline.load_config(path) if checked else load_config(path)
    memory(GIB // 2)
    X = np.zeros((6_000_000, 2))
    with pytest.raises(ConfigError) as caught:
        pipeline.fit(X, cfg)
    assert caught.value.field == "data"
    with pytest.raises(ConfigError) as caught:
        pipeline.render(X, None, cfg, "never.gif")
    assert caught.value.field == "data"


@pytest.mark.parametrize("points", ["", "data: points.csv\nem: {components: 2}\n"], ids=["drawn", "csv"])
@pytest.mark.filterwarnings("ignore:component 1 collapsed")  # the file holds two distinct points, twenty times each
def test_a_command_checks_the_limits_once(write_config, tmp_path, monkeypatch, points):
    (tmp_path / "points.csv").write_text("x,y\n# a comment\n" + "1,2\n3,4\n" * 20)
    path = write_config((points or TRUTH + "samples: 50\n") + "iterations: 2\nrender: {width: 80, height: 64}\n")
    calls = []
    monkeypatch.setattr(limits, "available_memory", lambda: calls.append(1) or 64 * GIB)
    cfg = pipeline.load_config(path)
    X, _ = pipeline.sample(cfg)
    pipeline.render(X, pipeline.fit(X, cfg), cfg, tmp_path / "out.gif")
    assert len(calls) == 1


# ---------------------------------------------------------------------------
# Data files: judged from their header or size before they are read


def test_npy_shape_comes_from_the_header_without_reading_it(write_config, tmp_path, memory, monkeypatch):
    np.save(tmp_path / "points.npy", np.zeros((300_000, 2)))
    path = write_config("data: points.npy\nem: {components: 2}\n")
    cfg = load_config(path)
    assert data_shape(cfg.data) == (300_000, 2)
    monkeypatch.setattr(limits, "MAX_SAMPLES", 1000)
    import gmm_anim.data

    monkeypatch.setattr(gmm_anim.data, "load_points", lambda *args, **kwargs: pytest.fail("the data were read"))
    error = refusal(path)
    assert (error.field, error.message) == ("data", "expected at most 1000 points, got 300000")
    with pytest.raises(ConfigError):
        pipeline.sample(cfg)


def test_csv_rows_are_counted_once_read(write_config, tmp_path, monkeypatch):
    (tmp_path / "points.csv").write_text("x,y\n" + "1,2\n" * 5)
    cfg = load_config(write_config("data: points.csv\nem: {components: 2}\n"))
    assert data_shape(cfg.data) == (7, 2)  # lines, an upper bound on the rows
    monkeypatch.setattr(limits, "MAX_SAMPLES", 4)
    X, _ = pipeline.sample(cfg)
    with pytest.raises(ConfigError) as caught:
        pipeline.fit(X, cfg)
    assert (caught.value.field, caught.value.message) == ("data", "expected at most 4 points, got 5")


def test_csv_too_large_to_read_is_refused_by_its_size(write_config, tmp_path, memory):
    csv = tmp_path / "points.csv"
    csv.write_text("1,2\n" * 1000)
    path = write_config("data: points.csv\nem: {components: 2}\n")
    memory(200 * 2**20 + 6 * 4000 - 1)
    error = refusal(path)
    assert error.field == "data"
    assert error.message.startswith("expected a data file that fits the ")
    assert error.message.endswith("; use a smaller file or .npy")
    memory(GIB)
    pipeline.load_config(path)


# ---------------------------------------------------------------------------
# Config files: refused by size, and alias bombs refused unexpanded


class CountingStream:
    """A binary file that counts the bytes read from it."""

    def __init__(self, stream, counts: list[int]) -> None:
        self.stream, self.counts = stream, counts

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def fileno(self) -> int:
        return self.stream.fileno()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.counts.append(len(data))
        return data


def test_a_50_mb_config_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as stream:
        stream.truncate(50 * 2**20)  # sparse: takes no disk space
    counts: list[int] = []
    real_open = pathlib.Path.open
    monkeypatch.setattr(pathlib.Path, "open", lambda self, *a, **k: CountingStream(real_open(self, *a, **k), counts))
    error = refusal(path)
    assert (error.field, error.message) == (
        "(file)",
        f"expected a config file of at most {MAX_CONFIG_BYTES} bytes, got {50 * 2**20} bytes",
    )
    assert sum(counts) == 0


def test_billion_laughs_is_refused_before_anything_is_expanded(write_config, monkeypatch):
    import gmm_anim.config.yaml_reader as yaml_safe

    monkeypatch.setattr(yaml_safe._NodeReader, "read", lambda *args: pytest.fail("the document was expanded"))
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]  # 9**10 values
    error = refusal(write_config("\n".join(lines) + "\n"))
    message = "expected at most 1000000 values after expanding aliases, got more"
    assert (error.field, error.message) == ("(yaml)", message)


def test_the_cli_refuses_a_run_too_large_and_writes_nothing(write_config, tmp_path, memory, monkeypatch):
    monkeypatch.delenv("GMM_ANIM_DEBUG", raising=False)
    memory(GIB // 2)
    path = write_config(TRUTH + "samples: 5000000\n")
    output = tmp_path / "out.gif"
    result = CliRunner().invoke(app, ["render", str(path), "-o", str(output)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: samples: expected a run that fits the 0.5 GiB of memory")
    assert result.stderr.count("\n") == 1 and not output.exists()
