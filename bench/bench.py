"""`make bench`: gmm-anim against the reference notebook and scikit-learn, in one run.

Every comparison is a ratio against a baseline measured in the same run, so
the machine's speed cancels out. Prints:

- whole-process time of the notebook / ``gmm-anim render configs/seed.yaml``
  (median of 5 alternating runs, ``--repeats``; ``--seed-only`` stops here),
- our GIF size / the notebook's (same 600x600 pixels, same 41 frames), and
  the mean colour error of each GIF against its own true RGB frames,
- the HTML player: its size against the notebook's ``anim.to_jshtml(fps=3)``
  page for the same 41 frames (notebook_jshtml.py) and against our GIF, and
  the whole-process time of ``-f html`` / the GIF render (median of 5),
- EM time per iteration of scikit-learn's GaussianMixture / ours at
  n = 1e6, K = 10, D = 2, and the peak memory of that fit (bench_em.py),
- the seed config with ``render.tween: 3`` (161 frames, 600x600 GIF), whole
  process, ``-j 1`` against ``-j 2``: the speedup and the frames per second
  per worker,
- wall time and peak resident memory of a 1e6-point, 60-iteration render.

BLAS runs on one thread unless ``--blas-threads default``: on a shared
machine OpenBLAS's threads wait on each other for whole time slices, which
makes scikit-learn's timings swing by 5x from run to run (ours keep every
product on one thread anyway; see gmm_anim/estep.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# Five well separated 2-D components; 1e6 points are above render.max_points,
# so the frames show the density raster.
BIG_CONFIG = """\
seed: 3
samples: 1000000
weights: [0.3, 0.25, 0.2, 0.15, 0.1]
means: [[0, 0], [6, 1], [1, 6], [-5, 4], [5, -5]]
covariances: [1.2, 0.8, 0.7, 0.6, 0.5]
iterations: 60
"""


@dataclass
class Run:
    """One finished (or stopped) process: wall seconds, peak RSS bytes, exit code, last stderr line."""

    seconds: float
    peak_rss: int
    exit_code: int
    last_error: str
    timed_out: bool


def run_process(command: list[str], timeout: float | None = None) -> Run:
    """Run ``command`` in ROOT; wall time and peak RSS via os.wait4, stopped after ``timeout`` s."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout or 0, stop)
        if timeout:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        lines = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return Run(seconds, usage.ru_maxrss * 1024, process.returncode, lines[-1] if lines else "", stopped.is_set())


def run_checked(command: list[str]) -> Run:
    run = run_process(command)
    if run.exit_code != 0:
        raise SystemExit(f"failed ({run.exit_code}): {' '.join(command)}\n{run.last_error}")
    return run


# --- the seed animation against the notebook ----------------------------------


def bench_time_and_size(notebook: Path, folder: Path, repeats: int = 5) -> tuple[Path, Path]:
    """Alternate the two whole processes; print the time ratio and the GIF size ratio."""
    ours_gif, notebook_gif = folder / "ours.gif", folder / "notebook.gif"
    ours = [str(BIN / "gmm-anim"), "render", "configs/seed.yaml", "-o", str(ours_gif), "-q"]
    theirs = [sys.executable, str(notebook), str(notebook_gif)]
    ours_times, notebook_times = [], []
    for _ in range(repeats):
        notebook_times.append(run_checked(theirs).seconds)
        ours_times.append(run_checked(ours).seconds)
    ours_median, notebook_median = statistics.median(ours_times), statistics.median(notebook_times)
    print(
        f"seed render, whole process: notebook {notebook_median:.2f} s, gmm-anim {ours_median:.2f} s "
        f"-> {notebook_median / ours_median:.2f}x faster (median of {repeats}, alternating; "
        f"gmm-anim runs {', '.join(f'{t:.2f}' for t in ours_times)} s)"
    )
    ours_size, notebook_size = ours_gif.stat().st_size, notebook_gif.stat().st_size
    print(
        f"seed GIF size: notebook {notebook_size / 1024:.0f} KiB, gmm-anim {ours_size / 1024:.0f} KiB "
        f"-> ratio {ours_size / notebook_size:.3f}"
    )
    from PIL import Image

    for name, path in (("notebook", notebook_gif), ("gmm-anim", ours_gif)):
        with Image.open(path) as image:
            print(f"  {name}: {image.size[0]}x{image.size[1]} pixels, {image.n_frames} frames")
    return ours_gif, notebook_gif


def colour_error(gif: Path, true_frames) -> float:
    """Mean Euclidean RGB distance (0-255 units) of the decoded GIF to the true frames, all pixels."""
    import numpy as np
    from PIL import Image

    errors = []
    with Image.open(gif) as image:
        if image.n_frames != len(true_frames):
            raise SystemExit(f"{gif}: {image.n_frames} frames, but {len(true_frames)} true frames")
        for index, truth in enumerate(true_frames):
            image.seek(index)
            shown = np.asarray(image.convert("RGB"), np.float64)
            errors.append(np.sqrt(((shown - truth) ** 2).sum(axis=-1)).mean())
    return float(np.mean(errors))


def our_true_frames(gif: Path):
    """Render configs/seed.yaml in this process, keeping the RGB frames the writer is given."""
    import numpy as np

    from gmm_anim import drawing, pipeline

    # pipeline.render takes render_frames from the drawing package when it runs
    render_frames, kept = drawing.render_frames, []

    def keeping(*args, **kwargs):
        for frame in render_frames(*args, **kwargs):
            kept.append(frame.copy())
            yield frame

    drawing.render_frames = keeping
    try:
        cfg = pipeline.load_config(ROOT / "configs/seed.yaml")
        X, _ = pipeline.sample(cfg)
        pipeline.render(X, pipeline.fit(X, cfg), cfg, gif)
    finally:
        drawing.render_frames = render_frames
    if not kept:
        raise SystemExit("the in-process render drew no frames through gmm_anim.drawing.render_frames")
    return np.stack(kept)


def bench_colour_error(notebook: Path, folder: Path, ours_gif: Path) -> None:
    """Each GIF against its own true frames (the notebook's dumped by bench/notebook_frames.py)."""
    import numpy as np

    frames_path, notebook_gif = folder / "notebook_frames.npy", folder / "notebook_dump.gif"
    run_checked(
        [sys.executable, str(ROOT / "bench/notebook_frames.py"), str(notebook), str(notebook_gif), str(frames_path)]
    )
    notebook_error = colour_error(notebook_gif, np.load(frames_path))
    again = folder / "ours_in_process.gif"
    ours_error = colour_error(again, our_true_frames(again))
    same = "the same bytes as" if again.read_bytes() == ours_gif.read_bytes() else "DIFFERENT from"
    print(
        f"seed GIF mean colour error vs its true frames (RGB distance, 0-255): "
        f"notebook {notebook_error:.3f}, gmm-anim {ours_error:.3f} (in-process render, {same} the CLI's)"
    )


# --- a million points -----------------------------------------------------------


def bench_big_render(folder: Path, timeout: float) -> None:
    """Wall time and peak RSS of rendering 1e6 points, 5 components, 60 iterations to GIF."""
    config = folder / "million.yaml"
    config.write_text(BIG_CONFIG)
    command = [str(BIN / "gmm-anim"), "render", str(config), "-o", str(folder / "million.gif"), "-q"]
    run = run_process(command, timeout=timeout)
    what = "1e6-point render (5 components, 60 iterations, GIF)"
    if run.timed_out:
        print(
            f"{what}: stopped after {run.seconds:.0f} s (timeout; target 30 s), "
            f"peak RSS by then {run.peak_rss / 2**30:.2f} GiB"
        )
    elif run.exit_code != 0:
        print(f"{what}: failed with exit code {run.exit_code} after {run.seconds:.1f} s: {run.last_error}")
    else:
        size = (folder / "million.gif").stat().st_size
        print(
            f"{what}: {run.seconds:.1f} s wall (target 30 s), peak RSS {run.peak_rss / 2**30:.2f} GiB "
            f"(target 1.5 GiB), GIF {size / 1024:.0f} KiB"
        )


def bench_html(notebook: Path, folder: Path, repeats: int = 5) -> None:
    """The seed config's player page: size against to_jshtml's page and our GIF, time against the GIF render."""
    ours_gif, ours_html, jshtml = folder / "html-ours.gif", folder / "ours.html", folder / "notebook.html"
    run_checked([sys.executable, str(ROOT / "bench" / "notebook_jshtml.py"), str(notebook), str(jshtml)])
    render = [str(BIN / "gmm-anim"), "render", "configs/seed.yaml", "-q", "-o"]
    gif_times, html_times = [], []
    for _ in range(repeats):
        gif_times.append(run_checked([*render, str(ours_gif)]).seconds)
        html_times.append(run_checked([*render, str(ours_html)]).seconds)
    html_size, jshtml_size, gif_size = (path.stat().st_size for path in (ours_html, jshtml, ours_gif))
    print(
        f"seed HTML player: {html_size / 1024:.0f} KiB; notebook's to_jshtml page {jshtml_size / 1024:.0f} KiB "
        f"-> ratio {html_size / jshtml_size:.3f} (target <= 0.25); our GIF {gif_size / 1024:.0f} KiB "
        f"-> {html_size / gif_size:.2f}x the GIF"
    )
    gif_median, html_median = statistics.median(gif_times), statistics.median(html_times)
    print(
        f"seed HTML render, whole process: {html_median:.2f} s against the GIF's {gif_median:.2f} s "
        f"-> {html_median / gif_median:.2f}x (target <= 1.3; median of {repeats}, alternating)"
    )


# --- -j: frames drawn in worker processes ---------------------------------------


def bench_jobs(folder: Path, repeats: int = 3) -> None:
    """The seed config with render.tween 3 (161 frames) at 600x600 to GIF, whole process, -j 1 against -j 2."""
    render = [str(BIN / "gmm-anim"), "render", "configs/seed.yaml", "--set", "render.tween=3", "-q"]
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in times:
            times[jobs].append(run_checked([*render, "-j", str(jobs), "-o", str(folder / f"jobs{jobs}.gif")]).seconds)
    same = (folder / "jobs1.gif").read_bytes() == (folder / "jobs2.gif").read_bytes()
    median = {jobs: statistics.median(runs) for jobs, runs in times.items()}
    per_worker = ", ".join(f"-j {jobs} {161 / median[jobs] / jobs:.0f}" for jobs in median)
    print(
        f"seed with tween 3 (161 frames, 600x600 GIF), whole process: -j 1 {median[1]:.2f} s, -j 2 {median[2]:.2f} s "
        f"-> {median[1] / median[2]:.2f}x (median of {repeats}, alternating); frames per second per worker: "
        f"{per_worker}; same bytes: {same}"
    )


# --- all of it ------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=ROOT.parent / "shared/reference/notebook.py")
    parser.add_argument("--blas-threads", default="1", help="BLAS threads for every process, or 'default'")
    parser.add_argument("--big-timeout", type=float, default=120.0, help="seconds before the 1e6 render is stopped")
    parser.add_argument("--seed-only", action="store_true", help="only the seed render's time and size ratios")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs of the seed render and the notebook")
    args, _ = parser.parse_known_args()
    if args.blas_threads != "default":  # before anything imports numpy; subprocesses inherit it
        os.environ.update({name: args.blas_threads for name in BLAS_THREAD_VARIABLES})
    print(f"BLAS threads: {args.blas_threads}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.notebook.is_file():
            ours_gif, _ = bench_time_and_size(args.notebook.resolve(), folder, args.repeats)
            bench_html(args.notebook.resolve(), folder, args.repeats)
            if args.seed_only:
                return
            bench_colour_error(args.notebook.resolve(), folder, ours_gif)
        else:
            print(f"notebook comparison skipped: {args.notebook} not found (set NOTEBOOK=path)")
        bench_jobs(folder)
        sys.path.insert(0, str(ROOT / "bench"))
        import bench_em

        bench_em.main([])
        bench_big_render(folder, args.big_timeout)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
