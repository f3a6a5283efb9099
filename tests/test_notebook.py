"""Animations in a notebook, as Jupyter shows and saves them (nbconvert runs a real kernel).

A notebook keeps every representation an object offers; the animation's
``text/plain`` form must be its one-line repr, not a second copy of the bytes.
"""

from __future__ import annotations

import html
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

    page_sizes = []
    for cell, n in zip(notebook.cells, (2, 3, 4)):
        (output,) = cell.outputs
        assert output.output_type == "execute_result"
        plain = output.data["text/plain"]
        assert re.fullmatch(rf"<Animation html 200x160, {n + 1} frames, [\d,]+ bytes>", plain), plain
        shown = output.data["text/html"]
        escaped = re.fullmatch(r'<iframe srcdoc="([^"]*)"[^>]*></iframe>', shown).group(1)
        page = html.unescape(escaped).encode("utf-8")
        assert page.startswith(b"<!DOCTYPE html>") and plain.endswith(f" {len(page):,} bytes>")
        page_sizes.append(len(shown))
    # The players once each (escaped in their iframes), and little else: no text/plain copy of the bytes.
    assert saved.stat().st_size < sum(page_sizes) + 20_000
