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
- slides: the seed config at 1920x1080 to MP4, 41 frames and 161 (tween 3),
  against the notebook's drawing saved by ``FuncAnimation.save`` with
  ``FFMpegWriter`` (notebook_mp4.py), with ``-j 1``, ``-j 2`` and the default
  ``-j`` (median of 5 alternating runs, ``--repeats``): the speedups,
  frames per second per worker, and the peak memory of
  all processes of the 161-frame job (mp4_settings.py measures the encoder
  settings on the same frames),
- wall time and peak resident memory of a 1e6-point, 60-iteration render,
- the advertised maximum: 1e7 points of the seed mixture, 40 iterations, GIF,
  default ``-j``: wall time and peak memory of all processes.

BLAS runs on one thread unless ``--blas-threads default``: on a shared
machine OpenBLAS's threads wait on each other for whole time slices, which
makes scikit-learn's timings swing by 5x from run to run (ours keep every
product on one thread anyway; see gmm_anim/em/estep.py).
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
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
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
    """One finished (or stopped) process: wall seconds, peak RSS bytes, exit code, last stderr line.

    peak_rss is the process's own peak (getrusage); peak_tree_memory the largest
    memory of the process and all its descendants (workers, ffmpeg) together,
    each page counted once (``tree_memory``), seen by sampling every 20 ms,
    and at least peak_rss (a sample can miss a short peak).
    """

    seconds: float
    peak_rss: int
    exit_code: int
    last_error: str
    timed_out: bool
    peak_tree_memory: int = 0
    cpu_seconds: float = 0.0  # user + system, the process and the children it waited for (workers, ffmpeg)


def tree_memory(root: int) -> int:
    """Proportional set size (PSS) of ``root`` and every process descended from it, summed, from /proc.

    PSS splits each page shared by several processes (libraries, the
    workers' shared frame slots) among them, so the sum counts every page
    once; where smaps_rollup is missing, resident memory stands in.
    """
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in members]
        members.update(children)
        frontier.extend(children)
    return sum(_process_memory(pid) for pid in members)


def _process_memory(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0  # the process ended meanwhile


class TreeMemory:
    """Samples ``tree_memory(pid)`` every 20 ms in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, tree_memory(self.pid))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def run_process(command: list[str], timeout: float | None = None, *, tree: bool = False) -> Run:
    """Run ``command`` in ROOT; wall time and peak RSS via os.wait4, stopped after ``timeout`` s.

    tree : also sample the memory of all its processes (TreeMemory); the
        sampling takes CPU, so runs that are timed for a ratio leave it off.
    """
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        memory = TreeMemory(process.pid) if tree else None
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout or 0, stop)
        if timeout:
            timer.start()
        peak_tree = 0
        if memory is not None:  # sampled until the process ends, before it is reaped
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
            peak_tree = memory.stop()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        lines = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    peak_rss = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, peak_rss, process.returncode, last, stopped.is_set(), max(peak_tree, peak_rss), cpu)


def run_checked(command: list[str], *, tree: bool = False) -> Run:
    run = run_process(command, tree=tree)
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


# --- slides: 1920x1080 MP4, against the notebook and with -j ----------------------

SLIDE = ["--set", "render.width=1920", "--set", "render.height=1080", "-f", "mp4", "-q"]


def bench_slides(notebook: Path | None, folder: Path, repeats: int = 5) -> None:
    """The seed config at 1920x1080 to MP4, 41 frames and 161 (tween 3): against the notebook, -j 1 against -j 2.

    The notebook's drawing is saved by FuncAnimation.save with FFMpegWriter
    (notebook_mp4.py). Whole processes, median of ``repeats``, alternating
    (with 3, identical commands came out 20% apart in one run on 2 cores);
    then one more run of the 161-frame job with -j 1 and with -j 2 whose
    memory, all processes together, is sampled.
    """
    for tween, n_frames in ((0, 41), (3, 161)):
        render = [str(BIN / "gmm-anim"), "render", "configs/seed.yaml", *SLIDE, "--set", f"render.tween={tween}"]
        commands = {
            f"-j {jobs}": [*render, "-j", str(jobs), "-o", str(folder / f"slide-j{jobs}.mp4")] for jobs in (1, 2)
        }
        commands["default -j"] = [*render, "-o", str(folder / "slide-default.mp4")]
        if notebook is not None:
            script = str(ROOT / "bench" / "notebook_mp4.py")
            commands["notebook"] = [sys.executable, script, str(notebook), str(folder / "notebook.mp4"), str(tween)]
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, command in commands.items():
                run = run_checked(command)
                times[name].append(run.seconds)
                cpu[name].append(run.cpu_seconds)
        median = {name: statistics.median(runs) for name, runs in times.items()}
        outputs = [(folder / f"slide-{name}.mp4").read_bytes() for name in ("j1", "j2", "default")]
        same = all(output == outputs[0] for output in outputs)
        print(f"seed at 1920x1080 to MP4, {n_frames} frames (tween {tween}), whole process, median of {repeats}:")
        for name in ("-j 1", "-j 2", "default -j"):
            against = f" -> {median['notebook'] / median[name]:.2f}x faster (target 3x)" if notebook else ""
            used, wall = statistics.median(cpu[name]), median[name]
            print(f"  gmm-anim {name}: {wall:.2f} s{against}; CPU {used:.2f} s, {used / wall:.1f} cores busy")
        if notebook is not None:
            size = (folder / "notebook.mp4").stat().st_size / 1024
            print(f"  notebook (FuncAnimation.save, FFMpegWriter): {median['notebook']:.2f} s, {size:.0f} KiB")
        per_worker = ", ".join(f"-j {jobs} {n_frames / median[f'-j {jobs}'] / jobs:.0f}" for jobs in (1, 2))
        print(
            f"  -j 2 against -j 1: {median['-j 1'] / median['-j 2']:.2f}x; frames per second per worker: {per_worker}; "
            f"{len(outputs[0]) / 1024:.0f} KiB, same bytes for every -j: {same}"
        )
    peaks = []
    for jobs in (1, 2):
        run = run_checked([*render, "-j", str(jobs), "-o", str(folder / "slide-memory.mp4")], tree=True)
        peaks.append(f"-j {jobs} {run.peak_tree_memory / 2**30:.2f} GiB")
    print(
        f"  161-frame job, peak memory of all processes: {', '.join(peaks)} "
        f"(target 1 GiB; PSS summed: each shared page counted once)"
    )


# --- ten million points ----------------------------------------------------------


def bench_huge(folder: Path, timeout: float) -> None:
    """The advertised maximum: the seed mixture with 1e7 points, 40 iterations, 600x600 GIF, default -j."""
    config = folder / "ten-million.yaml"
    config.write_text((ROOT / "configs/seed.yaml").read_text().replace("samples: 400", "samples: 10000000"))
    command = [str(BIN / "gmm-anim"), "render", str(config), "-o", str(folder / "ten-million.gif"), "-q"]
    run = run_process(command, timeout=timeout, tree=True)
    what = "1e7-point render (the seed mixture, 40 iterations, 600x600 GIF, default -j)"
    if run.timed_out:
        print(f"{what}: stopped after {run.seconds:.0f} s (timeout; target 60 s)")
    elif run.exit_code != 0:
        print(f"{what}: failed with exit code {run.exit_code} after {run.seconds:.1f} s: {run.last_error}")
    else:
        print(
            f"{what}: {run.seconds:.1f} s wall (target 60 s), peak memory of all processes "
            f"{run.peak_tree_memory / 2**30:.2f} GiB (target 1.5 GiB)"
        )


# --- all of it ------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=ROOT.parent / "shared/reference/notebook.py")
    parser.add_argument("--blas-threads", default="1", help="BLAS threads for every process, or 'default'")
    parser.add_argument("--big-timeout", type=float, default=120.0, help="seconds before the 1e6 render is stopped")
    parser.add_argument("--huge-timeout", type=float, default=180.0, help="seconds before the 1e7 render is stopped")
    parser.add_argument("--seed-only", action="store_true", help="only the seed render's time and size ratios")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs of each timed comparison")
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
        bench_slides(args.notebook.resolve() if args.notebook.is_file() else None, folder, args.repeats)
        sys.path.insert(0, str(ROOT / "bench"))
        import bench_em

        bench_em.main([])
        bench_big_render(folder, args.big_timeout)
        bench_huge(folder, args.huge_timeout)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
