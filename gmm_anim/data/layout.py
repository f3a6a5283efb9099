"""The layout of a data file from its first rows: delimiter, header, columns.

A text file's delimiter is sniffed with ``csv.Sniffer`` (comma, semicolon,
tab) or is runs of whitespace; its first row is a header when none of its
cells is a number. A .npy file's layout comes from its header. Nothing here
reads the points (points.py does).
"""

from __future__ import annotations

import csv
import difflib
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .npy import npy_header

__all__ = [
    "MISSING_CELLS", "SNIFF_LINES", "Delimiter", "Layout", "column_indices", "data_shape", "is_number", "layout_of",
    "numeric_columns", "read_layout", "rows_with_content", "split_rows",
]  # fmt: skip

Delimiter = Literal["auto", ",", ";", "\t", "whitespace"]  # auto: sniffed from the first rows
# Cells that mean "no value" (compared in lower case), beside any other cell that is no number.
MISSING_CELLS = frozenset({"", "na", "nan", "n/a", "null"})
SNIFF_LINES = 20  # the delimiter and the header come from this many first rows with content
_MAX_LINE_CHARS = 1 << 20  # a longer first line is left to the full reader
_SNIFF_ROW_CHARS = 4096


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
        header = npy_header(path)
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
    return layout_of(list(rows_with_content(lines, limit=SNIFF_LINES)), delimiter)


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
    rows = [content for number, content in rows_with_content(lines) if number > layout.header_row]
    numeric = [True] * layout.n_columns
    for cells in split_rows(rows[:SNIFF_LINES], layout.delimiter):
        for index, cell in enumerate(cells[: layout.n_columns]):
            cell = cell.strip()
            if cell.lower() not in MISSING_CELLS and not is_number(cell):
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


def rows_with_content(lines: Iterable[str], limit: int | None = None) -> Iterator[tuple[int, str]]:
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


def split_rows(contents: Iterable[str], delimiter: str) -> Iterator[list[str]]:
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
    return [cell.strip() for cell in next(split_rows([content], delimiter))]


def is_number(cell: str) -> bool:
    try:
        return not math.isnan(float(cell))
    except ValueError:
        return False


def layout_of(rows: list[tuple[int, str]], delimiter: str) -> Layout | None:
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
    if any(is_number(cell) for cell in first) or all(missing):
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
        header = npy_header(path)
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
