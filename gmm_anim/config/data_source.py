"""The ``data:`` section: the user's points, and how their file is read.

``data: FILE`` stands for ``{path: FILE}`` (Config turns one into the other,
so that a bad plain path is named ``data``). The file's layout is read while
the config is validated (``data.read_layout``: its first lines, or a .npy
header), so that ``gmm-anim validate`` names a column the header lacks;
reading the points is the data stage's (``data.load_points``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, PrivateAttr, ValidationInfo, model_validator

from ..data import SUFFIXES, Delimiter, Layout, Missing, column_indices, read_layout
from . import field_checks as check
from .field_checks import SECTION_CONFIG, Expect, fail

__all__ = ["DataSource", "data_path"]


def data_path(value: object, info: ValidationInfo) -> Path:
    """The data file, resolved against the config file's folder; it must exist."""
    given = check.path(value)
    source = (info.context or {}).get("source")
    path = ((Path(source).parent if source is not None else Path()) / given).resolve()
    if path.suffix.lower() not in SUFFIXES:
        fail((), f"expected a {', '.join(SUFFIXES[:-1])} or {SUFFIXES[-1]} file, got {str(given)!r}")
    if not path.exists():
        fail((), f"expected an existing file, got {str(given)!r} (no such file: {path})")
    if not path.is_file():
        fail((), f"expected a file, got {str(given)!r} (not a regular file: {path})")
    return path


class DataSource(BaseModel):
    """The ``data:`` section: the user's points and how to read them; ``data: FILE`` means ``{path: FILE}``.

    ``path`` is relative to the config file's folder. The file's layout
    (delimiter, header names, number of columns) is read from its first lines
    while the config is validated, so a column the file lacks fails here. A
    DataSource is path-like: ``Path(cfg.data)`` is its file.
    """

    model_config = SECTION_CONFIG

    path: Annotated[Path, BeforeValidator(data_path)]
    columns: (
        Annotated[
            tuple[Annotated[int, Field(ge=0)] | Annotated[str, Field(min_length=1)], ...],
            Field(min_length=1),
            BeforeValidator(check.columns),
        ]
        | None
    ) = None
    delimiter: Annotated[Delimiter, Expect()] = "auto"
    standardize: Annotated[bool, Expect()] = False
    missing: Annotated[Missing, Expect()] = "error"
    _layout: Layout | None = PrivateAttr(None)
    _indices: tuple[int, ...] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _read_layout(self) -> DataSource:
        if self.path.suffix.lower() == ".npy" and self.delimiter != "auto":
            fail(("delimiter",), f"expected 'auto' for a .npy file (it has no delimiter), got {self.delimiter!r}")
        self._layout = read_layout(self.path, self.delimiter)  # None: the reader says what is wrong
        if self._layout is not None:
            try:
                self._indices = column_indices(self._layout, self.columns, file=self.path.name)
            except ValueError as error:
                fail(("columns",), str(error))
        return self

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The header names of the fitted columns (``feature k`` for an unnamed one); None without a header."""
        layout, indices = self._layout, self._indices
        if layout is None or layout.names is None or indices is None:
            return None
        return tuple(layout.names[i] or f"feature {k}" for k, i in enumerate(indices))

    @property
    def n_features(self) -> int | None:
        """The number of fitted columns as the file's first lines give it; None when they could not be read."""
        return None if self._indices is None else len(self._indices)
