"""Colours of the animation: themes, component palettes, sigma-level shades, blends.

Every colour is kept on the 1/255 grid of the pixels it is drawn into, so the
GIF writer's global palette can hold each of them exactly (``key_colours``)
and a point owned by one component is drawn in exactly that component's colour.
Pure numpy: no matplotlib import here.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DPI",
    "Look",
    "OKABE_ITO",
    "TAB10",
    "THEMES",
    "Theme",
    "component_colours",
    "font_scale",
    "hex_bytes",
    "level_colours",
    "point_colours",
    "size_scale",
    "to_bytes",
]

DPI = 100  # the figure is width/DPI x height/DPI inches: exactly width x height pixels
OUTER_LIGHTENING = 0.5  # the outermost sigma level is mixed this far towards the background

# matplotlib's tab10
TAB10 = ("1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2", "7f7f7f", "bcbd22", "17becf")
# Okabe & Ito's colour-blind safe set without its black, which would vanish in the
# dark theme and be mistaken for the foreground in the light one
OKABE_ITO = ("e69f00", "56b4e9", "009e73", "f0e442", "0072b2", "d55e00", "cc79a7")


def hex_bytes(text: str) -> tuple[float, float, float]:
    """'#1f77b4' or '1f77b4' -> RGB in [0, 1] on the 1/255 grid."""
    digits = text.lstrip("#")
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


@dataclass(frozen=True)
class Theme:
    """The non-component colours of a frame, each RGB in [0, 1] on the 1/255 grid.

    background : figure and axes face
    foreground : text, ticks, spines, the mixture curve, the outline of the mean markers
    truth : the true components before the fit has finished
    histogram : the bars of the 1-D view
    marker_edge : the outline of the mean markers, which sets them apart from
        their own component's points (dark on both themes: a light outline on
        the dark theme would outshine the marker's colour; there it is the
        background, cut out around the marker)
    unassigned : points not yet assigned to any component (the first frame with
        ``render.half_steps``): a mid grey, apart from the background, the
        other theme colours and every named palette's colours (tab10's grey
        7f7f7f included)
    """

    name: str
    background: tuple[float, float, float]
    foreground: tuple[float, float, float]
    truth: tuple[float, float, float]
    histogram: tuple[float, float, float]
    marker_edge: tuple[float, float, float]
    unassigned: tuple[float, float, float]


THEMES = {
    "light": Theme(
        "light",
        background=hex_bytes("ffffff"),
        foreground=hex_bytes("000000"),
        truth=hex_bytes("404040"),
        histogram=hex_bytes("dadada"),
        marker_edge=hex_bytes("000000"),
        unassigned=hex_bytes("a3a3a3"),
    ),
    "dark": Theme(
        "dark",
        background=hex_bytes("181818"),
        foreground=hex_bytes("e8e8e8"),
        truth=hex_bytes("a8a8a8"),
        histogram=hex_bytes("3c3c3c"),
        marker_edge=hex_bytes("181818"),
        unassigned=hex_bytes("626262"),
    ),
}


def size_scale(width: int, height: int) -> float:
    """Line and marker scale of a frame: 1 at 600 x 600 pixels."""
    return float(np.clip(np.sqrt(width * height) / 600, 0.5, 3.0))


def font_scale(scale: float) -> float:
    """Text scale for a frame of size scale ``scale``: text shrinks with the frame, but not below legibility.

    9-point text at 0.75 is about ten pixels high; smaller frames shed labels instead (see layout).
    """
    return max(scale, 0.75)


def _evenly_spaced_hues(n_components: int) -> np.ndarray:
    hues = np.arange(n_components) / n_components
    return np.array([colorsys.hsv_to_rgb(h, 0.75, 0.85) for h in hues])


def component_colours(n_components: int, palette: str | Sequence[str] = "tab10") -> np.ndarray:
    """RGB in [0, 1] for each component, on the 1/255 grid.

    palette : "tab10", "okabe-ito", or a list of at least n_components '#rrggbb'
        colours (the config validator turns any matplotlib colour into that
        form). A named palette with fewer colours than components gives way to
        evenly spaced hues, which stay distinct for any count.
    Returns an array of shape (n_components, 3).
    """
    if isinstance(palette, str):
        named = {"tab10": TAB10, "okabe-ito": OKABE_ITO}[palette]
        if n_components > len(named):
            return np.round(_evenly_spaced_hues(n_components) * 255) / 255
        hexes: Sequence[str] = named[:n_components]
    else:
        if len(palette) < n_components:
            raise ValueError(f"the palette has {len(palette)} colours for {n_components} components")
        hexes = palette[:n_components]
    return np.array([hex_bytes(h) for h in hexes], dtype=np.float64).reshape(n_components, 3)


def level_colours(colours: np.ndarray, n_levels: int, background: Sequence[float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """Outline colour of each component at each sigma level, innermost first.

    The innermost level is the component colour; outer levels are mixed
    towards the background so the eye reads them as the same component, fainter.

    colours : array of shape (n_components, 3)
    Returns an array of shape (n_levels, n_components, 3).
    """
    fractions = OUTER_LIGHTENING * np.arange(n_levels) / max(n_levels - 1, 1)
    background_rgb = np.asarray(background, dtype=np.float64)
    mixed = colours[None] + fractions[:, None, None] * (background_rgb - colours[None])
    return np.round(mixed * 255) / 255


def point_colours(resp: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """The convex blend of component colours by responsibility.

    No per-channel normalisation, so colours do not drift between frames.
    The blend is rounded to the 1/255 grid the pixels are drawn on anyway, so
    a point owned by component k (responsibility within 1/510 of 1) gets
    exactly colour k, whatever rounding left in the other entries.

    resp : array of shape (n_samples, n_components), rows summing to 1
    colours : array of shape (n_components, 3), RGB in [0, 1] on the 1/255 grid
    Returns an array of shape (n_samples, 3).
    """
    blend = np.clip(resp @ colours, 0.0, 1.0)
    return np.round(blend * 255) / 255


def to_bytes(colours: np.ndarray) -> np.ndarray:
    """RGB in [0, 1], shape (m, 3) -> uint8 without repeats, in first-seen order."""
    rounded = np.round(np.asarray(colours, dtype=np.float64).reshape(-1, 3) * 255).astype(np.uint8)
    _, first = np.unique(rounded, axis=0, return_index=True)
    return rounded[np.sort(first)]


@dataclass(frozen=True)
class Look:
    """Everything a view needs to colour and size what it draws.

    colours : array of shape (n_components, 3), the component colours
    levels : the sigma levels drawn, innermost first
    outlines : array of shape (n_levels, n_components, 3), each level's outline colour
    truth_owner : per true component, the fitted component matched to it (None when unpaired)
    """

    theme: Theme
    colours: np.ndarray
    levels: np.ndarray
    outlines: np.ndarray
    scale: float
    truth_owner: tuple[int | None, ...] = ()

    def truth_outlines(self, final: bool) -> np.ndarray:
        """Outline colour of each true component at each level, shape (n_levels, n_true, 3).

        The truth colour until the fit has finished; then the colour of the
        matched fitted component, so the reader sees which pair up.
        """
        n_true = len(self.truth_owner)
        drawn = np.broadcast_to(np.asarray(self.theme.truth), (len(self.levels), n_true, 3)).copy()
        if final:
            for j, k in enumerate(self.truth_owner):
                if k is not None:
                    drawn[:, j] = self.outlines[:, k]
        return drawn
