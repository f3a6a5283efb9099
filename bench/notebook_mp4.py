"""Run the reference notebook's drawing at 1920x1080, saved to MP4 by matplotlib's FFMpegWriter.

The baseline of the 1080p comparison in `make bench` (SPEC section 8): the
notebook's figure and ``update`` function as they are, saved by
``FuncAnimation.save`` with ``FFMpegWriter`` (libx264, yuv420p, the ffmpeg
that imageio-ffmpeg ships) instead of ``PillowWriter``, the figure resized
to 19.2 x 10.8 inches at 100 dpi.

    python bench/notebook_mp4.py NOTEBOOK OUT.mp4 [TWEEN]

With TWEEN > 0 the notebook draws TWEEN frames between consecutive
iterations, its means, covariances and responsibilities interpolated
linearly as gmm-anim's ``render.tween`` does, so 40 iterations give
40 * (TWEEN + 1) + 1 frames, each redrawn in full as FuncAnimation does.
"""

from __future__ import annotations

import runpy
import sys

import imageio_ffmpeg
import matplotlib
from matplotlib import animation

matplotlib.use("Agg")
matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()

WIDTH_INCHES, HEIGHT_INCHES, DPI = 19.2, 10.8, 100


class SlideWriter(animation.FFMpegWriter):
    """FFMpegWriter at 1920x1080: libx264 in yuv420p, the figure resized before the first frame."""

    def setup(self, fig, outfile, dpi=None):
        fig.set_size_inches(WIDTH_INCHES, HEIGHT_INCHES)
        super().setup(fig, outfile, dpi=DPI)


def tweened(function_animation: type[animation.FuncAnimation], tween: int) -> type[animation.FuncAnimation]:
    """FuncAnimation whose frames step through the notebook's history with ``tween`` frames between entries."""

    class Tweened(function_animation):
        def __init__(self, fig, update, frames, **kwargs):
            history = update.__globals__["history"]
            indices = []
            for step in range(frames - 1):
                indices.append(step)
                for inner in range(1, tween + 1):
                    share = inner / (tween + 1)
                    for key in ("means", "covs", "r"):
                        before, after = history[key][step], history[key][step + 1]
                        history[key].append((1 - share) * before + share * after)
                    indices.append(len(history["r"]) - 1)
            indices.append(frames - 1)
            super().__init__(fig, lambda frame: update(indices[frame]), frames=len(indices), **kwargs)

    return Tweened


def main() -> None:
    notebook, output = sys.argv[1:3]
    tween = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    animation.PillowWriter = lambda fps: SlideWriter(fps=fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
    if tween:
        animation.FuncAnimation = tweened(animation.FuncAnimation, tween)
    sys.argv = [notebook, output]
    runpy.run_path(notebook, run_name="__main__")


if __name__ == "__main__":
    main()
