"""The drawing stage: RGB frames from points, a History and the truth, and still figures; writes nothing."""

from .frames import FrameRenderer, count_frames, key_colours, render_frames
from .stills import still_bytes, still_figure

__all__ = ["FrameRenderer", "count_frames", "key_colours", "render_frames", "still_bytes", "still_figure"]
