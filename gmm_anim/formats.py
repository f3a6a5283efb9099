"""The output formats: the one home of their names, suffixes and MIME types.

Kept apart from ``write/`` so that the config models and the command line can
name the formats without importing the writers.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["FORMATS", "INLINE_TYPES", "SUFFIXES", "SUFFIX_FORMATS", "Format"]

Format = Literal["gif", "mp4", "webp", "png", "html"]
FORMATS: tuple[str, ...] = get_args(Format)
# A PNG output is a folder of frames: its path has no suffix.
SUFFIXES = {"gif": ".gif", "mp4": ".mp4", "webp": ".webp", "png": "", "html": ".html"}
SUFFIX_FORMATS = {f".{name}": name for name in FORMATS}
# What a notebook can show inline, by format: the MIME type of the data URI
# (the HTML player goes into an iframe's srcdoc, text/html).
INLINE_TYPES = {"html": "text/html", "gif": "image/gif", "webp": "image/webp", "mp4": "video/mp4"}
