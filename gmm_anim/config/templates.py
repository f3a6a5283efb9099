"""Configs to start from, as commented YAML text: the example, and one for the user's own data file.

``gmm-anim init`` writes them; both validate and render as they are.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path

from ..data import Layout

__all__ = ["data_config", "example_config"]

# Header names that mark a column of row numbers or ids, left out of the fit.
_ROW_ID = re.compile(r"(?i)(row_?names?|rownum|row|index|idx|id|#|no|n)")
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "whitespace": "whitespace", "": ".npy"}


def example_config(path: Path) -> str:
    """The commented example config (gmm_anim/example.yaml), its commands naming ``path``."""
    text = files("gmm_anim").joinpath("example.yaml").read_text(encoding="utf-8")
    return text.replace("gmm-anim.gif", f"{path.stem}.gif").replace("gmm-anim.yaml", str(path))


def data_config(path: Path, data_path: Path, layout: Layout, numeric: tuple[bool, ...]) -> str:
    """A commented config that fits the data file at ``data_path`` (as typed) and is written to ``path``.

    Every numeric column is fitted except one that looks like row numbers or
    ids (an unnamed first column, as R writes, or a name such as ``id``);
    text columns are listed and left out. ``em.components`` is for the user
    to choose; 2 to start.
    """
    relative = Path(os.path.relpath(data_path.resolve(), path.resolve().parent)).as_posix()
    names = layout.names
    chosen, listing = [], []
    for index in range(layout.n_columns):
        name = names[index] if names is not None else ""
        if not numeric[index]:
            note = "text: left out"
        elif names is not None and (not name or _ROW_ID.fullmatch(name)):
            note = "row numbers or ids: left out"
        else:
            chosen.append(name or index)
            note = "fitted"
        listing.append(f"#   {index:>3}  {name or '(no name)':<24} {note}")
    if not chosen:
        chosen = [i for i in range(layout.n_columns) if numeric[i]]
    columns = "[" + ", ".join(_yaml_scalar(column) for column in chosen) + "]"
    header = f"header on line {layout.header_row}" if layout.header_row else "no header row"
    lines = [
        f"# A gmm-anim config for your own points in {data_path.name}.",
        "#",
        f"#   gmm-anim validate {path}     check it",
        f"#   gmm-anim render {path}       write {path.stem}.gif (one frame per EM step)",
        f"#   gmm-anim fit {path}          print the fit; --labels labels.csv writes each point's component",
        "#",
        f"# The columns of {data_path.name} ({_DELIMITERS[layout.delimiter]}-separated, {header}),",
        "# numbered from 0 as data.columns counts them:",
        *listing,
        "",
        "data:",
        f"  path: {_yaml_scalar(relative)}    # relative to this file",
        f"  columns: {columns}    # the columns to fit, by name or number; others are ignored",
        '  delimiter: auto          # auto | "," | ";" | "\\t" | whitespace',
        "  standardize: false       # true: z-score each column first (for columns in different units)",
        "  missing: error           # error | drop: rows with an empty, NA or non-numeric cell",
        "",
        "iterations: 100   # at most this many EM steps",
        "",
        "em:",
        "  components: 2            # choose: the number of clusters you expect in the data",
        "  init: kmeans++           # random | kmeans++",
        "  # init_seed: 1           # seeds the initialisation",
        "  covariance_type: full    # full | diag | spherical | tied",
        "  tol: 1.0e-6              # stop once the mean log-likelihood gains less than this",
        "",
        "render:",
        "  fps: 4                   # frames per second",
        "  # labels: [x, y]         # axis labels (default: the header's names)",
    ]
    if len(chosen) > 2:
        lines.append("  dims: [0, 1]             # the two fitted columns drawn (of those in data.columns)")
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: object) -> str:
    """``value`` as a YAML flow scalar: numbers and plain names bare, anything else double-quoted."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z_.][A-Za-z0-9_./-]*", text) and text.lower() not in ("true", "false", "null", "yes", "no"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
