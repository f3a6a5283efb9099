"""The figure of a frame: exact pixel size, the axes grid, title, legend, and a layout that fits.

Constrained layout places the axes, the title and a figure legend outside
the axes; the legend goes on the side (right or below) that leaves the main
axes the most room, and a frame too small for everything sheds the legend,
then the tick labels, axis labels and panel title. The layout is then frozen, so no frame can move an
axes, and an equal-aspect main axes has its limits widened to fill its box.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .style import DPI, Look, Theme, font_scale

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend
    from matplotlib.text import Text

__all__ = ["FrameLayout", "PANEL_SHARE", "style_axes", "truth_and_mean_handles"]

PANEL_SHARE = 0.5  # the log-likelihood panel's width (beside) or height (below) relative to the main axes
MIN_SHARE = 0.4  # a layout fits when every axes keeps this much of its grid cell in each direction


class FrameLayout:
    """One figure of exactly width x height pixels with a main axes and an optional panel axes.

    panel : None, "right" or "below", where the log-likelihood panel goes
    equal_aspect : the main axes shows data with equal scales on both axes
    data_aspect : width / height of the main axes' data limits (equal aspect only)
    """

    def __init__(
        self, width: int, height: int, theme: Theme, scale: float, *, panel: str | None, data_aspect: float
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.width, self.height = width, height
        self.theme, self.scale, self.font = theme, scale, font_scale(scale)
        self._data_aspect = data_aspect
        self.figure = Figure(
            figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=theme.background, layout="constrained"
        )
        self.canvas = FigureCanvasAgg(self.figure)
        # fraction of the width and height that the main and the panel axes' grid cells get
        self._shares = {"main": (1.0, 1.0), "panel": (1.0, 1.0)}
        if panel is None:
            self.main, self.panel = self.figure.add_subplot(), None
        elif panel == "right":
            grid = self.figure.add_gridspec(1, 2, width_ratios=[1.0, PANEL_SHARE])
            self.main, self.panel = self.figure.add_subplot(grid[0]), self.figure.add_subplot(grid[1])
            self._shares = {"main": (1 / (1 + PANEL_SHARE), 1.0), "panel": (PANEL_SHARE / (1 + PANEL_SHARE), 1.0)}
        else:
            grid = self.figure.add_gridspec(2, 1, height_ratios=[1.0, PANEL_SHARE])
            self.main, self.panel = self.figure.add_subplot(grid[0]), self.figure.add_subplot(grid[1])
            self._shares = {"main": (1.0, 1 / (1 + PANEL_SHARE)), "panel": (1.0, PANEL_SHARE / (1 + PANEL_SHARE))}
        for axes in self.axes:
            self.style_axes(axes)
        self.legend: Legend | None = None
        self.legend_order: list[int] = []  # legend.get_texts()[i] labels entry legend_order[i] of add_legend's

    @property
    def axes(self) -> list[Axes]:
        return [self.main] if self.panel is None else [self.main, self.panel]

    @property
    def equal_aspect(self) -> bool:
        return self._data_aspect > 0

    def style_axes(self, axes: Axes) -> None:
        """Theme colours; spines and ticks a whole number of pixels wide, so drawn crisp, without fringes."""
        style_axes(axes, self.theme, line_width=max(1, round(self.scale)) * 72 / DPI, font_size=9 * self.font)

    # -- title ---------------------------------------------------------------

    def add_title(self, texts: list[str]) -> Text:
        """An animated figure title, its font shrunk until the widest of ``texts`` fits the frame."""
        title = self.figure.suptitle(texts[0], fontsize=11 * self.font, color=self.theme.foreground)
        title.set_animated(True)
        renderer = self.canvas.get_renderer()
        widest = 0.0
        for text in texts:
            title.set_text(text)
            widest = max(widest, title.get_window_extent(renderer).width)
        if widest > 0.96 * self.width:
            title.set_fontsize(float(title.get_fontsize()) * 0.96 * self.width / widest)
        title.set_text(texts[0])
        return title

    # -- legend --------------------------------------------------------------

    def add_legend(self, handles: list, labels: list[str], title: str | None) -> Legend | None:
        """A frameless figure legend on the side that leaves the main axes the most room.

        Without a panel and with equal aspect the room is estimated from the
        legend's size alone (a layout pass costs as much as several frames);
        otherwise both sides are laid out and compared.
        """
        if self.panel is None and self.equal_aspect:
            self.legend = self._place_legend(handles, labels, title, self._estimated_side(handles, labels, title))
            return self.legend
        best: tuple[float, str] | None = None
        for side in ("right", "below"):
            legend = self._place_legend(handles, labels, title, side)
            fits = self._layout_fits()
            room = self._main_room()
            legend.remove()
            if fits and (best is None or room > best[0]):
                best = (room, side)
        self.legend = self._place_legend(handles, labels, title, best[1] if best else "below")
        return self.legend

    def _estimated_side(self, handles: list, labels: list[str], title: str | None) -> str:
        """The side leaving the equal-aspect main axes more pixels per data unit, by the legends' sizes.

        Tick labels and the title take about the same room either way, so
        they are counted once, at a typical size.
        """
        renderer = self.canvas.get_renderer()
        sizes = {}
        for side in ("right", "below"):
            legend = self._place_legend(handles, labels, title, side)
            sizes[side] = legend.get_window_extent(renderer)
            legend.remove()
        decoration = 40 * self.font  # pixels of tick labels (and title) along each direction
        width, height = self.width - decoration, self.height - decoration
        room = {
            "right": min((width - sizes["right"].width) / self._data_aspect, height),
            "below": min(width / self._data_aspect, height - sizes["below"].height),
        }
        return max(room, key=lambda side: room[side])

    def _place_legend(self, handles: list, labels: list[str], title: str | None, side: str) -> Legend:
        from matplotlib.legend_handler import HandlerTuple

        renderer = self.canvas.get_renderer()
        for ncols in [1] if side == "right" else range(len(handles), 0, -1):
            # matplotlib fills columns first; reorder so the entries read row by row
            order = [i for col in range(ncols) for i in range(col, len(handles), ncols)]
            legend = self.figure.legend(
                [handles[i] for i in order],
                [labels[i] for i in order],
                ncols=ncols,
                loc="outside right center" if side == "right" else "outside lower center",
                frameon=False,
                fontsize=9 * self.font,
                labelcolor=self.theme.foreground,
                title=title,
                title_fontsize=9 * self.font,
                alignment="left",
                handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
            )
            legend.get_title().set_color(self.theme.foreground)
            if side == "right" or ncols == 1 or legend.get_window_extent(renderer).width <= 0.98 * self.width:
                self.legend, self.legend_order = legend, order
                return legend
            legend.remove()
        raise AssertionError("unreachable: the loop returns at ncols == 1")

    # -- fitting -------------------------------------------------------------

    def settle(self) -> None:
        """Run the layout, shedding the legend, then labels, until it fits; freeze it; fill the box.

        A frame too small for anything keeps its last attempt: the frame
        still has exactly the requested size, just with little room.
        """
        base_limits = self.main.get_xlim(), self.main.get_ylim()
        for shed in (None, self._shed_legend, self._shed_panel_labels, self._shed_labels):
            if shed is not None:
                shed()
            if self._layout_fits():
                break
        if self.equal_aspect:
            self._fill_box()
            # once more, so the layout makes room for the tick labels of the filled limits
            # (whether it fits was settled above)
            self._lay_out()
        self.figure.set_layout_engine("none")
        if self.equal_aspect:
            self.main.set_xlim(base_limits[0])
            self.main.set_ylim(base_limits[1])
            self._fill_box()
            # the filled limits already have equal aspect, so this only records the intent
            self.main.set_aspect("equal", adjustable="box")

    def _layout_fits(self) -> bool:
        """Run the layout; False if something came out too small.

        Too small: constrained layout gave up, an axes keeps less than half
        its cell, or an axes' labels or the legend reach past the frame.
        """
        if not self._lay_out():
            return False
        for name, axes in zip(("main", "panel"), self.axes):
            box, (width_share, height_share) = axes.get_position(), self._shares[name]
            if box.width < MIN_SHARE * width_share or box.height < MIN_SHARE * height_share:
                return False
        renderer = self.canvas.get_renderer()
        drawn = [axes.get_tightbbox(renderer) for axes in self.axes]
        drawn += [self.legend.get_window_extent()] if self.legend is not None else []
        return all(self._inside_frame(box) for box in drawn)

    def _lay_out(self) -> bool:
        """Run the layout, again if the panel title had to be wrapped; False if the layout gave up."""
        if not self._run_layout():
            return False
        if self._wrap_panel_title():
            self._run_layout()
        return True

    def _run_layout(self) -> bool:
        """Constrained layout alone; False if it gave up.

        The engine measures every extent it needs itself; drawing the figure
        without rendering around it (``Figure.draw_without_rendering``)
        places everything the same and takes 1.5-2x as long.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            engine = self.figure.get_layout_engine()
            assert engine is not None, "the figure is made with the constrained layout engine"
            engine.execute(self.figure)
        collapsed = False
        for warning in caught:
            if "constrained_layout not applied" in str(warning.message):
                collapsed = True
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return not collapsed

    def _wrap_panel_title(self) -> bool:
        """Break the panel's title onto two lines when it is wider than the panel; True if it changed."""
        if self.panel is None:
            return False
        title = self.panel.title
        text = title.get_text()
        if " " not in text or "\n" in text:
            return False
        if title.get_window_extent().width <= self.panel.get_window_extent().width:
            return False
        # at the space nearest the middle, so the two lines come out about as long
        spaces = [i for i, char in enumerate(text) if char == " "]
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
        title.set_text(text[:cut] + "\n" + text[cut + 1 :])
        return True

    def _inside_frame(self, box) -> bool:
        return box.x0 >= -0.5 and box.y0 >= -0.5 and box.x1 <= self.width + 0.5 and box.y1 <= self.height + 0.5

    def _main_room(self) -> float:
        """Pixels per data unit of the equal-aspect main axes, else its area in pixels."""
        box = self.main.get_window_extent()
        if not self.equal_aspect:
            return box.width * box.height
        return min(box.width / self._data_aspect, box.height)

    def _shed_legend(self) -> None:
        if self.legend is not None:
            self.legend.remove()
            self.legend = None

    def _shed_panel_labels(self) -> None:
        """The panel's title and axis label go; its tick values stay."""
        if self.panel is not None:
            self.panel.set_title("")
            self.panel.set_xlabel("")

    def _shed_labels(self) -> None:
        """Tick labels, axis labels and axes titles go; the frame title stays, shrunk to fit."""
        for axes in self.axes:
            axes.tick_params(labelbottom=False, labelleft=False)
            axes.set_xlabel("")
            axes.set_ylabel("")
            axes.set_title("")

    def _fill_box(self) -> None:
        """Widen the main limits so that equal aspect fills the axes box exactly."""
        box = self.main.get_window_extent()
        (x0, x1), (y0, y1) = self.main.get_xlim(), self.main.get_ylim()
        box_aspect = box.width / box.height
        if (x1 - x0) / (y1 - y0) < box_aspect:
            half, centre = (y1 - y0) * box_aspect / 2, (x0 + x1) / 2
            self.main.set_xlim(centre - half, centre + half)
        else:
            half, centre = (x1 - x0) / box_aspect / 2, (y0 + y1) / 2
            self.main.set_ylim(centre - half, centre + half)


def style_axes(axes: Axes, theme: Theme, *, line_width: float, font_size: float) -> None:
    """Theme colours on ``axes``: face, spines and ticks ``line_width`` points wide, labels of ``font_size``."""
    axes.set_facecolor(theme.background)
    axes.spines[:].set_linewidth(line_width)
    axes.spines[:].set_color(theme.foreground)
    axes.tick_params(labelsize=font_size, colors=theme.foreground, width=line_width)
    axes.xaxis.label.set_color(theme.foreground)
    axes.yaxis.label.set_color(theme.foreground)
    axes.xaxis.label.set_fontsize(font_size)
    axes.yaxis.label.set_fontsize(font_size)


def truth_and_mean_handles(look: Look, *, show_truth: bool, mean_marker_area: float) -> tuple[list, list[str]]:
    """Legend handles, drawn like the artists, for the true components and the mean markers."""
    from matplotlib.lines import Line2D

    scale, theme = look.scale, look.theme
    handles, labels = [], []
    if show_truth:
        handles.append(Line2D([], [], color=theme.truth, linewidth=1.2 * scale, linestyle="--"))
        labels.append("true")
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="X",
            markersize=mean_marker_area**0.5 * scale,
            markerfacecolor=theme.truth,
            markeredgecolor=theme.marker_edge,
            markeredgewidth=scale,
        )
    )
    labels.append("mean")
    return handles, labels
