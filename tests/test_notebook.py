"""Animations in a notebook, as Jupyter shows and saves them (nbconvert runs a real kernel).

A notebook keeps every representation an object offers; the animation's
``text/plain`` form must be its one-line repr, not a second copy of the bytes.
"""

from __future__ import annotations

import base64
import re

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor

pytestmark = pytest.mark.slow

CELL = """\
import gmm_anim
cfg = gmm_anim.load_config({config!r}, overrides={{"render.width": 200, "render.height": 160, "iterations": {n}}})
gmm_anim.animate(cfg)
"""


def test_a_notebook_holds_each_animation_once(small_config, tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(CELL.format(config=str(small_config), n=n)) for n in (2, 3, 4)]
    ExecutePreprocessor(timeout=120, kernel_name="python3").preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    saved = tmp_path / "animations.ipynb"
    nbformat.write(notebook, saved)

    gif_sizes = []
    for cell, n in zip(notebook.cells, (2, 3, 4)):
        (output,) = cell.outputs
        assert output.output_type == "execute_result"
        plain = output.data["text/plain"]
        assert re.fullmatch(rf"<Animation gif 200x160, {n + 1} frames, [\d,]+ bytes>", plain), plain
        encoded = re.search(r'src="data:image/gif;base64,([^"]+)"', output.data["text/html"]).group(1)
        gif = base64.b64decode(encoded)
        assert gif.startswith(b"GIF89a") and plain.endswith(f" {len(gif):,} bytes>")
        gif_sizes.append(len(encoded))
    # The GIFs once each (as base64), and little else: no text/plain copy of the bytes.
    assert saved.stat().st_size < sum(gif_sizes) + 20_000
