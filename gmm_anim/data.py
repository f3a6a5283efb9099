"""Read the user's own points (the config's ``data`` key) from a .csv or .npy file.

Every problem is ``ConfigError(source, "data", "expected ..., got ...")``,
where ``source`` is the config file that names the data file. ``data_shape``
sizes a file up without reading its points, for the resource limits.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tokenize
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import ConfigError

__all__ = ["MAX_COORDINATE", "NPY_READ_ERRORS", "SUFFIXES", "data_shape", "load_points", "read_text"]

SUFFIXES = (".csv", ".npy")
# Points stay where EM's sums of squares over ten million points are finite in
# float64 (EM itself overflows from about 1e155): coordinates up to 1e100.
MAX_COORDINATE = 1e100
# What reading a damaged .npy raises: numpy parses its header as Python source.
NPY_READ_ERRORS = (OSError, EOFError, ValueError, SyntaxError, tokenize.TokenError)


def load_points(path: Path, *, source: Path) -> np.ndarray:
    """The points in ``path`` as a float64 array of shape (n_samples, n_features).

    ``.npy``: a numeric array of shape (n, D) or (n,) (read as (n, 1)),
    loaded without pickle. ``.csv``: one point per line, cells separated by
    commas (when the first row has a comma) or else by whitespace; an
    optional header row (a first row with no numeric cell); blank lines and
    ``#`` comments are skipped. Rows in messages are the file's lines
    (1-based, the header line counted), columns are 1-based cells. NaN and
    inf are refused.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise _error(source, f"expected a .csv or .npy file, got {str(path)!r}")
    if not path.exists():
        raise _error(source, f"expected an existing file, got {str(path)!r} (no such file)")
    if not path.is_file():
        raise _error(source, f"expected a file, got {str(path)!r} (not a regular file)")
    if path.suffix.lower() == ".npy":
        return _load_npy(path, source)
    return _load_csv(path, source)


def _error(source: Path, message: str, path: Path | None = None) -> ConfigError:
    return ConfigError(source, "data", message if path is None else f"{message} (in {path.name})")


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
# .npy


def _load_npy(path: Path, source: Path) -> np.ndarray:
    short = _cut_short(path)
    if short is not None:
        raise _error(source, short, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a header written by Python 2: read all the same
            array = np.load(path, allow_pickle=False)
    except NPY_READ_ERRORS as error:
        if isinstance(error, ValueError) and "allow_pickle" in str(error):
            message = "expected a numeric .npy array, got a file numpy could only read with pickle (refused)"
            raise _error(source, message, path) from None
        detail = " ".join(str(error).split()) or type(error).__name__
        raise _error(source, f"expected a .npy array, got an unreadable file ({detail})", path) from None
    if not isinstance(array, np.ndarray):  # an .npz archive renamed to .npy
        array.close()
        raise _error(source, "expected a single .npy array, got an .npz archive", path)
    if array.dtype.kind not in "iuf":
        raise _error(source, f"expected an array of numbers, got dtype {array.dtype}", path)
    if array.ndim not in (1, 2):
        raise _error(source, f"expected an array of shape (n, D) or (n,), got shape {array.shape}", path)
    if array.size == 0:
        raise _error(source, f"expected at least one point of at least one coordinate, got shape {array.shape}", path)
    points = np.asarray(array, dtype=np.float64).reshape(len(array), -1)
    bad = np.argwhere(~np.isfinite(points))
    if len(bad):
        row, column = bad[0]
        value = points[row, column]
        raise _error(source, f"expected finite numbers, got {value} at row {row + 1}, column {column + 1}", path)
    bad = np.argwhere(np.abs(points) > MAX_COORDINATE)
    if len(bad):
        row, column = bad[0]
        expected = f"numbers of magnitude at most {MAX_COORDINATE:g}"
        where = f"row {row + 1}, column {column + 1}"
        raise _error(source, f"expected {expected}, got {points[row, column]:g} at {where}", path)
    return np.ascontiguousarray(points)


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


def data_shape(path: Path) -> tuple[int, int] | None:
    """(n_samples, n_features) of a data file without reading its points; None when it cannot be sized.

    .npy: exact, from its header. CSV: n is its number of lines (an upper
    bound on the rows), D the cells of its first row with content.
    """
    if path.suffix.lower() == ".npy":
        header = _npy_header(path)
        if header is None:
            return None
        shape = header[0]
        return (shape[0] if shape else 1), math.prod(shape[1:])
    try:
        with path.open("rb") as stream:
            first = next((line for line in stream if _content(line.decode("utf-8-sig", "replace"))), b"")
            stream.seek(0)
            n_lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(2**20), b""))
    except OSError:
        return None
    layout = _layout([first.decode("utf-8-sig", "replace")])
    return n_lines + 1, layout[2] if layout is not None else 1


# ---------------------------------------------------------------------------
# .csv: numpy reads well-formed files fast; the line-by-line reader is the
# reference for what a file means and says exactly where a bad one is wrong.


def _load_csv(path: Path, source: Path) -> np.ndarray:
    text = read_text(path, lambda message: _error(source, message, path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    layout = _layout(lines)
    if layout is not None:
        comma, header_row, n_columns = layout
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a header without rows: the line reader says so
                points = np.loadtxt(
                    io.StringIO(text),
                    dtype=np.float64,
                    delimiter="," if comma else None,
                    comments="#",
                    skiprows=header_row,
                    ndmin=2,
                    quotechar='"' if comma else None,
                )
        except ValueError:
            pass  # the line reader says where
        else:
            in_range = bool(np.all(np.abs(points) <= MAX_COORDINATE))  # False for NaN
            if in_range and points.shape[1:] == (n_columns,) and len(points):
                return points
    return _parse_csv(lines, path, source)


def _content(line: str) -> str:
    """A line without its comment and surrounding whitespace."""
    return line.split("#", 1)[0].strip()


def _cells(content: str, comma: bool) -> list[str]:
    if not comma:
        return content.split()
    return [cell.strip() for cell in next(csv.reader([content], skipinitialspace=True))]


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _layout(lines: list[str]) -> tuple[bool, int, int] | None:
    """(comma separated?, rows before the data, columns) from the first row with content."""
    for number, line in enumerate(lines, start=1):
        content = _content(line)
        if content:
            comma = "," in content
            cells = _cells(content, comma)
            is_header = all(_number(cell) is None for cell in cells)
            return comma, number if is_header else number - 1, len(cells)
    return None


def _parse_csv(lines: list[str], path: Path, source: Path) -> np.ndarray:
    rows: list[list[float]] = []
    comma: bool | None = None
    first_row = header_row = 0
    n_columns = 0
    for number, line in enumerate(lines, start=1):
        content = _content(line)
        if not content:
            continue
        if comma is None:
            comma = "," in content
        cells = _cells(content, comma)
        values = [_number(cell) for cell in cells]
        if not first_row:
            first_row, n_columns = number, len(cells)
            if all(value is None for value in values):
                header_row = number
                continue
        if len(cells) != n_columns:
            raise _error(
                source, f"expected {n_columns} columns (as on row {first_row}), got {len(cells)} on row {number}", path
            )
        row: list[float] = []
        for column, (cell, value) in enumerate(zip(cells, values), start=1):
            if value is None:
                got = _show(cell) if cell else "an empty cell"
                raise _error(source, f"expected a number at row {number}, column {column}, got {got}", path)
            where = f"row {number}, column {column}"
            if not math.isfinite(value):
                raise _error(source, f"expected a finite number at {where}, got {_show(cell)}", path)
            if abs(value) > MAX_COORDINATE:
                expected = f"a number of magnitude at most {MAX_COORDINATE:g}"
                raise _error(source, f"expected {expected} at {where}, got {_show(cell)}", path)
            row.append(value)
        rows.append(row)
    if not rows:
        after = f" after the header (row {header_row})" if header_row else ""
        raise _error(source, f"expected rows of numbers{after}, got none", path)
    return np.array(rows, dtype=np.float64)
