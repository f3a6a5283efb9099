""".npy files: the array read without pickle, its header read without the array."""

from __future__ import annotations

import math
import os
import tokenize
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import ConfigError

__all__ = ["NPY_READ_ERRORS", "load_npy", "npy_header"]

# What reading a damaged .npy raises: numpy parses its header as Python source.
NPY_READ_ERRORS = (OSError, EOFError, ValueError, SyntaxError, tokenize.TokenError)


# .npy


def load_npy(path: Path, error: Callable[[str], ConfigError]) -> np.ndarray:
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
    header = npy_header(path)
    if header is None:
        return None
    shape, dtype, stored = header
    needed = math.prod(shape) * dtype.itemsize
    if dtype.hasobject or stored >= needed:
        return None
    return f"expected {needed} bytes of data for an array of shape {shape}, got {stored} (the file is cut short)"


def npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype, int] | None:
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
