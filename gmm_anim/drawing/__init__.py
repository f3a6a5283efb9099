"""The drawing stage: RGB frames from points, a History and the truth; writes nothing."""

from .frames import FrameRenderer, count_frames, key_colours, render_frames

__all__ = ["FrameRenderer", "count_frames", "key_colours", "render_frames"]
