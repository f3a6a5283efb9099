"""Rewrite the reference PNGs of tests/test_render_images.py from the current renderer.

Run it only after a deliberate change of the look, then view every image in
tests/images/ before committing them:

    .venv/bin/python scripts/regenerate_reference_images.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(TESTS))  # the cases and their hand-built histories live with the tests
    from test_render_images import CASES, IMAGES, write_png

    IMAGES.mkdir(exist_ok=True)
    for name, case in sorted(CASES.items()):
        path = write_png(case.render(), IMAGES / f"{name}.png")
        print(f"wrote {path.relative_to(TESTS.parent)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
