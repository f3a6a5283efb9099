"""Read the user's own points (the config's ``data``) from a .csv, .tsv, .txt or .npy file.

A text file is a table: one row per line, cells split by a delimiter
(comma, semicolon, tab, or runs of whitespace; ``auto`` sniffs it from the
first lines with ``csv.Sniffer``), ``"``-quoted cells, an optional header row
whose names label the axes, blank lines and ``#`` comments skipped. Which
columns are fitted (``columns``), what a missing cell does (``missing``) and
z-scoring (``standardize``) are the config's ``data`` keys.

Every problem is ``ConfigError(source, field, "expected ..., got ...")``,
where ``source`` is the config file that names the data file and ``field``
is ``data`` or one of its keys. Rows in messages are the file's lines
(1-based, header and comments counted) and columns its cells (1-based), as an
editor shows them. ``read_layout`` and ``data_shape`` size a file up from its
first lines (or a .npy header) without reading its points.
"""

from .layout import Delimiter, Layout, column_indices, data_shape, numeric_columns, read_layout
from .npy import NPY_READ_ERRORS
from .points import MAX_COORDINATE, SUFFIXES, Missing, load_points, read_text

__all__ = [
    "MAX_COORDINATE", "NPY_READ_ERRORS", "SUFFIXES", "Delimiter", "Layout", "Missing", "column_indices", "data_shape",
    "load_points", "numeric_columns", "read_layout", "read_text",
]  # fmt: skip
