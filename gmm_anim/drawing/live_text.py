"""The changing text of a frame, drawn for less: the title's fixed lead once, repeated labels pasted.

Text is most of a frame's drawing time (FreeType renders it glyph by glyph),
and most of it repeats from frame to frame:

- The title starts where the widest one, centred, starts, so it does not
  jump sideways when the iteration grows a digit. Its lead, the words before
  the first that changes (cut at a space, across which no kerning reaches),
  is drawn into the background, and only the rest per frame, placed where it
  stands in the whole title. Hinted glyph advances are whole pixels, so the
  two pieces draw the pixels of the whole title; where the measured widths do
  not add up (unhinted or kerned text), the whole title is drawn every frame,
  at the same place, so the output never depends on which was done.
- A legend weight label lies over background only (outside every axes, in
  which the other changing artists are clipped, and clear of the title), so
  its pixels depend on its string alone: drawn once per string, they are
  pasted back after. Weights settle within a few iterations, so most labels
  repeat. Should a label's drawing ever reach past its slot, stamping stops
  and every label is drawn.

On the seed render (41 frames of 600x600, matplotlib 3.11) a frame takes
4.7 ms to draw, 9.3 ms with neither: the pasted labels save 2.0 ms of it and
the split title 2.7 ms, and the whole process takes 0.1 s longer without
either, 0.2 s without both (of about 1 s). tests/test_speed_paths.py renders
through the console script with both fallbacks forced and compares bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["FrameTitle", "TextStamps"]

SLOT_PAD = 1  # pixels around a label's box that its glyphs may reach
RING = 2  # pixels around a slot checked to be untouched by the label's drawing
CLEAR_PAD = 1  # pixels around a keep-clear box that antialiasing at its clip edge may reach


class FrameTitle:
    """The frame title as a static ``lead`` (None when nothing is fixed) and an animated ``rest``.

    title : the laid-out figure title, showing ``titles[0]``
    titles : every frame's title; ``measured`` : those whose widths bound the widest
    """

    def __init__(self, canvas: FigureCanvasAgg, title: Text, titles: list[str], measured: list[str]) -> None:
        self.lead: Text | None = None
        self.rest = title
        if any("$" in text or "\n" in text for text in titles):
            return  # mathtext or several lines: drawn whole, centred as laid out
        renderer = canvas.get_renderer()
        props = title.get_fontproperties()

        def width(text: str) -> float:
            return renderer.get_text_width_height_descent(text, props, ismath=False)[0]

        widths = [width(text) for text in measured]
        lead = _common_lead(titles)
        if not _pieces_line_up(width, lead, measured, widths):
            lead = ""  # the whole title each frame, at the same place
        # the baseline of the laid-out title: its top less the ascent its baseline-aligned box shows
        to_pixels = title.get_transform()
        anchor = to_pixels.transform(title.get_position())[1]
        top = title.get_window_extent(renderer).y1
        title.set_verticalalignment("baseline")
        baseline = top - (title.get_window_extent(renderer).y1 - anchor)
        x = canvas.figure.bbox.width / 2 - max(widths) / 2
        to_figure = to_pixels.inverted()
        title.set(position=to_figure.transform((x, baseline)), horizontalalignment="left")
        if lead:
            rest_x, rest_y = to_figure.transform((x + width(lead), baseline))
            self.rest = canvas.figure.text(
                rest_x, rest_y, title.get_text()[len(lead) :], fontproperties=props, color=title.get_color(),
                ha="left", va="baseline", transform=to_pixels, animated=True,
            )  # fmt: skip
            title.set(text=lead, animated=False)
            self.lead = title

    @property
    def text(self) -> str:
        """The whole title shown."""
        return (self.lead.get_text() if self.lead is not None else "") + self.rest.get_text()

    @property
    def artists(self) -> list[Text]:
        return [self.rest] if self.lead is None else [self.lead, self.rest]

    def set_text(self, text: str) -> None:
        """Show ``text``, one of the titles given."""
        if self.lead is None:
            self.rest.set_text(text)
        else:
            self.rest.set_text(text[len(self.lead.get_text()) :])

    def get_window_extent(self, renderer: RendererBase | None = None) -> Bbox:
        from matplotlib.transforms import Bbox

        return Bbox.union([artist.get_window_extent(renderer) for artist in self.artists])


def _pieces_line_up(width: Callable[[str], float], lead: str, titles: list[str], widths: list[float]) -> bool:
    """Whether each title is as wide as its lead and its rest: drawn apart, they then draw its pixels."""
    return bool(lead) and all(total == width(lead) + width(text[len(lead) :]) for text, total in zip(titles, widths))


def _common_lead(titles: list[str]) -> str:
    """The longest start of every title that ends in a space."""
    common = os.path.commonprefix(titles)
    return common[: common.rfind(" ") + 1]


class TextStamps:
    """Texts over background only, drawn once per string and pasted back after.

    texts : the candidates; one gets a slot (its box padded by SLOT_PAD) when
    the slot meets no other candidate's, nor any of ``keep_clear`` (display
    boxes where the other changing artists draw), and the slot with its ring
    lies inside the frame.
    """

    def __init__(self, canvas: FigureCanvasAgg, texts: list[Text], keep_clear: list[Bbox]) -> None:
        self._canvas = canvas
        width, height = canvas.get_width_height()
        renderer = canvas.get_renderer()
        slots = [_pixel_box(t.get_window_extent(renderer), height, SLOT_PAD) for t in texts]
        clear = [_pixel_box(box, height, CLEAR_PAD) for box in keep_clear]
        self._slots: dict[int, tuple[slice, slice]] = {}
        for i, (text, (left, top, right, bottom)) in enumerate(zip(texts, slots)):
            others = [box for j, box in enumerate(slots) if j != i] + clear
            inside = left >= RING and top >= RING and right <= width - RING and bottom <= height - RING
            if inside and not any(_meet(slots[i], other) for other in others):
                self._slots[id(text)] = (slice(top, bottom), slice(left, right))
        self._stamps: dict[tuple[int, str], np.ndarray] = {}

    def draw(self, figure: Figure, text: Artist) -> None:
        """Draw ``text`` (or any other artist) onto the canvas as ``figure.draw_artist`` would."""
        slot = self._slots.get(id(text))
        if slot is None:
            figure.draw_artist(text)
            return
        key = (id(text), cast("Text", text).get_text())  # only texts get slots
        pixels = np.asarray(self._canvas.buffer_rgba())
        stamp = self._stamps.get(key)
        if stamp is not None:
            pixels[slot] = stamp
            return
        rows, cols = slot
        outer = (slice(rows.start - RING, rows.stop + RING), slice(cols.start - RING, cols.stop + RING))
        before = pixels[outer].copy()
        figure.draw_artist(text)
        if _stays_in_slot(before, pixels[outer]):
            self._stamps[key] = pixels[slot].copy()
        else:  # it reached past its slot, maybe into another's: no more stamps
            self._slots.clear()
            self._stamps.clear()


def _stays_in_slot(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether drawing changed no pixel of the RING around the slot (both arrays: the slot with its ring)."""
    changed = (after != before).any(axis=-1)
    changed[RING:-RING, RING:-RING] = False
    return not changed.any()


def _pixel_box(box: Bbox, height: int, pad: int) -> tuple[int, int, int, int]:
    """A display box (y up) as whole pixels (left, top, right, bottom) of the buffer (rows down), padded."""
    left, right = int(np.floor(box.x0)) - pad, int(np.ceil(box.x1)) + pad
    top, bottom = height - int(np.ceil(box.y1)) - pad, height - int(np.floor(box.y0)) + pad
    return left, top, right, bottom


def _meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
