"""The write stage: frame sinks per format (GIF, MP4, WebP, PNG folder), atomic output."""

from .sinks import frame_durations_ms, resolve_format, write_animation

__all__ = ["frame_durations_ms", "resolve_format", "write_animation"]
