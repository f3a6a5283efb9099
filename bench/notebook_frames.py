"""Run the reference notebook, keeping the true RGB frames it hands to Pillow.

matplotlib's PillowWriter collects each frame as an RGB(A) image and only
at ``finish`` lets Pillow quantise them into the GIF. Patching ``finish``
to save those frames first gives the notebook's frames before quantisation,
so its GIF's colour error can be measured like ours.

    python bench/notebook_frames.py NOTEBOOK OUT.gif FRAMES.npy

FRAMES.npy holds an array of shape (n_frames, height, width, 3), uint8.
"""

from __future__ import annotations

import runpy
import sys

import numpy as np
from matplotlib.animation import PillowWriter


def main() -> None:
    notebook, gif, frames_path = sys.argv[1:4]
    finish = PillowWriter.finish

    def save_frames_then_finish(writer: PillowWriter) -> None:
        np.save(frames_path, np.stack([np.asarray(frame.convert("RGB")) for frame in writer._frames]))
        finish(writer)

    PillowWriter.finish = save_frames_then_finish
    sys.argv = [notebook, gif]
    runpy.run_path(notebook, run_name="__main__")


if __name__ == "__main__":
    main()
