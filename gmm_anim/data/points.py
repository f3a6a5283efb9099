"""Reading the points: ``load_points`` for a table or a .npy file, with columns, missing values, z-scores.

Plain numeric tables go through numpy's reader; anything else (quotes, text
columns, missing cells) is read row by row, which also says exactly where a
bad file is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import ConfigError, GmmAnimWarning
from .layout import (
    MISSING_CELLS,
    SNIFF_LINES,
    Delimiter,
    Layout,
    column_indices,
    layout_of,
    rows_with_content,
    split_rows,
)
from .npy import load_npy

__all__ = ["MAX_COORDINATE", "SUFFIXES", "Missing", "load_points", "read_text"]

SUFFIXES = (".csv", ".tsv", ".txt", ".npy")
Missing = Literal["error", "drop"]  # what a cell that is no number does to its row
# Points stay where EM's sums of squares over ten million points are finite in
# float64 (EM itself overflows from about 1e155): coordinates up to 1e100.
MAX_COORDINATE = 1e100


def _error(source: Path, message: str, path: Path | None = None, field: str = "data") -> ConfigError:
    return ConfigError(source, field, message if path is None else f"{message} (in {path.name})")


def _show(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def read_text(
    path: Path, fail: Callable[[str], ConfigError], *, max_bytes: int | None = None, what: str = "file"
) -> str:
    """A file's text (a data file's, a config file's): UTF-8 (a byte-order mark dropped), no NUL bytes.

    With ``max_bytes``, a regular file's size is judged from its metadata
    before reading, and any other file (a pipe) is read up to one byte past
    the limit, never whole. ``fail(message)`` makes the error raised;
    ``what`` names the file in it.
    """
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            too_large = max_bytes is not None and size > max_bytes
            raw = b"" if too_large else stream.read(-1 if max_bytes is None else max_bytes + 1)
    except FileNotFoundError:
        raise fail(f"expected an existing {what}, got no such file") from None
    except IsADirectoryError:
        raise fail(f"expected a {what}, got a directory") from None
    except OSError as error:
        raise fail(f"expected a readable file, got {error.strerror or error}") from None
    if max_bytes is not None and (too_large or len(raw) > max_bytes):
        got = f"{size} bytes" if too_large else "a larger one"
        raise fail(f"expected a {what} of at most {max_bytes} bytes, got {got}")
    if 0 in raw:
        raise fail(f"expected a UTF-8 text file, got binary data (a NUL byte at offset {raw.index(0)})")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = f"{raw[error.start]:#04x} at offset {error.start}"
        raise fail(f"expected a UTF-8 text file, got a byte that is not UTF-8 ({byte})") from None


# Loading


def load_points(
    path: Path,
    *,
    source: Path,
    columns: Sequence[int | str] | None = None,
    delimiter: Delimiter = "auto",
    standardize: bool = False,
    missing: Missing = "error",
) -> tuple[np.ndarray, np.ndarray]:
    """The points in ``path`` (float64, shape (n_samples, n_features)) and each one's 0-based row in the data.

    The rows count the file's data rows (not its header, blank or comment
    lines); they differ from 0 .. n - 1 only where ``missing="drop"`` left
    rows out.

    ``.npy``: a numeric array of shape (n, D) or (n,) (read as (n, 1)),
    loaded without pickle. ``.csv``, ``.tsv``, ``.txt``: a table (see the
    module's docstring). ``columns`` picks the columns fitted, in order (header
    names or 0-based indices); ``missing="drop"`` drops the rows with an
    empty, NA, NaN or non-numeric cell in them (one GmmAnimWarning says how
    many) where ``"error"`` refuses the first; ``standardize`` z-scores each
    column (population standard deviation). inf and coordinates past
    MAX_COORDINATE are always refused.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise _error(source, f"expected a {', '.join(SUFFIXES[:-1])} or .npy file, got {str(path)!r}")
    if not path.exists():
        raise _error(source, f"expected an existing file, got {str(path)!r} (no such file)")
    if not path.is_file():
        raise _error(source, f"expected a file, got {str(path)!r} (not a regular file)")
    table = _Table(path, source, delimiter, columns, missing)
    points = table.read_npy() if path.suffix.lower() == ".npy" else table.read_text()
    rows = table.kept if table.kept is not None else np.arange(len(points))
    return (_standardized(points, table) if standardize else points), rows


class _Table:
    """One reading of a data file: what it needs to read the points and to word errors."""

    def __init__(
        self, path: Path, source: Path, delimiter: str, columns: Sequence[int | str] | None, missing: str
    ) -> None:
        self.path, self.source, self.delimiter, self.columns, self.missing = path, source, delimiter, columns, missing
        self.layout = Layout(delimiter, 0, None, 0)
        self.indices: tuple[int, ...] = ()
        self.kept: np.ndarray | None = None  # the data rows kept, once missing="drop" dropped some

    def error(self, message: str, field: str = "data") -> ConfigError:
        return _error(self.source, message, self.path, field)

    def select(self, layout: Layout) -> None:
        self.layout = layout
        try:
            self.indices = column_indices(layout, self.columns, file=self.path.name)
        except ValueError as error:
            raise ConfigError(self.source, "data.columns", str(error)) from None

    # -- .npy ------------------------------------------------------------------

    def read_npy(self) -> np.ndarray:
        array = load_npy(self.path, self.error)
        self.select(Layout("", 0, None, array.shape[1]))
        points = np.asarray(array[:, list(self.indices)], dtype=np.float64)
        absent = np.isnan(points)
        if self.missing == "drop" and absent.any():
            points = self.drop(points, np.asarray(absent.any(axis=1)), np.arange(1, len(points) + 1))
        bad = np.argwhere(~np.isfinite(points))
        if len(bad):
            row, column = bad[0]
            where = f"row {row + 1}, column {self.indices[column] + 1}"
            raise self.error(f"expected finite numbers, got {points[row, column]} at {where}")
        bad = np.argwhere(np.abs(points) > MAX_COORDINATE)
        if len(bad):
            row, column = bad[0]
            expected = f"numbers of magnitude at most {MAX_COORDINATE:g}"
            where = f"row {row + 1}, column {self.indices[column] + 1}"
            raise self.error(f"expected {expected}, got {points[row, column]:g} at {where}")
        return np.ascontiguousarray(points)

    def drop(self, points: np.ndarray, absent: np.ndarray, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """``points`` without the rows marked ``absent``; one warning says how many went, and the first few.

        ``rows`` holds each point's row number in the file.
        """
        dropped = np.flatnonzero(absent)
        if len(dropped) == len(points):
            raise self.error(f"expected rows with a number in every fitted column, got none of {len(points)}")
        shown = ", ".join(str(rows[i]) for i in dropped[:5]) + (", ..." if len(dropped) > 5 else "")
        rows_word = "row" if len(dropped) == 1 else "rows"
        message = (
            f"{self.source}: data: dropped {len(dropped)} of {len(points)} rows of {self.path.name} "
            f"with an empty, NA, NaN or non-numeric cell (data.missing: drop): {rows_word} {shown}"
        )
        warnings.warn(message, GmmAnimWarning, stacklevel=2)
        self.kept = np.flatnonzero(~absent)
        return points[~absent]

    # -- text ------------------------------------------------------------------

    def read_text(self) -> np.ndarray:
        text = read_text(self.path, self.error).replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        layout = layout_of(list(rows_with_content(lines, limit=SNIFF_LINES)), self.delimiter)
        if layout is None:
            raise self.error("expected rows of numbers, got none")
        self.select(layout)
        points = self.read_fast(text)
        return points if points is not None else self.read_rows(lines)

    def read_fast(self, text: str) -> np.ndarray | None:
        """numpy's reader for a table of numbers alone; None when it is more (the row reader says what)."""
        delimiter = None if self.layout.delimiter == "whitespace" else self.layout.delimiter
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a header without rows: the row reader says so
                points = np.loadtxt(
                    io.StringIO(text),
                    dtype=np.float64,
                    delimiter=delimiter,
                    comments="#",
                    skiprows=self.layout.header_row,
                    ndmin=2,
                    quotechar=None if delimiter is None else '"',
                )
        except ValueError:
            return None
        if points.shape[1:] != (self.layout.n_columns,) or not len(points):
            return None
        if self.indices != tuple(range(self.layout.n_columns)):
            points = points[:, list(self.indices)]
        in_range = bool(np.all(np.abs(points) <= MAX_COORDINATE))  # False for NaN
        return np.ascontiguousarray(points) if in_range else None

    def read_rows(self, lines: list[str]) -> np.ndarray:
        """Row by row: every cell checked, each problem named by its row and column."""
        layout = self.layout
        found = [(number, content) for number, content in rows_with_content(lines) if number > layout.header_row]
        if not found:
            after = f" after the header (row {layout.header_row})" if layout.header_row else ""
            raise self.error(f"expected rows of numbers{after}, got none")
        numbers, contents = map(list, zip(*found))
        try:
            rows = list(split_rows(contents, layout.delimiter))
        except csv.Error as error:
            message = f"expected a row of cells the CSV reader accepts, got {error}"
            raise self.error(message) from None
        widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        ragged = np.flatnonzero(widths != layout.n_columns)
        if len(ragged):
            expected = f"{layout.n_columns} columns (as on row {layout.header_row or numbers[0]})"
            raise self.error(f"expected {expected}, got {widths[ragged[0]]} on row {numbers[ragged[0]]}")
        cells = list(zip(*rows))  # the columns
        points = np.column_stack([self.column_values(cells[j], k, numbers) for k, j in enumerate(self.indices)])
        absent = np.isnan(points)
        bad = ~absent & ~(np.abs(points) <= MAX_COORDINATE)
        refused = bad if self.missing == "drop" else bad | absent
        if refused.any():
            row, k = np.argwhere(refused)[0]
            where = f"row {numbers[row]}, {layout.column(self.indices[k])}"
            raise self.cell_error(cells[self.indices[k]][row].strip(), where)
        if absent.any():
            return self.drop(points, np.asarray(absent.any(axis=1)), numbers)
        return points

    def column_values(self, column: Sequence[str], k: int, numbers: list[int]) -> np.ndarray:
        """One fitted column's values, NaN where a cell is missing or text; a column of text alone is refused."""
        try:
            values = np.array(column, dtype=np.float64)
        except ValueError:
            values = np.array([_number(cell) for cell in column])
        absent = np.isnan(values)
        if absent.all():
            text = next((i for i, cell in enumerate(column) if cell.strip().lower() not in MISSING_CELLS), None)
            if text is not None:
                example = f"{_show(column[text].strip())} on row {numbers[text]}"
                named = self.columns is not None
                advice = "leave it out of data.columns" if named else "choose the numeric columns with data.columns"
                got = f"text in {self.layout.column(self.indices[k])}: {example} (in {self.path.name})"
                raise ConfigError(
                    self.source, "data.columns" if named else "data", f"expected numbers, got {got}; {advice}"
                )
        return values

    def cell_error(self, cell: str, where: str) -> ConfigError:
        """The error for a refused cell: missing or text, not finite, or too large."""
        value = _number(cell)
        if math.isnan(value):
            got = _show(cell) if cell else "an empty cell"
            advice = "fix it, or drop such rows with data.missing: drop"
            return ConfigError(
                self.source, "data", f"expected a number at {where}, got {got} (in {self.path.name}); {advice}"
            )
        if math.isinf(value):
            return self.error(f"expected a finite number at {where}, got {_show(cell)}")
        return self.error(f"expected a number of magnitude at most {MAX_COORDINATE:g} at {where}, got {_show(cell)}")


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _standardized(points: np.ndarray, table: _Table) -> np.ndarray:
    """Each column z-scored: mean 0, population standard deviation (ddof=0) 1."""
    constant = np.flatnonzero(np.ptp(points, axis=0) == 0)
    if len(constant):
        k = int(constant[0])
        got = f"{table.layout.column(table.indices[k])} with every value {points[0, k]:g} (in {table.path.name})"
        advice = "leave it out of data.columns or set data.standardize: false"
        raise ConfigError(table.source, "data.standardize", f"expected columns that vary, got {got}; {advice}")
    return np.ascontiguousarray((points - points.mean(axis=0)) / points.std(axis=0))
