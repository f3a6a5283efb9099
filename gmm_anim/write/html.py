"""The HTML player: one self-contained page that draws every frame exactly into a canvas.

Frames. The first frame is stored whole and every later one as the
bounding box of the pixels that changed since the frame before, both as
lossless WebP; in a box, a changed pixel is opaque and an unchanged one fully
transparent, so drawing the box at its offset over the previous frame
(source-over: an opaque pixel replaces, a transparent one leaves) gives the
new frame bit for bit. A repeated frame stores nothing. The page rebuilds
any frame from the nearest checkpoint (a whole frame it keeps in memory every
few frames) and the boxes after it. Seed config, 41 frames of 600x600,
encoded sizes before base64 (seconds to encode):

    whole boxes as PNG             1597 KB  (0.65 s)
    masked boxes as PNG            1125 KB  (0.74 s)
    whole boxes as lossless WebP    853 KB  (0.99 s)
    masked boxes as lossless WebP   594 KB  (0.89 s, quality 50, method 1)

Masked WebP boxes are used; effort beyond quality 50 and method 1 buys
under 0.5%. (The times include finding the boxes, since made 9x faster by
comparing packed colour codes. Encoding in a thread pool beside the
rendering saved only 5% of the whole render on two cores: not kept.)
Transparent pixels are written as zeros (``exact``), whatever the encoder
would prefer: the bytes depend on the frames alone.

The page holds the boxes as base64 data in a JSON block, the captions
(``drawing.captions``) and the frame durations; the player itself (HTML,
CSS, script) is ``player.html`` beside this module. Nothing is fetched.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from importlib import resources
from typing import IO, TYPE_CHECKING

import numpy as np

from .gif import FrameCodes

if TYPE_CHECKING:
    from ..drawing.captions import Captions

__all__ = ["frame_boxes", "page", "write_html"]

# Lossless WebP effort: see the module docstring.
_WEBP_OPTIONS = {"lossless": True, "quality": 50, "method": 1, "exact": True}


def _webp(pixels: np.ndarray) -> bytes:
    """(h, w, 3 or 4) uint8 -> lossless WebP bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="WEBP", **_WEBP_OPTIONS)
    return buffer.getvalue()


def frame_boxes(frames: Iterator[np.ndarray]) -> Iterator[tuple[int, int, np.ndarray] | None]:
    """Per frame what the page draws over the one before: (left, top, pixels), or None when nothing changed.

    The first frame's pixels are its (H, W, 3) whole; a later frame's are the
    (h, w, 4) RGBA box of the pixels that differ from the frame before,
    opaque where they differ and transparent (all zeros) elsewhere. Pixels
    are compared as packed colour codes (``gif.FrameCodes``), one word each.
    """
    pack = FrameCodes()
    previous = None
    for frame in frames:
        codes = pack(frame).reshape(frame.shape[:2])
        if previous is None:
            yield 0, 0, np.ascontiguousarray(frame)
        else:
            changed = codes != previous
            rows = np.flatnonzero(changed.any(axis=1))
            if rows.size == 0:
                yield None
            else:
                cols = np.flatnonzero(changed[rows[0] : rows[-1] + 1].any(axis=0))
                box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
                # little-endian words R | G << 8 | B << 16 | A << 24 are the bytes R, G, B, A
                words = np.where(changed[box], codes[box] | np.uint32(0xFF000000), np.uint32(0)).astype("<u4")
                yield int(cols[0]), int(rows[0]), words.view(np.uint8).reshape(*words.shape, 4)
        previous = codes


def _encoded(frames: Iterator[np.ndarray]) -> Iterator[list[object] | None]:
    """Each frame's box as [left, top, base64 WebP], or None when nothing changed."""
    for box in frame_boxes(frames):
        if box is None:
            yield None
        else:
            left, top, pixels = box
            yield [left, top, base64.b64encode(_webp(pixels)).decode("ascii")]


def page(data: dict[str, object], *, width: int, height: int) -> str:
    """The player page holding ``data`` (frames, durations, captions) for frames of width x height."""
    template = resources.files(__package__).joinpath("player.html").read_text(encoding="utf-8")
    # "<" escaped, so no string in the data can close the script element holding it
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False).replace("<", "\\u003c")
    return (
        template.replace("{{WIDTH}}", str(width))
        .replace("{{HEIGHT}}", str(height))
        .replace("{{BACKGROUND}}", str(data.get("background") or "#ffffff"))
        .replace("{{FOREGROUND}}", str(data.get("foreground") or "#000000"))
        .replace("{{DATA}}", payload)
    )


def write_html(
    frames: Iterator[np.ndarray], fp: IO[bytes], durations: list[int], captions: Captions | None = None
) -> None:
    """The page for ``frames``, each shown ``durations[i]`` ms, labelled by ``captions`` (None: frame numbers)."""
    shape: list[int] = []

    def sized(frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for frame in frames:
            shape[:] = frame.shape[:2]
            yield frame

    data: dict[str, object] = {"frames": list(_encoded(sized(frames))), "durations": durations}
    if captions is not None:
        data.update(captions.as_dict())
    height, width = shape
    fp.write(page(data, width=width, height=height).encode("utf-8"))
