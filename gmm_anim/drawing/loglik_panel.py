"""The log-likelihood panel: per-sample log-likelihood against iteration, growing frame by frame.

The axes are fixed for the whole animation (every iteration's value is known
before the first frame), so only the line, the marker at the current
iteration and, on the last frame of a run that ``tol`` stopped, a note are
redrawn per frame. Between iterations (tween frames) the marker slides along
the segment joining the two values; a tween between iterations shown apart
(render.frames) passes through the iterations between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from .style import Theme, font_scale

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.lines import Line2D
    from matplotlib.text import Text
    from matplotlib.ticker import MaxNLocator

__all__ = ["LogLikelihoodPanel"]


class LogLikelihoodPanel:
    """The panel on ``axes``; ``update(iteration, fraction, final)`` moves it to a frame.

    log_likelihood : array of shape (T,), the total log-likelihood per snapshot
    n_samples : the number of points, to show the value per sample
    converged : the run stopped early because the gain fell below ``tol``
    """

    line: Line2D
    marker: Line2D
    note: Text

    def __init__(
        self, axes: Axes, log_likelihood: np.ndarray, n_samples: int, *, converged: bool, theme: Theme, scale: float
    ) -> None:
        self.axes = axes
        self.values = np.asarray(log_likelihood, dtype=np.float64) / n_samples
        self.converged = converged
        self._final = False
        iterations = np.arange(len(self.values))
        axes.set_title("log-likelihood per sample", fontsize=9 * font_scale(scale), color=theme.foreground)
        axes.set_xlabel("iteration")
        self._fix_limits()
        cast("MaxNLocator", axes.xaxis.get_major_locator()).set_params(integer=True)  # the default AutoLocator
        self.line = axes.plot(
            iterations[:1], self.values[:1], color=theme.foreground, linewidth=1.5 * scale, animated=True
        )[0]
        self.marker = axes.plot(
            iterations[:1],
            self.values[:1],
            linestyle="none",
            marker="o",
            markersize=6 * scale,
            color=theme.foreground,
            animated=True,
        )[0]
        self.note = axes.text(
            0.97,
            0.06,
            "converged (tol)",
            transform=axes.transAxes,
            ha="right",
            va="bottom",
            fontsize=8 * font_scale(scale),
            color=theme.foreground,
            animated=True,
            in_layout=False,
        )

    def _fix_limits(self) -> None:
        last = max(len(self.values) - 1, 1)
        low, high = float(self.values.min()), float(self.values.max())
        span = high - low if high > low else max(abs(high), 1.0) * 0.1
        self.axes.set_xlim(-0.04 * last, 1.04 * last)
        self.axes.set_ylim(low - 0.08 * span, high + 0.08 * span)

    def fit_note(self) -> None:
        """Once the layout is final: shrink the note until it fits inside the panel."""
        renderer = cast("FigureCanvasAgg", self.axes.figure.canvas).get_renderer()
        room = 0.94 * self.axes.get_window_extent(renderer).width
        width = self.note.get_window_extent(renderer).width
        if width > room:
            self.note.set_fontsize(float(self.note.get_fontsize()) * room / width)

    @property
    def animated_artists(self) -> list:
        """The panel's changing artists in drawing order; the note only on a converged run's last frame."""
        shown = [self.line, self.marker]
        return shown + [self.note] if self._final and self.converged else shown

    def update(self, iteration: int, fraction: float, *, final: bool) -> None:
        """Show the curve up to ``fraction`` of the way from ``iteration`` to the next."""
        xs = np.arange(iteration + 1, dtype=np.float64)
        ys = self.values[: iteration + 1]
        if fraction > 0:
            position = iteration + fraction
            value = (1 - fraction) * self.values[iteration] + fraction * self.values[iteration + 1]
            xs, ys = np.append(xs, position), np.append(ys, value)
        self.line.set_data(xs, ys)
        self.marker.set_data(xs[-1:], ys[-1:])
        self._final = final
