"""The write stage: where the output goes, and frame sinks per format (GIF, MP4, WebP, PNG folder), atomic output."""

from .sinks import frame_durations_ms, write_animation, write_file
from .targets import resolve_format, resolve_target

__all__ = ["frame_durations_ms", "resolve_format", "resolve_target", "write_animation", "write_file"]
