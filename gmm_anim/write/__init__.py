"""The write stage: where the output goes; frame sinks per format (GIF, MP4, WebP, PNG folder, HTML player)."""

from .labels import labels_csv
from .sinks import frame_durations_ms, write_animation, write_file
from .targets import check_not_an_input, check_target, resolve_format, resolve_target

__all__ = [
    "check_not_an_input",
    "check_target",
    "frame_durations_ms",
    "labels_csv",
    "resolve_format",
    "resolve_target",
    "write_animation",
    "write_file",
]
