"""Run the reference notebook, but write its animation as matplotlib's ``to_jshtml`` page instead of a GIF.

The notebook ends with ``anim.save(path, writer=PillowWriter(fps=3))``;
patching ``Animation.save`` to write ``anim.to_jshtml(fps=3)`` to that path
gives the page Jupyter shows for the same 41 frames, drawn by the same code.

    python bench/notebook_jshtml.py NOTEBOOK OUT.html
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

from matplotlib.animation import Animation, PillowWriter


def main() -> None:
    notebook, page = sys.argv[1:3]

    save = Animation.save

    def save_page(animation: Animation, path: str, *args: Any, writer: Any = None, **kwargs: Any) -> None:
        if not isinstance(writer, PillowWriter):  # to_jshtml's own save through HTMLWriter
            save(animation, path, *args, writer=writer, **kwargs)
            return
        Path(path).write_text(animation.to_jshtml(fps=3), encoding="utf-8")

    Animation.save = save_page  # type: ignore[method-assign]
    sys.argv = [notebook, page]
    runpy.run_path(notebook, run_name="__main__")


if __name__ == "__main__":
    main()
