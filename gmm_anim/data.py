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

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import ConfigError, GmmAnimWarning

__all__ = [
    "MAX_COORDINATE", "NPY_READ_ERRORS", "SUFFIXES", "Delimiter", "Layout", "Missing", "column_indices", "data_shape",
    "load_points", "numeric_columns", "read_layout", "read_text",
]  # fmt: skip

SUFFIXES = (".csv", ".tsv", ".txt", ".npy")
Delimiter = Literal["auto", ",", ";", "\t", "whitespace"]  # auto: sniffed from the first rows
Missing = Literal["error", "drop"]  # what a cell that is no number does to its row
# Points stay where EM's sums of squares over ten million points are finite in
# float64 (EM itself overflows from about 1e155): coordinates up to 1e100.
MAX_COORDINATE = 1e100
# What reading a damaged .npy raises: numpy parses its header as Python source.
NPY_READ_ERRORS = (OSError, EOFError, ValueError, SyntaxError, tokenize.TokenError)
# Cells that mean "no value" (compared in lower case), beside any other cell that is no number.
MISSING_CELLS = frozenset({"", "na", "nan", "n/a", "null"})
SNIFF_LINES = 20  # the delimiter and the header come from this many first rows with content
_MAX_LINE_CHARS = 1 << 20  # a longer first line is left to the full reader
_SNIFF_ROW_CHARS = 4096


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


# ---------------------------------------------------------------------------
# Layout: delimiter, header and columns, from the first rows (or a .npy header)


@dataclass(frozen=True)
class Layout:
    """How a data file is laid out.

    ``delimiter``: ``","``, ``";"``, ``"\\t"`` or ``"whitespace"`` (``""`` for
    .npy); ``header_row``: the header's line number, 0 without a header;
    ``names``: the header's cells (``""`` where a cell is empty), None
    without a header; ``n_columns``: cells per row.
    """

    delimiter: str
    header_row: int
    names: tuple[str, ...] | None
    n_columns: int

    def column(self, index: int) -> str:
        """Column ``index`` (0-based) as messages name it: ``column 3 (waiting)``."""
        name = self.names[index] if self.names is not None else ""
        return f"column {index + 1}" + (f" ({name})" if name else "")


def read_layout(path: Path, delimiter: str = "auto") -> Layout | None:
    """The layout of a data file from its first rows (a .npy file's from its header), without reading the rest.

    None when the file cannot be read that far (missing, not UTF-8, binary,
    no rows): ``load_points`` then says what is wrong with it.
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        header = _npy_header(path)
        if header is None:
            return None
        shape = header[0]
        return Layout("", 0, None, math.prod(shape[1:]) if len(shape) == 2 else 1)
    lines: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline=None) as stream:  # \r\n and \r read as \n
            found = 0
            while found < SNIFF_LINES:
                line = stream.readline(_MAX_LINE_CHARS)
                if not line:
                    break
                if "\0" in line or (len(line) == _MAX_LINE_CHARS and not line.endswith("\n")):
                    return None
                lines.append(line.rstrip("\n"))
                found += bool(_strip_comment(line))
    except (OSError, UnicodeDecodeError):
        return None
    return _layout(list(_rows_with_content(lines, limit=SNIFF_LINES)), delimiter)


def numeric_columns(path: Path, layout: Layout) -> tuple[bool, ...]:
    """Whether each column looks numeric in the file's first rows (every cell a number or missing).

    For writing a config for a file (``init --data``); the points are read,
    and every cell checked, by ``load_points``.
    """
    if not layout.delimiter:  # .npy: numbers throughout
        return (True,) * layout.n_columns
    try:
        with Path(path).open(encoding="utf-8-sig", newline=None) as stream:
            lines = [stream.readline(_MAX_LINE_CHARS).rstrip("\n") for _ in range(layout.header_row + 4 * SNIFF_LINES)]
    except (OSError, UnicodeDecodeError):
        return (False,) * layout.n_columns
    rows = [content for number, content in _rows_with_content(lines) if number > layout.header_row]
    numeric = [True] * layout.n_columns
    for cells in _split(rows[:SNIFF_LINES], layout.delimiter):
        for index, cell in enumerate(cells[: layout.n_columns]):
            cell = cell.strip()
            if cell.lower() not in MISSING_CELLS and not _is_number(cell):
                numeric[index] = False
    return tuple(numeric)


def _strip_comment(line: str) -> str:
    """A line without its ``#`` comment (a ``#`` inside a quoted cell stays) and surrounding whitespace."""
    if "#" in line:
        quoted = False
        for i, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == "#" and not quoted:
                return line[:i].strip()
    return line.strip()


def _rows_with_content(lines: Iterable[str], limit: int | None = None) -> Iterator[tuple[int, str]]:
    """(line number, content) of each line with content, comments dropped."""
    found = 0
    for number, line in enumerate(lines, start=1):
        content = _strip_comment(line)
        if content:
            yield number, content
            found += 1
            if found == limit:
                return


def _sniff(contents: list[str]) -> str:
    """The delimiter of these rows: csv.Sniffer's choice of comma, semicolon and tab, else whitespace.

    When the rows disagree (the sniffer wants every row alike), the first of
    comma, semicolon and tab outside quotes in the first row decides.
    """
    sample = "\n".join(content[:_SNIFF_ROW_CHARS] for content in contents)  # its regular expressions stay quick
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        unquoted = contents[0].split('"')[::2]
        return next((mark for mark in ",;\t" if any(mark in part for part in unquoted)), "whitespace")


def _split(contents: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    """The cells of each row (rows stripped), unquoted, without leading spaces; trailing ones stay (float() drops them).

    One csv reader reads every row: a reader per row costs more than the
    rest. Whitespace is read as single spaces (tabs made spaces) with the
    spaces after each skipped.
    """
    if delimiter == "whitespace":
        return csv.reader((content.replace("\t", " ") for content in contents), delimiter=" ", skipinitialspace=True)
    return csv.reader(contents, delimiter=delimiter, skipinitialspace=True)


def _cells(content: str, delimiter: str) -> list[str]:
    """The cells of one row, unquoted and stripped."""
    return [cell.strip() for cell in next(_split([content], delimiter))]


def _is_number(cell: str) -> bool:
    try:
        return not math.isnan(float(cell))
    except ValueError:
        return False


def _layout(rows: list[tuple[int, str]], delimiter: str) -> Layout | None:
    """The layout from the first rows with content; None when there are none.

    The first row is a header when no cell of it is a number and some cell
    is text. A header one cell shorter than the row below it (R's
    ``write.table``) has an unnamed first column, the row names.
    """
    if not rows:
        return None
    if delimiter == "auto":
        delimiter = _sniff([content for _, content in rows])
    try:
        first = _cells(rows[0][1], delimiter)
        second = _cells(rows[1][1], delimiter) if len(rows) > 1 else []
    except csv.Error:
        return None
    missing = [cell.lower() in MISSING_CELLS for cell in first]
    if any(_is_number(cell) for cell in first) or all(missing):
        return Layout(delimiter, 0, None, len(first))
    names = ("", *first) if len(second) == len(first) + 1 else tuple(first)
    return Layout(delimiter, rows[0][0], names, len(names))


def column_indices(layout: Layout, columns: Sequence[int | str] | None, *, file: str) -> tuple[int, ...]:
    """The 0-based indices of ``columns`` (header names or indices); every column when None.

    A name the header lacks, an index past the last column or a column
    chosen twice raises ``ValueError`` with the message for data.columns;
    ``file`` names the data file in it.
    """
    if columns is None:
        return tuple(range(layout.n_columns))
    if not columns:
        raise ValueError("expected at least one column, got none")
    names = layout.names
    indices: list[int] = []
    for entry in columns:
        if isinstance(entry, str):
            if names is None:
                raise ValueError(f"expected column indices from 0 ({file} has no header row), got the name {entry!r}")
            if entry not in names:
                close = difflib.get_close_matches(entry, [name for name in names if name], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                listed = ", ".join(repr(name) for name in names if name)
                raise ValueError(f"expected a column of {file}'s header ({listed}), got {entry!r}{hint}")
            if names.count(entry) > 1:
                where = " and ".join(str(i + 1) for i, name in enumerate(names) if name == entry)
                raise ValueError(f"expected a name the header holds once, got {entry!r} (columns {where}); use indices")
            index = names.index(entry)
        else:
            if not 0 <= entry < layout.n_columns:
                expected = f"column indices from 0 to {layout.n_columns - 1} ({file} has {layout.n_columns} columns)"
                raise ValueError(f"expected {expected}, got {entry}")
            index = entry
        if index in indices:
            raise ValueError(f"expected each column once, got {layout.column(index)} twice")
        indices.append(index)
    return tuple(indices)


def data_shape(path: Path | os.PathLike[str], delimiter: str = "auto") -> tuple[int, int] | None:
    """(n_samples, n_features) of a data file without reading its points; None when it cannot be sized.

    .npy: exact, from its header. Text: n is its number of lines (an upper
    bound on the rows), D the columns of its layout.
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        header = _npy_header(path)
        if header is None:
            return None
        shape = header[0]
        return (shape[0] if shape else 1), math.prod(shape[1:])
    try:
        with path.open("rb") as stream:
            n_lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(2**20), b""))
    except OSError:
        return None
    layout = read_layout(path, delimiter)
    return n_lines + 1, layout.n_columns if layout is not None else 1


# ---------------------------------------------------------------------------
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
        array = _load_npy(self.path, self.error)
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
        layout = _layout(list(_rows_with_content(lines, limit=SNIFF_LINES)), self.delimiter)
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
        found = [(number, content) for number, content in _rows_with_content(lines) if number > layout.header_row]
        if not found:
            after = f" after the header (row {layout.header_row})" if layout.header_row else ""
            raise self.error(f"expected rows of numbers{after}, got none")
        numbers, contents = map(list, zip(*found))
        try:
            rows = list(_split(contents, layout.delimiter))
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


# ---------------------------------------------------------------------------
# .npy


def _load_npy(path: Path, error: Callable[[str], ConfigError]) -> np.ndarray:
    """A .npy file's array, of shape (n, D) with n, D >= 1 and a numeric dtype, without pickle."""
    short = _cut_short(path)
    if short is not None:
        raise error(short)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a header written by Python 2: read all the same
            array = np.load(path, allow_pickle=False)
    except NPY_READ_ERRORS as failure:
        if isinstance(failure, ValueError) and "allow_pickle" in str(failure):
            message = "expected a numeric .npy array, got a file numpy could only read with pickle (refused)"
            raise error(message) from None
        detail = " ".join(str(failure).split()) or type(failure).__name__
        raise error(f"expected a .npy array, got an unreadable file ({detail})") from None
    if not isinstance(array, np.ndarray):  # an .npz archive renamed to .npy
        array.close()
        raise error("expected a single .npy array, got an .npz archive")
    if array.dtype.kind not in "iuf":
        raise error(f"expected an array of numbers, got dtype {array.dtype}")
    if array.ndim not in (1, 2):
        raise error(f"expected an array of shape (n, D) or (n,), got shape {array.shape}")
    if array.size == 0:
        raise error(f"expected at least one point of at least one coordinate, got shape {array.shape}")
    return array.reshape(len(array), -1)


def _cut_short(path: Path) -> str | None:
    """Why a .npy file holds fewer bytes than its header promises, or None.

    numpy's own message for this names its internals; a header it cannot
    read is left to ``np.load``, which says what is wrong.
    """
    header = _npy_header(path)
    if header is None:
        return None
    shape, dtype, stored = header
    needed = math.prod(shape) * dtype.itemsize
    if dtype.hasobject or stored >= needed:
        return None
    return f"expected {needed} bytes of data for an array of shape {shape}, got {stored} (the file is cut short)"


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype, int] | None:
    """(shape, dtype, bytes stored after the header) of a .npy file, or None when numpy cannot read its header."""
    try:
        with path.open("rb") as stream, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a header written by Python 2
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
            stored = os.fstat(stream.fileno()).st_size - stream.tell()
    except NPY_READ_ERRORS:
        return None
    return tuple(int(size) for size in shape), dtype, stored
