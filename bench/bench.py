"""`make bench`: gmm-anim against the reference notebook and scikit-learn, in one run.

Every number is a ratio against a baseline measured in the same run, so the
machine's speed cancels out. Prints:

- whole-process time of the notebook / ``gmm-anim render configs/seed.yaml``
  (median of 5 alternating runs),
- our GIF size / the notebook's (same 600x600 pixels, same 41 frames),
- EM time per iteration of scikit-learn's GaussianMixture / ours at
  n = 1e6, K = 10, D = 2, and the peak memory of that fit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_timed(command: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (bytes) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024


def bench_against_notebook(notebook: Path, folder: Path, repeats: int = 5) -> None:
    ours_gif, notebook_gif = folder / "ours.gif", folder / "notebook.gif"
    ours = [str(BIN / "gmm-anim"), "render", "configs/seed.yaml", "-o", str(ours_gif), "-q"]
    theirs = [sys.executable, str(notebook), str(notebook_gif)]
    ours_times, notebook_times = [], []
    for _ in range(repeats):
        notebook_times.append(run_timed(theirs)[0])
        ours_times.append(run_timed(ours)[0])
    ours_median, notebook_median = statistics.median(ours_times), statistics.median(notebook_times)
    print(f"seed render, whole process: notebook {notebook_median:.2f} s, gmm-anim {ours_median:.2f} s "
          f"-> {notebook_median / ours_median:.2f}x faster (median of {repeats}, alternating)")
    ours_size, notebook_size = ours_gif.stat().st_size, notebook_gif.stat().st_size
    print(f"seed GIF size: notebook {notebook_size / 1024:.0f} KiB, gmm-anim {ours_size / 1024:.0f} KiB "
          f"-> ratio {ours_size / notebook_size:.3f}")
    from PIL import Image

    for name, path in (("notebook", notebook_gif), ("gmm-anim", ours_gif)):
        with Image.open(path) as image:
            print(f"  {name}: {image.size[0]}x{image.size[1]} pixels, {image.n_frames} frames")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=ROOT.parent / "shared/reference/notebook.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.notebook.is_file():
            bench_against_notebook(args.notebook.resolve(), Path(folder))
        else:
            print(f"notebook comparison skipped: {args.notebook} not found (set NOTEBOOK=path)")
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_em

    bench_em.main()


if __name__ == "__main__":
    main()
