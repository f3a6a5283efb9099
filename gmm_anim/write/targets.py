"""Where an animation goes: its path and format, decided and checked before any work.

The rules (SPEC section 4) keep a user's files safe and the meaning of ``-o``
the same in every call:

- ``-f``, ``render.format`` and the output's suffix must agree; a PNG output
  is a folder of frames, so its path has no suffix.
- An existing folder, or a path typed with a trailing ``/``, receives
  ``<config stem><suffix>`` inside it; with several configs ``-o`` must be
  such a folder.
- An output that is one of the inputs (a config, a data file), or a folder
  that holds one, is refused.

Every refusal is a ConfigError (exit code 2) naming the option or key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError
from ..formats import FORMATS, SUFFIX_FORMATS, SUFFIXES

__all__ = ["FRAME_NAME", "check_not_an_input", "check_target", "resolve_format", "resolve_target"]

# The files of a PNG output folder: frame_0000.png, frame_0001.png, ...
FRAME_NAME = re.compile(r"frame_\d+\.png")

_PNG_IS_A_FOLDER = "PNG output is a folder of frames, frame_0000.png, ...: name the folder without .png"
_NAMED_SUFFIXES = ", ".join(suffix for suffix in SUFFIX_FORMATS if suffix != ".png")


def resolve_format(
    path: Path, format: str, *, source: object = None, path_field: str = "render.output", format_field: str = ""
) -> str:
    """The format of an output at ``path``: the one its suffix names, which a named ``format`` must equal.

    ``format`` is "auto" or one of FORMATS. No suffix means a PNG folder; a
    ``.png`` file name is refused because PNG output is a folder. In the
    ConfigError raised, ``source`` names the file, ``path_field`` the option
    or key that gave the path, ``format_field`` the one that named the format.
    """
    path = Path(path)
    source = path if source is None else source
    if format != "auto" and format not in FORMATS:
        raise ConfigError(
            source, format_field or "render.format", f"expected auto, {', '.join(FORMATS)}, got {format!r}"
        )
    suffix = path.suffix.lower()
    if suffix == ".png" and format in ("auto", "png"):
        raise ConfigError(source, path_field, f"expected a folder name, got {str(path)!r} ({_PNG_IS_A_FOLDER})")
    if suffix and suffix not in SUFFIX_FORMATS:
        raise ConfigError(
            source,
            path_field,
            f"expected a name ending in {_NAMED_SUFFIXES}, or no suffix for a folder of PNG frames, got {str(path)!r}",
        )
    implied = SUFFIX_FORMATS.get(suffix, "png")
    if format != "auto" and format != implied:
        wanted = f"ending in {SUFFIXES[format]}" if SUFFIXES[format] else "without a suffix (a folder of PNG frames)"
        field = format_field or "render.format"
        raise ConfigError(
            source, field, f"expected an output {wanted} for {field} {format}, got {path_field} {str(path)!r}"
        )
    return implied


def resolve_target(
    *,
    source: Path,
    output: str | Path | None,
    output_key: str | Path | None,
    format_option: str | None,
    format_key: str,
    inputs: Mapping[str, Path],
    several: bool = False,
) -> tuple[Path, str]:
    """The path and format of one config's output.

    source : the config file; its stem names default outputs.
    output, format_option : the command line's ``-o`` (as typed, so a
        trailing ``/`` counts) and ``-f``, or None.
    output_key, format_key : the config's ``render.output`` and ``render.format``.
    inputs : the files the run reads, by what they are ("the config"); none may be written over.
    several : this config is one of several in one call, so ``-o`` must be a folder.
    """
    if format_option is not None and format_key not in ("auto", format_option):
        raise ConfigError(
            source, "-f", f"expected the format render.format names ({format_key}), got -f {format_option}; drop one"
        )
    format = format_option or format_key
    format_field = "-f" if format_option is not None else "render.format"
    if output is not None:
        typed, path_field = str(output), "-o"
    elif output_key is not None:
        typed, path_field = str(output_key), "render.output"
    else:
        typed, path_field = "", "render.output"
    if several and output is not None and not _names_folder(typed):
        raise ConfigError(
            source,
            "-o",
            f"expected a folder for several configs (an existing one, or a name ending in /), got {typed!r}",
        )
    if typed and not _names_folder(typed):
        path = Path(typed)
        check_not_an_input(path, inputs, source, path_field)
        format = resolve_format(path, format, source=source, path_field=path_field, format_field=format_field)
    else:
        format = "gif" if format == "auto" else format
        name = source.stem + SUFFIXES[format]
        path = Path(typed) / name if typed else Path(name)
        check_not_an_input(path, inputs, source, path_field)
    check_target(path, format, source=source, field=path_field)
    return path, format


def check_target(path: Path, format: str, *, source: object = None, field: str = "render.output") -> None:
    """Refuse, before any rendering, a target that must not be replaced."""
    source = path if source is None else source
    if path.name in ("", ".", ".."):
        raise ConfigError(source, field, f"expected a file or folder name, got {str(path)!r}")
    if format != "png":
        if path.is_dir():
            raise ConfigError(source, field, f"expected a file name, got {str(path)!r}, an existing folder")
    elif path.exists() and not path.is_dir():
        raise ConfigError(source, field, f"expected a folder for the PNG frames, got {str(path)!r}, an existing file")
    elif path.is_dir() and any(path.iterdir()) and not _holds_frames_only(path):
        raise ConfigError(
            source,
            field,
            f"expected a new or empty folder, or one of earlier frames, got {str(path)!r}, "
            "which holds more than frame_*.png files",
        )


def _names_folder(typed: str) -> bool:
    """True when ``typed`` is a folder to write into: a trailing /, or an existing folder.

    A folder of an earlier PNG render's frames is not one: it is the output
    that a PNG render replaces, so that a second run means what the first did.
    """
    if typed.endswith(("/", os.sep)):
        return True
    path = Path(typed)
    return path.is_dir() and not (any(path.iterdir()) and _holds_frames_only(path))


def _holds_frames_only(path: Path) -> bool:
    return all(FRAME_NAME.fullmatch(entry.name) and entry.is_file() for entry in path.iterdir())


def check_not_an_input(path: Path, inputs: Mapping[str, Path], source: object, field: str) -> None:
    """Refuse an output at ``path`` that is, or is a folder holding, one of ``inputs`` (by role)."""
    target = path.resolve()
    for role, input_path in inputs.items():
        read = Path(input_path).resolve()
        if read == target or target in read.parents:
            which = f"which is {role}" if read == target else f"a folder that holds {role} ({str(input_path)!r})"
            raise ConfigError(
                source, field, f"expected an output that is not read by this run, got {str(path)!r}, {which}"
            )
