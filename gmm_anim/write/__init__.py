"""The write stage: frame sinks per format (GIF, MP4, WebP, PNG folder), atomic output."""

from .sinks import FORMATS, frame_durations_ms, resolve_format, write_animation

__all__ = ["FORMATS", "frame_durations_ms", "resolve_format", "write_animation"]
