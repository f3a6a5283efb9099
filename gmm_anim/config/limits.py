"""Resource limits, checked once before any work starts.

A run is refused, with a ConfigError naming the field that drives it, when
it would take too many frames, draw too many pixels, or need more memory
than the machine has available. ``check_config`` judges the run from the
config (and the header or size of a data file) before any point is drawn or
read, and remembers on the config what it passed; ``check_points`` checks
points handed over by a caller only when they are larger than that.

Peak memory is estimated from the parts a run holds at once, in bytes, with
n samples, D features, K components, T = iterations + 1 snapshots and
W x H frames, all float64:

- base: the interpreter with numpy and matplotlib loaded (about 160 MiB
  measured; 200 MiB assumed);
- points: X, 8 n D, held for the whole run;
- history: 8 T K (D^2 + D + 1);
- the largest of three phases:
  sampling 8 n (3 D + 1) (labels, normals, jitter; more than reading a .npy);
  EM 8 n (2 D + 3) when the E-step expands quadratic features (D <= 6,
  em/estep.py: built a block at a time, so only the centred points and
  k-means++'s labels, distances and a cluster's points count), else
  8 n (K + 3 D + 2) (responsibilities, centred points);
  drawing, as a scatter (n <= render.max_points) 8 n (2 K + D + 8)
  (responsibilities and colours of every point, the scatter's copies), as a
  density raster 8 n (D + 2) + 4 n K (the centred points, a cell index per
  point and panel; the responsibilities come a block at a time), plus 70
  bytes per frame pixel (canvas, background, RGB frame, the writer's palette
  sample frames and indices) plus the GIF writer's 32 MiB colour cache.

Measured peaks (D = 2) against the estimate: 1e7 points (K = 3) at 600 x 600
drawn as a density raster, 0.61 GiB (estimate 0.87 GiB); 4e6 points (K = 10)
as a scatter 1.14 GB; 1000 points at 4096 x 4096, 0.93 GB as GIF, 1.15 GB as
WebP (estimate 1.40 GB).
Available memory is MemAvailable from /proc/meminfo (else the free physical
pages), lowered to what the process's cgroup memory limit leaves, if any.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import data_shape
from ..drawing.frame_plan import frame_count
from ..em.estep import quadratic_features
from ..errors import ConfigError
from .field_checks import frames_missed
from .models import MAX_SAMPLES, Config

__all__ = [
    "MAX_FRAMES", "MAX_PIXELS", "MAX_SAMPLES", "Workload", "available_memory", "check_config", "check_points",
    "estimate_memory", "workload",
]  # fmt: skip

# The config allows 10,000 iterations (10,001 frames); tweens may multiply that, render.frames thin it.
MAX_FRAMES = 20_000
# Drawing and encoding run at about 30 million pixels a second on one core:
# this bounds a render to roughly ten minutes (4096 x 4096 x 1192 frames).
MAX_PIXELS = 20_000_000_000
_BASE_BYTES = 200 * 2**20
_FRAME_BYTES_PER_PIXEL = 70
_COLOUR_CACHE_BYTES = 2 * 2**24
# Reading a text file holds its bytes, the decoded text, its lines and the parsed rows.
_TEXT_BYTES_PER_FILE_BYTE = 6


@dataclass(frozen=True)
class Workload:
    """The sizes a run's cost follows: n samples, D features, K components, frames of W x H.

    ``raster``: the points are drawn as a density raster (more than render.max_points), not a scatter.
    """

    n_samples: int
    n_features: int
    n_components: int
    n_iterations: int
    n_frames: int
    width: int
    height: int
    raster: bool = False


def workload(cfg: Config, *, n_samples: int | None = None, n_features: int | None = None) -> Workload:
    """The run a config asks for; ``n_samples``, ``n_features`` when the points are known.

    Frames: the S iterations ``render.frames`` shows of all ``iterations``
    and ``render.tween`` frames between consecutive ones, so
    (S - 1) x (tween + 1) + 1, or with ``render.half_steps`` an E-step and an
    M-step per step besides, 2 + (S - 1) x (tween + 2) (drawing/frame_plan.py);
    with ``frames: all`` S - 1 is ``iterations``. A fit that em.tol stops
    early shows no more iterations than this.

    With ``compare``, the runs are held together (their histories, and when
    drawing their panels' points and colours), so the components add up;
    the frames are the longest run's.
    """
    truth = cfg.truth
    render = cfg.render
    runs = [run for _, run in cfg.runs] or [cfg]
    n_iterations = max(run.iterations for run in runs)
    n_shown = len(render.shown_iterations(n_iterations))
    n_samples = cfg.samples if n_samples is None else n_samples
    return Workload(
        n_samples=n_samples,
        n_features=(truth.n_features if truth is not None else 1) if n_features is None else n_features,
        n_components=sum(run.n_components for run in runs),
        n_iterations=n_iterations,
        n_frames=frame_count(n_shown, tween=render.tween, half_steps=render.half_steps),
        width=render.width,
        height=render.height,
        raster=n_samples > render.max_points,
    )


def estimate_memory(work: Workload, *, render: bool = True) -> dict[str, int]:
    """Estimated peak bytes by part; the parts add up to the peak.

    Parts: base, points, history, and the largest phase (sampling, EM, or
    drawing, which comes with its frames). ``render=False`` leaves out
    drawing (a fit alone).
    """
    n, d, k = work.n_samples, work.n_features, work.n_components
    # the centred points and k-means++'s arrays, or the Cholesky path's responsibilities and centred points
    em_bytes = 8 * n * (2 * d + 3 if quadratic_features(d) else k + 3 * d + 2)
    phases = {"sampling": 8 * n * (3 * d + 1), "EM": em_bytes}
    frames = _FRAME_BYTES_PER_PIXEL * work.width * work.height + _COLOUR_CACHE_BYTES
    if render:
        phases["drawing"] = 8 * n * (d + 2) + 4 * n * k if work.raster else 8 * n * (2 * k + d + 8)
    largest = max(phases, key=lambda name: phases[name] + (frames if name == "drawing" else 0))
    parts = {
        "base": _BASE_BYTES,
        "points": 8 * n * d,
        "history": 8 * (work.n_iterations + 1) * k * (d * d + d + 1),
        largest: phases[largest],
    }
    if largest == "drawing":
        parts["frames"] = frames
    return parts


# ---------------------------------------------------------------------------
# Available memory

_PROC_MEMINFO = Path("/proc/meminfo")


def _meminfo_available() -> int | None:
    try:
        with _PROC_MEMINFO.open(encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


# The memory limit and usage files of cgroup v2 and v1, under their usual mount points.
_PROC_CGROUP = Path("/proc/self/cgroup")
_CGROUP_FILES = {
    "": (Path("/sys/fs/cgroup"), "memory.max", "memory.current"),
    "memory": (Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"),
}


def _cgroup_available() -> int | None:
    """What this process's cgroup memory limit leaves (limit - usage), or None without a limit."""
    try:
        groups = _PROC_CGROUP.read_text().splitlines()
    except OSError:
        return None
    left = []
    for line in groups:
        _, controllers, group = line.split(":", 2)
        for controller in set(controllers.split(",")) & set(_CGROUP_FILES):
            mount, limit_name, usage_name = _CGROUP_FILES[controller]
            folder = mount / group.lstrip("/")
            try:
                limit = (folder / limit_name).read_text().strip()
                usage = int((folder / usage_name).read_text())
            except (OSError, ValueError):
                continue  # not mounted there, or a namespace that hides the group
            if limit.isdigit() and int(limit) < 2**60:  # "max" or a huge v1 number: no limit
                left.append(max(int(limit) - usage, 0))
    return min(left, default=None)


def available_memory() -> int | None:
    """Bytes this process may still use, or None when the platform does not say."""
    known = [value for value in (_meminfo_available(), _cgroup_available()) if value is not None]
    return min(known) if known else None


# ---------------------------------------------------------------------------
# The checks


def check_config(cfg: Config, *, render: bool = True) -> None:
    """Check the run a config describes before any point is drawn or read: points, frames, pixels, memory.

    A data file is sized from its header (.npy) or its lines (text) without
    loading it. ``render=False`` checks a fit alone. Nothing is checked again
    for a config that has passed (with ``render`` when asked for).
    """
    if _passed(cfg, render=render) is not None:
        return
    available = available_memory()
    n_samples = n_features = None
    if cfg.data is not None:
        n_samples, n_features = _data_shape(cfg, available) or (0, 1)
    work = workload(cfg, n_samples=n_samples, n_features=n_features)
    _check(cfg, work, available, render=render)
    cfg._limits_passed = (work, render)


def check_points(cfg: Config, X: np.ndarray, *, render: bool = True) -> None:
    """Check the run with the points X (n_samples, n_features), unless ``check_config`` covered points this large."""
    passed = _passed(cfg, render=render)
    if passed is not None and X.shape[1] == passed.n_features and X.shape[0] <= passed.n_samples:
        return
    _check(cfg, workload(cfg, n_samples=X.shape[0], n_features=X.shape[1]), available_memory(), render=render)


def _passed(cfg: Config, *, render: bool) -> Workload | None:
    """The run ``check_config`` passed for this config (with ``render`` when asked for), if any."""
    passed = cfg._limits_passed
    return passed[0] if passed is not None and (passed[1] or not render) else None


def _check(cfg: Config, work: Workload, available: int | None, *, render: bool) -> None:
    """Refuse a run past the point, frame, pixel or memory limits, naming the field that drives it."""
    if work.n_samples > MAX_SAMPLES:
        raise ConfigError(
            cfg.source, _samples_field(cfg), f"expected at most {MAX_SAMPLES} points, got {work.n_samples}"
        )
    if render:
        _check_frames(cfg, work)
    parts = estimate_memory(work, render=render)
    total = sum(parts.values())
    if available is not None and total > available:
        field, advice = _memory_field(cfg, work, parts)
        largest_first = sorted(parts.items(), key=lambda part: -part[1])
        shown = ", ".join(f"{name} {_gib(size)}" for name, size in largest_first if size >= 2**20)
        message = (
            f"expected a run that fits the {_gib(available)} of memory available, "
            f"got an estimated peak of {_gib(total)} ({shown}); {advice}"
        )
        raise ConfigError(cfg.source, field, message)


def _check_frames(cfg: Config, work: Workload) -> None:
    tween = cfg.render.tween
    missed = frames_missed(cfg.render.frames, work.n_iterations, f"iterations: {work.n_iterations}")
    if missed is not None:
        raise ConfigError(cfg.source, "render.frames", missed)
    if work.n_frames > MAX_FRAMES:
        field = "render.tween" if tween else "iterations"
        half = cfg.render.half_steps
        steps = len(cfg.render.shown_iterations(work.n_iterations)) - 1
        count = f"2 + {{}} x (tween {tween} + 2)" if half else f"{{}} x (tween {tween} + 1) + 1"
        frames = count.format(f"{steps} iterations")
        if cfg.render.frames != "all":
            frames = f"{steps + 1} iterations shown (render.frames): " + count.format(steps)
        if half:
            frames += " with render.half_steps"
        lower = "lower iterations (or stop early with em.tol)" + (", or render.tween" if tween else "")
        lower += ", or turn render.half_steps off" if half else ""
        message = f"expected at most {MAX_FRAMES} frames, got {work.n_frames} ({frames}); {lower}"
        raise ConfigError(cfg.source, field, message)
    pixels = work.width * work.height * work.n_frames
    if pixels > MAX_PIXELS:
        # Under MAX_FRAMES frames this takes more than a megapixel a frame: the size is what to lower.
        field = "render.width" if work.width >= work.height else "render.height"
        got = f"{pixels:.3g} ({work.width} x {work.height} pixels x {work.n_frames} frames)"
        message = (
            f"expected at most {MAX_PIXELS:.3g} pixels over all frames, got {got}; "
            "lower render.width and render.height, or the number of frames"
        )
        raise ConfigError(cfg.source, field, message)


def _memory_field(cfg: Config, work: Workload, parts: dict[str, int]) -> tuple[str, str]:
    """The field behind the largest part of the estimate, and what to do about it."""
    largest = max((name for name in parts if name != "base"), key=parts.__getitem__)
    if largest == "history":
        field = "iterations" if work.n_iterations >= work.n_components else "em.components"
        return field, "lower iterations or em.components"
    if largest == "frames":
        field = "render.width" if work.width >= work.height else "render.height"
        return field, "lower render.width and render.height"
    field = _samples_field(cfg)
    k, d = work.n_components, work.n_features
    # the components' share of the phase's bytes per point (estimate_memory) against the rest
    if largest == "drawing":
        many_components = k > 2 * d + 4 if work.raster else 2 * k > d + 8
    else:
        many_components = largest == "EM" and not quadratic_features(d) and k > 3 * d + 2
    return field, f"lower {field} or em.components" if many_components else f"lower {field}"


def _data_shape(cfg: Config, available: int | None) -> tuple[int, int] | None:
    """(n_samples, n_features) of the data file (``data.data_shape``), a text file's lines counted up to MAX_SAMPLES.

    n_features is the number of columns fitted (data.columns). A text file is
    refused first when reading it would not fit in memory (reading holds
    about six times its bytes). None when the file cannot be sized: the data
    reader then says what is wrong with it.
    """
    data = cfg.data
    assert data is not None
    try:
        size = data.path.stat().st_size
    except OSError:
        return None
    text = data.path.suffix.lower() != ".npy"
    needed = _BASE_BYTES + _TEXT_BYTES_PER_FILE_BYTE * size
    if text and available is not None and needed > available:
        message = (
            f"expected a data file that fits the {_gib(available)} of memory available when read, "
            f"got {data.path.name} of {_gib(size)} (about {_gib(needed)} to read); use a smaller file or .npy"
        )
        raise ConfigError(cfg.source, "data", message)
    shape = data_shape(data.path, data.delimiter)
    if shape is None:
        return None
    n_samples = min(shape[0], MAX_SAMPLES) if text else shape[0]  # lines are an upper bound on the rows
    return n_samples, data.n_features if data.n_features is not None else shape[1]


def _samples_field(cfg: Config) -> str:
    return "data" if cfg.data is not None else "samples"


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.3g} GiB"
